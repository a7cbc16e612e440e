"""Settings for the digest site: one module, configured from the environment.

Every variable has a development default; README.md lists them. Production sets
DJANGO_SECURE=1, DJANGO_ALLOWED_HOSTS and, past one machine, a PostgreSQL
DATABASE_URL and a shared DJANGO_SECRET_KEY.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from digestsite.secret_key import load_or_create_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, *, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def env_networks(name: str) -> list[str]:
    """Comma-separated addresses or networks ("10.0.0.5, 10.1.0.0/16")."""
    networks = env_list(name, "")
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as error:
            raise ImproperlyConfigured(f"{name}: {error}") from error
    return networks


def meta_key(header: str) -> str:
    """The request.META key of an HTTP header: "X-Forwarded-For" -> HTTP_X_..."""
    return "HTTP_" + header.strip().upper().replace("-", "_")


DEBUG = env_flag("DJANGO_DEBUG")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "django_htmx",
    "axes",
    "papers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "digestsite.security_headers.CrossOriginResourcePolicyMiddleware",
    # Above everything that can answer an error, so it sees them all as responses.
    "papers.api_errors.ApiErrorMiddleware",
    # Before anything looks a URL's parts up in the database.
    "papers.nul_guard.RejectNulMiddleware",
    # WhiteNoise, minus the staticfiles.json manifest.
    "digestsite.static_files.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Notes a logged-in reader's visit before the view runs ("new since last visit").
    "papers.middleware.ReaderVisitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A write that waited out the busy timeout answers 503, not 500.
    "papers.busy_database.BusyDatabaseMiddleware",
    # Last, as django-axes asks: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "digestsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "papers.context_processors.reader",
            ],
        },
    },
]

WSGI_APPLICATION = "digestsite.wsgi.application"


def database_from_environment() -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    try:
        database = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL: {error}"
        ) from error
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # Django's SQLite backend, whose write transactions try the lock every few
        # milliseconds while they wait for it (digestsite/sqlite_backend).
        database["ENGINE"] = "digestsite.sqlite_backend"
        # A web server has concurrent readers and writers: WAL lets them proceed side
        # by side, the timeout waits out a busy writer instead of failing, and
        # IMMEDIATE transactions take the write lock up front so two writers never
        # deadlock upgrading a read lock. A commit that leaves more than
        # wal_autocheckpoint pages in the log copies them back before it returns:
        # at SQLite's 1,000, each bookmark toggle during an import copied what the
        # import wrote since (70 ms median). At 384 MB, twice the import's own
        # 192 MB (papers.importer.pacing.CHECKPOINT_PAGES), the import does it: its
        # log reached 300 MB early in a million-paper import, while its estimate of
        # a write's pages lagged behind the growing indexes. A connection closing
        # last still empties the log.
        database["CONN_MAX_AGE"] = 0
        database["CONN_HEALTH_CHECKS"] = False
        # Tests run on an in-memory database, as on Django's own SQLite backend:
        # named so, since test runners (pytest-django's parallel workers) only
        # recognise that backend's engine name as one that needs no file.
        database["TEST"] = {"NAME": ":memory:"}
        database["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA wal_autocheckpoint=98304;"
            ),
        }
    if database["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: the planner's cost estimates for the site's subquery
        # filters (a paper page's related papers) are far above jit_above_cost, and
        # compiling took 426 of a 642 ms query at 100,000 papers: more than running
        # it. Options given in the URL (?options=...) come after, so they can turn
        # it back on.
        options = database.setdefault("OPTIONS", {})
        options["options"] = " ".join(
            filter(None, ["-c jit=off", options.get("options", "")])
        )
    return database


DATABASES = {"default": database_from_environment()}

# Background tasks (the admin's digest uploads) run on a thread of the web process:
# no broker and no worker process to start (papers/tasks_backend.py).
TASKS = {
    "default": {
        "BACKEND": "papers.tasks_backend.ThreadPoolBackend",
        "OPTIONS": {"MAX_WORKERS": 1},
    }
}


def beside_database(name: str) -> Path:
    """A file or folder beside the SQLite database, else in BASE_DIR."""
    database = DATABASES["default"]
    if database["ENGINE"] == "digestsite.sqlite_backend" and str(
        database["NAME"]
    ) not in ("", ":memory:"):
        return Path(database["NAME"]).parent / name
    return BASE_DIR / name


def secret_key_file() -> Path:
    """DJANGO_SECRET_KEY_FILE, else beside the SQLite database, else in BASE_DIR."""
    if configured := os.environ.get("DJANGO_SECRET_KEY_FILE"):
        return Path(configured)
    return beside_database("django_secret_key")


# Never a key from the repository: without DJANGO_SECRET_KEY, a random one made on
# first start and kept in a private file (digestsite/secret_key.py).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or load_or_create_secret_key(
    secret_key_file()
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Where the processes of this machine share the browse index they build, so that
# one of them builds it after an import or an edit, not every web worker
# (papers/browse/shared.py). Empty: each process builds its own.
BROWSE_INDEX_DIR = os.environ.get(
    "BROWSE_INDEX_DIR", str(beside_database("browse-index"))
)

AUTHENTICATION_BACKENDS = [
    # django-axes first: a locked-out account is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    # Django's common-password list, also with digits and symbols trimmed off the
    # ends, so "password123!" is as common as "password".
    {"NAME": "papers.password_validation.CommonPasswordVariantValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "papers:list"
LOGOUT_REDIRECT_URL = "papers:list"

# Failed log-ins lock the pair (username, address) after AXES_FAILURE_LIMIT, and the
# address for every account after the much higher LOGIN_ADDRESS_FAILURE_LIMIT, for
# 15 minutes: nobody can lock a reader out from elsewhere, nor one client everybody
# behind the same proxy (papers/lockout.py).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "50"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "papers.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address: the TCP peer, or, when the peer is one of our reverse
# proxies, what they wrote into TRUSTED_PROXY_HEADER; never a header a client sent.
AXES_CLIENT_IP_CALLABLE = "papers.lockout.client_ip"
TRUSTED_PROXIES = env_networks("DJANGO_TRUSTED_PROXIES")
TRUSTED_PROXY_HEADER = meta_key(
    os.environ.get("DJANGO_TRUSTED_PROXY_HEADER", "X-Forwarded-For")
)

# Password-reset mail: printed on the console unless an SMTP backend is configured.
EMAIL_BACKEND_PATH = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("DJANGO_EMAIL_PORT", "25")),
        "username": os.environ.get("DJANGO_EMAIL_HOST_USER", ""),
        "password": os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_flag("DJANGO_EMAIL_USE_TLS"),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "digests@localhost")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Our pages load nothing from elsewhere and run no inline script or style, so the
# Content-Security-Policy can be strict.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Not a Django setting: digestsite/security_headers.py sends it.
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
# A CSRF refusal under /api/ answers in the API's JSON error shape.
CSRF_FAILURE_VIEW = "papers.api_errors.csrf_failure"

# The production profile, one switch: the site is reached over HTTPS only.
SECURE = env_flag("DJANGO_SECURE")
SESSION_COOKIE_SECURE = SECURE or env_flag("DJANGO_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SECURE:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # "__Host-" cookies are refused by browsers unless Secure, for this host only
    # and for every path: a subdomain cannot plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
# Asking browsers to preload HSTS binds the whole domain to HTTPS for good, and takes
# effect only once the domain's owner submits it (hstspreload.org): their decision,
# so an opt-in, and check --deploy's reminder of it (W021) is silenced.
SECURE_HSTS_PRELOAD = SECURE and env_flag("DJANGO_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = ["security.W021"]


def header_and_value(text: str) -> tuple[str, str]:
    """ "X-Forwarded-Proto: https" as Django wants it: the META key and the value."""
    name, _, value = text.partition(":")
    return meta_key(name), value.strip() or "https"


# Behind a proxy that ends TLS, the header it sets on HTTPS requests, e.g.
# "X-Forwarded-Proto: https". Set it only if the proxy always sets or strips it.
if os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = header_and_value(
        os.environ["DJANGO_SECURE_PROXY_SSL_HEADER"]
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING"),
    },
}
