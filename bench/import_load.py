"""Benchmark: browsing, searching and bookmarking while a large file imports.

    python bench/import_load.py                       # 24 users, 60 s, 100,000 rows
    python bench/import_load.py --users 8 --seconds 20 --papers 20000
    python bench/import_load.py --database-url postgres://postgres@127.0.0.1/load
    python bench/import_load.py --papers 500 --preload 100000   # no import to speak of

Prepares a database once (migrated, the sample digests imported, `--users` reader
accounts) and runs every measurement on a fresh copy of it: a copy of the SQLite
file, or on PostgreSQL a database created with the prepared one as its template
(`--database-url` names the copy; the prepared one is that name + "_base_USERS").
Starts the site under gunicorn on 127.0.0.1 with the settings the README recommends
(gunicorn.conf.py; the `bench` extra). Then `--users` threads, each a reader with its
own session, log in through the log-in form, then browse list states (filters,
sorts, pages), search, open papers and toggle bookmarks by POST with the CSRF token,
as fast as the server answers (or, with `--think S`, pausing between S/2 and 3S/2
seconds after each answer, as a person reading the page would), while `manage.py
import_digest` imports one file of `--papers` rows (the synthetic archive of
bench/import_bench.py, concatenated into one file of many days, cached under
bench/import_data/; one file per day with `--day-files`). With `--via-admin`, an
admin uploads that file on the admin's upload page instead, and the web worker that
takes the upload imports it on its background thread (papers.importer.jobs), among
the readers' requests; the upload page takes up to 5 MB (about 6,000 rows). The
readers go on for `--seconds` seconds or until the import has finished, whichever is
later (a large file is parsed before its one write transaction begins, so a fixed
window could end before the write), then `--after` seconds more, while the web
workers take up the browse index of the new data, and never longer than
`--max-seconds`.

Reports requests, failures (any status other than the expected one, or no answer in
30 s), how many failures the server logged as "database is locked", read and write
latency (median, p95, max), overall, while the import's longest write transaction
was open (placed from the import's own timings) and from the import's publication on
(requests still running then included; a thread watching the database sees the
import release its browse lease), the import's duration and longest write, and how
often the web workers built a browse index or loaded one another process had saved
(they log each at INFO).
Loopback only; bounded by `--max-seconds`.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import http.client
import http.cookiejar
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "import_data"
PYTHON = sys.executable
PASSWORD = "load-test-password-1234"
REQUEST_TIMEOUT = 30.0
# What a reader does, with weights: mostly reading, a fifth of requests write.
ACTIONS = {"browse": 45, "search": 20, "paper": 15, "toggle": 20}
SEARCH_WORDS = ["agents", "diffusion", "reasoning", "video", "benchmark", "robot"]
LIST_STATES = [
    "/",
    "/?page=2",
    "/?sort=title",
    "/?has_code=1",
    "/?tag=Multimodal",
    "/?tag=Multimodal&tag_mode=all&tag=Computer+Vision",
    "/?date_from=2024-09-01&date_to=2025-03-31",
    "/?has_hf=1&sort=oldest",
]


@dataclass
class Sample:
    kind: str  # "read" or "write"
    action: str  # one of ACTIONS
    started: float  # seconds since the run began
    seconds: float
    ok: bool


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample, error: str = "") -> None:
        with self.lock:
            self.samples.append(sample)
            if error:
                self.errors.append(error)


# Data and database --------------------------------------------------------------


def one_file(papers: int) -> Path:
    """bench/import_bench.py's archive of `papers` papers as one many-day file."""
    sys.path.insert(0, str(ROOT / "bench"))
    from import_bench import generate

    folder = DATA / str(papers)
    target = DATA / f"one_file_{papers}.md"
    if target.exists():
        return target
    generate(folder, papers)
    with target.open("w", encoding="utf-8") as out:
        for day in sorted(folder.rglob("*.md")):
            out.write(day.read_text(encoding="utf-8").rstrip("\n") + "\n\n")
    return target


# Where a --preload archive begins: papers numbered far past, and days before, any
# imported archive's (those begin with paper 0 on 2020-01-01), so the two share no
# paper and no day.
PRELOAD_FIRST = 5_000_000
PRELOAD_START = datetime.date(1995, 1, 1)


def base_database(users: int, url: str | None, preload: int = 0) -> str:
    """Migrated, the sample digests and `preload` synthetic papers imported, `users`
    readers; made once. Its URL."""
    suffix = f"_{users}" + (f"_{preload}" if preload else "")
    if url is None:
        path = DATA / f"import_load_base{suffix}.sqlite3"
        base = f"sqlite:///{path}"
        if path.exists():
            return base
        DATA.mkdir(parents=True, exist_ok=True)
    else:
        base = f"{url}_base{suffix}"
        if _postgres_exists(base):
            return base
        _postgres_admin(base, 'CREATE DATABASE "{name}"')
    env = environment(base)
    manage("migrate", "-v0", env=env)
    manage("import_digest", str(ROOT / "sample_digests"), "-v0", env=env)
    if preload:
        sys.path.insert(0, str(ROOT / "bench"))
        from import_bench import generate

        folder = DATA / f"preload_{preload}"
        generate(folder, preload, seed=11, first=PRELOAD_FIRST, start=PRELOAD_START)
        manage("import_digest", str(folder), "-v0", env=env)
    script = (
        "from django.contrib.auth import get_user_model\n"
        "User = get_user_model()\n"
        f"for n in range({users}):\n"
        f"    User.objects.create_user(f'load{{n}}', password={PASSWORD!r})\n"
    )
    manage("shell", "-c", script, env=env)
    return base


def fresh_copy(base: str, url: str | None, run_dir: Path) -> str:
    """A copy of the prepared database for one run; its URL."""
    if url is None:
        database = run_dir / "db.sqlite3"
        shutil.copy(base.removeprefix("sqlite:///"), database)
        return f"sqlite:///{database}"
    _postgres_admin(url, 'DROP DATABASE IF EXISTS "{name}"')
    template = base.rsplit("/", 1)[1]
    _postgres_admin(url, f'CREATE DATABASE "{{name}}" TEMPLATE "{template}"')
    return url


def _postgres_admin(url: str, statement: str) -> None:
    """Run `statement` ("{name}": the database `url` names) on the server."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(statement.format(name=name))


def _postgres_exists(url: str) -> bool:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    return found is not None


@contextlib.contextmanager
def reading(url: str) -> Iterator[Callable[[str, tuple], tuple | None]]:
    """A function running one query on the database, read-only, and returning its
    first row: the run watches the import through it."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        placeholder = "?"
    else:
        import psycopg

        connection = psycopg.connect(url, autocommit=True)
        placeholder = "%s"

    def first_row(query: str, params: tuple = ()) -> tuple | None:
        return connection.execute(query.replace("?", placeholder), params).fetchone()

    with contextlib.closing(connection):
        yield first_row


@contextlib.contextmanager
def lease_held_reader(url: str) -> Iterator[Callable[[], bool]]:
    """A function telling whether an import holds the browse lease
    (papers.browse.lease): while it does, web workers keep their browse index, and
    they rebuild it once it is released, when the import's papers are published."""
    query = "SELECT importing_until IS NOT NULL FROM papers_dataversion WHERE id = 1"
    with reading(url) as first_row:

        def held() -> bool:
            row = first_row(query)
            return bool(row and row[0])

        yield held


def environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "digestsite.settings",
        "DJANGO_DEBUG": "",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
    }


def manage(*args: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs
    )


# The server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The web workers log each browse index they build or load (papers.browse.index).
BUILT = r"Built the browse index of \d+ papers in ([\d.]+) s"
LOADED = r"Loaded the browse index of \d+ papers in ([\d.]+) ms"


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "digestsite.wsgi",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_LOG_LEVEL": "INFO"},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited ({server.returncode}); see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
            return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not answer in time")


# A reader -----------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 302 is an answer, not a hop
        return None


class Reader:
    """One user's browser: its own cookies (session, CSRF token)."""

    def __init__(
        self, base: str, username: str, papers: list[tuple[int, str]], seed: int
    ) -> None:
        self.base = base
        self.username = username
        self.papers = papers  # (pk, key)
        self.rng = random.Random(seed)
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if data is not None:
            request.add_header("X-CSRFToken", self.csrf_token())
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:  # 3xx/4xx/5xx with a body
            return error.code, error.read().decode(errors="replace")

    def csrf_token(self) -> str:
        for cookie in self.cookies:
            if cookie.name.endswith("csrftoken"):
                return cookie.value
        return ""

    def log_in(self) -> None:
        status, page = self.request("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        status, _ = self.request(
            "/accounts/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
        )
        if status != 302:
            raise SystemExit(f"{self.username} could not log in ({status})")

    def act(self, results: Results, began: float) -> None:
        action = self.rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
        if action == "browse":
            kind, path, data, expected = "read", self.rng.choice(LIST_STATES), None, 200
        elif action == "search":
            word = self.rng.choice(SEARCH_WORDS)
            kind, path, data, expected = "read", f"/?q={word}", None, 200
        elif action == "paper":
            _, key = self.rng.choice(self.papers)
            kind, path, data, expected = "read", f"/papers/{key}/", None, 200
        else:
            pk, _ = self.rng.choice(self.papers)
            kind, path, data, expected = (
                "write",
                f"/bookmarks/paper/{pk}/toggle/",
                {"next": "/bookmarks/"},
                302,
            )
        started = time.perf_counter()
        try:
            status, _ = self.request(path, data)
            error = "" if status == expected else f"{status} {path}"
        except (OSError, http.client.HTTPException) as failure:
            error = f"{type(failure).__name__} {path}: {failure}"
        seconds = time.perf_counter() - started
        results.add(Sample(kind, action, started - began, seconds, not error), error)


# An admin's upload --------------------------------------------------------------

ADMIN = "loadadmin"
UPLOAD_PATH = "/admin/papers/digest/upload/"


class Admin(Reader):
    """An admin's browser, for `--via-admin`: logs in to the admin, uploads the file
    on its upload page, and follows the job it makes until it ends."""

    def __init__(self, base: str, env: dict[str, str]) -> None:
        script = (
            "from django.contrib.auth import get_user_model\n"
            f"get_user_model().objects.create_superuser({ADMIN!r}, "
            f"password={PASSWORD!r})\n"
        )
        manage("shell", "-c", script, env=env)
        super().__init__(base, ADMIN, [], seed=0)
        self.log_in()  # the site's session is the admin's too
        self.request(UPLOAD_PATH)  # the form sets the CSRF cookie

    def upload(self, source: Path, database_url: str) -> UploadedImport:
        """Upload `source`; the import job it started, followed on a thread."""
        boundary = f"----bench{random.getrandbits(64):x}"
        token = self.csrf_token()
        head = f"--{boundary}\r\nContent-Disposition: form-data; name="
        body = (
            (
                f'{head}"csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
                f'{head}"files"; filename="{source.name}"\r\n'
                "Content-Type: text/markdown\r\n\r\n"
            ).encode()
            + source.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(self.base + UPLOAD_PATH, data=body)
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        request.add_header("X-CSRFToken", token)
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                status, location = response.status, response.headers["Location"]
        except urllib.error.HTTPError as error:
            status, location = error.code, error.headers["Location"]
        job = re.search(r"/importjob/(\d+)/", location or "")
        if status != 303 or job is None:
            raise SystemExit(f"the upload was refused ({status})")
        return UploadedImport(int(job.group(1)), database_url)


class UploadedImport:
    """An import job followed until it ends, with the little of `subprocess.Popen`
    the run uses of the command's process: `wait`, `poll`, `returncode`."""

    def __init__(self, job: int, database_url: str) -> None:
        self.job = job
        self.returncode: int | None = None
        self.outcome = ""  # the job's summary and rate once it ended
        self.ended = threading.Event()
        self.thread = threading.Thread(target=self._follow, args=(database_url,))
        self.thread.start()

    def _follow(self, database_url: str) -> None:
        query = (
            "SELECT status, summary, papers_per_second FROM papers_importjob "
            "WHERE id = ?"
        )
        with reading(database_url) as first_row:
            while True:
                status, summary, rate = first_row(query, (self.job,))
                if status in ("done", "failed"):
                    break
                time.sleep(0.1)
        self.outcome = f"{summary} papers_per_second={rate:,.0f}"
        self.returncode = 0 if status == "done" else 1
        self.ended.set()

    def wait(self) -> int:
        self.ended.wait()
        return self.returncode

    def poll(self) -> int | None:
        return self.returncode


# The run ------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)] if ordered else 0.0


def describe(label: str, samples: list[Sample]) -> str:
    times = [sample.seconds * 1000 for sample in samples if sample.ok]
    if not times:
        return f"{label}: none"
    return (
        f"{label}: {len(times)} ok, median {statistics.median(times):.0f} ms, "
        f"p95 {percentile(times, 0.95):.0f} ms, max {max(times):.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument(
        "--after",
        type=float,
        default=20.0,
        help="seconds the readers go on once the import has ended, while every "
        "web worker rebuilds its browse index (reported on their own)",
    )
    parser.add_argument(
        "--day-files",
        action="store_true",
        help="Import the same archive as one file per day instead of one file, "
        "for comparison: small files are written in batches of about 500 papers.",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="Seconds a user pauses after each answer, on average (0: none, every "
        "user asks again at once and the server is saturated).",
    )
    parser.add_argument(
        "--via-admin",
        action="store_true",
        help="Upload the file on the admin's upload page instead of running the "
        "command: a web worker imports it among the readers' requests.",
    )
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument(
        "--preload",
        type=int,
        default=0,
        help="Synthetic papers (other than the imported ones) already in the "
        "database before the readers start, e.g. to measure them on a large "
        "archive with --papers 500 as good as no import.",
    )
    parser.add_argument(
        "--database-url",
        help="A PostgreSQL database to run on (created afresh for each run) "
        "instead of a SQLite file.",
    )
    args = parser.parse_args()

    big_file = one_file(args.papers)
    source = DATA / str(args.papers) if args.day_files else big_file
    base = base_database(args.users, args.database_url, args.preload)
    # Pages name their hashed static files (as `make run` prepares them).
    manage("collectstatic", "--noinput", "-v0", env=environment(base))
    run_dir = DATA / "import_load_run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    database_url = fresh_copy(base, args.database_url, run_dir)
    env = environment(database_url)
    listed = subprocess.run(
        [
            PYTHON,
            "-c",
            "import django; django.setup(); from papers.models import Paper\n"
            "for pk, key in Paper.objects.values_list('pk', 'key')[:200]: "
            "print(pk, key)",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    papers = [(int(line.split()[0]), line.split()[1]) for line in listed if line]
    port = free_port()
    server_log = run_dir / "gunicorn.log"
    server = start_server(env, port, server_log)
    base_url = f"http://127.0.0.1:{port}"
    results = Results()
    try:
        readers = [
            Reader(base_url, f"load{n}", papers, seed=n) for n in range(args.users)
        ]
        for reader in readers:
            reader.log_in()
        import_log = run_dir / "import.log"
        if args.via_admin:
            admin = Admin(base_url, env)
        began = time.perf_counter()
        if args.via_admin:
            importing = admin.upload(source, database_url)
        else:
            importing = subprocess.Popen(
                [
                    PYTHON,
                    "manage.py",
                    "import_digest",
                    str(source),
                    "-v2",
                    # The one file is larger than the command's default limit.
                    "--max-size",
                    str(big_file.stat().st_size // 2**20 + 1),
                ],
                cwd=ROOT,
                env=env,
                stdout=import_log.open("w"),
                stderr=subprocess.STDOUT,
            )
        import_seconds: list[float] = []

        def watch_import() -> None:
            importing.wait()
            import_seconds.append(time.perf_counter() - began)

        watcher = threading.Thread(target=watch_import)
        watcher.start()
        lease_ended: list[float] = []

        def watch_lease() -> None:
            with lease_held_reader(database_url) as held:
                seen = False
                while time.perf_counter() - began < args.max_seconds:
                    if held():
                        seen = True
                    elif seen or importing.poll() is not None:
                        lease_ended.append(time.perf_counter() - began)
                        return
                    time.sleep(0.1)

        lease_watcher = threading.Thread(target=watch_lease)
        lease_watcher.start()

        def user(reader: Reader) -> None:
            while True:
                elapsed = time.perf_counter() - began
                if elapsed > args.max_seconds:
                    break
                if (
                    elapsed > args.seconds
                    and import_seconds
                    and elapsed > import_seconds[0] + args.after
                ):
                    break
                reader.act(results, began)
                if args.think:
                    time.sleep(args.think * reader.rng.uniform(0.5, 1.5))

        threads = [threading.Thread(target=user, args=(r,)) for r in readers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        load = os.getloadavg()
        watcher.join()
        lease_watcher.join()
    finally:
        server.terminate()
        server.wait(timeout=30)

    server_output = server_log.read_text()
    import_output = server_output if args.via_admin else import_log.read_text()
    if importing.returncode:
        print(import_output[-2000:])
    longest = re.search(r"longest write transaction took ([\d,]+) ms", import_output)
    rate = re.search(r"\(([\d,]+) papers/s\)", import_output)
    if args.via_admin:
        rate = re.search(r"papers_per_second=([\d,]+)", importing.outcome)
    # One line per failed request (the traceback names the error twice).
    locked = server_output.count("django.db.utils.OperationalError: database is locked")
    # The last line of each traceback the server logged: what the 500s were.
    raised = re.findall(
        r"^(\w+(?:\.\w+)*(?:Error|Exception)\b.*)$", server_output, re.M
    )
    ended = import_seconds[0] if import_seconds else args.max_seconds
    # The longest write ends at the latest with the import: the window is an
    # estimate (the browse index is built and the search index merged after the
    # last batch).
    write_ends = ended
    write_starts = write_ends - (
        float(longest.group(1).replace(",", "")) / 1000 if longest else 0.0
    )
    samples = results.samples
    reads = [s for s in samples if s.kind == "read"]
    writes = [s for s in samples if s.kind == "write"]
    users_seconds = max(sample.started + sample.seconds for sample in samples)
    what = (
        f"{args.papers:,} rows as one file per day"
        if args.day_files
        else f"one file of {args.papers:,} rows"
    )
    if args.via_admin:
        what += ", uploaded in the admin"
    pace = f", pausing {args.think:g} s on average" if args.think else ""
    print(f"{args.users} users{pace} for {users_seconds:.0f} s while importing {what}")
    print(
        f"import: {'ok' if importing.returncode == 0 else 'FAILED'} in {ended:.1f} s"
        f" ({rate.group(1) if rate else '?'} papers/s), longest write transaction "
        f"{longest.group(1) if longest else '?'} ms"
    )
    print(
        f"requests: {len(samples)}, failed: {len(results.errors)}, "
        f"'database is locked' in the server log: {locked}"
    )
    print(describe("reads", reads))
    print(describe("writes", writes))
    for action in ACTIONS:
        print("  " + describe(action, [s for s in samples if s.action == action]))

    def in_write(sample: Sample) -> bool:
        return sample.started < write_ends and sample.started + sample.seconds > (
            write_starts
        )

    print(
        f"while the longest write was open ({write_starts:.0f} s to {write_ends:.0f} s"
        " after the start):"
    )
    print("  " + describe("reads", [s for s in reads if in_write(s)]))
    print("  " + describe("writes", [s for s in writes if in_write(s)]))
    failed_then = [s for s in samples if in_write(s) and not s.ok]
    print(f"  failed: {len(failed_then)}")
    # Once the lease is released, each web worker rebuilds its browse index on its
    # next request.
    published = lease_ended[0] if lease_ended else write_ends
    after = [s for s in samples if s.started + s.seconds >= published]
    print(f"from the import's publication on ({published:.1f} s after the start):")
    print("  " + describe("reads", [s for s in after if s.kind == "read"]))
    print("  " + describe("writes", [s for s in after if s.kind == "write"]))
    built = [float(s) for s in re.findall(BUILT, server_output)]
    loaded = [float(ms) for ms in re.findall(LOADED, server_output)]
    warm_up = re.search(r"Built the browse index in ([\d.]+) s", import_output)
    print(
        f"browse index: the import built it in {warm_up.group(1) if warm_up else '-'}"
        f" s; the web workers built it {len(built)} times"
        + (f" (longest {max(built):.1f} s)" if built else "")
        + f" and loaded it {len(loaded)} times"
        + (f" (longest {max(loaded):.0f} ms)" if loaded else "")
    )
    for error in sorted(set(results.errors))[:10]:
        print(f"  failure: {error}")
    for line, count in collections.Counter(raised).most_common(5):
        print(f"  server logged {count} x {line[:200]}")
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
