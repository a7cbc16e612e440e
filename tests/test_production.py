"""DJANGO_SECURE=1, the production profile: HTTPS only, HSTS, __Host- cookies, and
`manage.py check --deploy` clean."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory

PROJECT = Path(__file__).resolve().parent.parent
SMTP = "django.core.mail.backends.smtp.EmailBackend"
YEAR = 365 * 24 * 60 * 60


def run(args: list[str], **environment) -> subprocess.CompletedProcess:
    """A fresh process with `environment`: settings are read at start-up."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL"))
    }
    env |= {"DJANGO_SETTINGS_MODULE": "digestsite.settings", **environment}
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT, env=env, capture_output=True, text=True
    )


def production(tmp_path, **extra) -> dict:
    return {
        "DJANGO_SECURE": "1",
        "DJANGO_ALLOWED_HOSTS": "digests.example.org",
        "DJANGO_EMAIL_BACKEND": SMTP,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        **extra,
    }


def test_check_deploy_passes_in_production_with_smtp(tmp_path):
    # With the generated key file, and with a key from the environment.
    for extra in ({}, {"DJANGO_SECRET_KEY": "Zq8#vL2@xR5!mN7$pT4%wY6^" * 3}):
        checked = run(
            ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            **production(tmp_path, **extra),
        )
        assert checked.returncode == 0, checked.stderr


def test_check_deploy_flags_a_site_without_the_switch(tmp_path):
    environment = production(tmp_path)
    del environment["DJANGO_SECURE"]
    checked = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **environment
    )
    assert checked.returncode != 0
    assert "security.W004" in checked.stderr  # no HSTS


SHOW_SETTINGS = """
import json
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in (
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SECURE_PROXY_SSL_HEADER")}))
"""


def shown_settings(tmp_path, **environment) -> dict:
    completed = run(["-c", SHOW_SETTINGS], **production(tmp_path, **environment))
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_switch_turns_on_https_hsts_and_host_cookies(tmp_path):
    assert shown_settings(tmp_path) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": YEAR,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_the_proxy_ssl_header_is_configured_from_the_environment(tmp_path):
    shown = shown_settings(
        tmp_path, DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https"
    )
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.fixture
def secure_site(settings):
    """The settings DJANGO_SECURE=1 gives, applied to this process."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = YEAR
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(secure_site):
    response = Client().get("/archive/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/archive/"


@pytest.mark.django_db
def test_https_pages_carry_the_security_headers(secure_site):
    response = Client().get("/archive/", secure=True)

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == (
        f"max-age={YEAR}; includeSubDomains"
    )
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.django_db
def test_cookies_are_host_only_and_secure(secure_site):
    client = Client()
    page = client.get("/accounts/login/", secure=True)
    csrf = page.cookies["__Host-csrftoken"]
    assert csrf["secure"] and csrf["path"] == "/" and not csrf["domain"]

    UserFactory(username="ada")
    logged_in = client.post(
        "/accounts/login/",
        {"username": "ada", "password": "correct horse battery staple"},
        secure=True,
    )
    session = logged_in.cookies["__Host-sessionid"]
    assert session["secure"] and session["httponly"] and session["path"] == "/"


@pytest.mark.django_db
def test_behind_a_proxy_the_forwarded_proto_marks_https(secure_site):
    response = Client().get("/archive/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200


def test_static_files_carry_the_resource_policy_too(settings):
    # WhiteNoise finding files per request, as in development (no collectstatic).
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/css/site.css")
    assert response.status_code == 200
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
