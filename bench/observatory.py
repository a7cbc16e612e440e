"""Score the production profile with the MDN HTTP Observatory, on this machine.

    sudo .venv/bin/python bench/observatory.py     # ports 80 and 443 need root

What it does, all on loopback:
1. installs the `@mdn/mdn-http-observatory` npm package into bench/.observatory/
   (outside git) unless it is there;
2. makes a self-signed certificate for "localhost" in a temporary folder;
3. prepares a throw-away SQLite site there (migrate, collectstatic, the sample
   digests) and starts it twice under gunicorn with DJANGO_SECURE=1: over TLS on
   127.0.0.1:443 and plain on 127.0.0.1:80 (which must redirect to HTTPS), the
   ports the Observatory scans;
4. runs the Observatory's scanner against "localhost", trusting that certificate
   (NODE_EXTRA_CA_CERTS), and prints the grade, the score and each test's result;
   the whole report goes to bench/results/observatory.json.

The servers are stopped and the temporary folder removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OBSERVATORY_DIR = ROOT / "bench" / ".observatory"
OBSERVATORY_PACKAGE = "@mdn/mdn-http-observatory@1.4.8"
RESULTS = ROOT / "bench" / "results" / "observatory.json"
PYTHON = sys.executable
HOST = "localhost"
SERVER_START_TIMEOUT = 60  # seconds
SCAN_TIMEOUT = 180  # seconds


def package_dir() -> Path:
    return OBSERVATORY_DIR / "node_modules" / "@mdn" / "mdn-http-observatory"


def install_observatory() -> Path:
    """The scanner's package folder, installed with npm on first use.

    Its install scripts download Mozilla's CA bundle and Chromium's HSTS preload
    list from outside the npm registry, so they are skipped: the certificate is
    our own (passed in NODE_EXTRA_CA_CERTS), and "localhost" is in no preload list,
    so an empty list gives the same result.
    """
    package = package_dir()
    if not (package / "src" / "scan.js").exists():
        OBSERVATORY_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(OBSERVATORY_DIR),
                OBSERVATORY_PACKAGE,
            ],
            check=True,
        )
    preload_list = package / "conf" / "hsts-preload.json"
    if not preload_list.exists():
        preload_list.write_text("{}\n")
    return package


def make_certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "localhost.pem", folder / "localhost-key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def site_environment(folder: Path, *, secure: bool = True) -> dict[str, str]:
    """The production profile (or, for comparison, the site without its switch)
    on a throw-away database."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "digestsite.settings",
        "DJANGO_SECURE": "1",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}",
        "DJANGO_SECRET_KEY_FILE": str(folder / "django_secret_key"),
        "DJANGO_CACHE_DIR": str(folder / "cache"),
    }
    if not secure:
        del environment["DJANGO_SECURE"]
    return environment


def prepare_site(environment: dict[str, str]) -> None:
    manage = [PYTHON, str(ROOT / "manage.py")]
    commands = [
        ["migrate", "--noinput", "--verbosity", "0"],
        ["collectstatic", "--noinput", "--verbosity", "0"],
        ["import_digest", "--verbosity", "0", str(ROOT / "sample_digests")],
    ]
    if "DJANGO_SECURE" in environment:
        commands.insert(0, ["check", "--deploy", "--fail-level", "WARNING"])
    for command in commands:
        subprocess.run([*manage, *command], cwd=ROOT, env=environment, check=True)


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn on port {port} exited ({process.returncode})")
        if not port_is_free(port):
            return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not listen on port {port} in time")


@contextlib.contextmanager
def servers(
    environment: dict[str, str], certificate: Path, key: Path
) -> Iterator[None]:
    gunicorn = [PYTHON, "-m", "gunicorn", "--workers", "2", "--log-level", "warning"]
    commands = {
        443: [
            *gunicorn,
            "--bind",
            "127.0.0.1:443",
            "--certfile",
            str(certificate),
            "--keyfile",
            str(key),
            "digestsite.wsgi",
        ],
        80: [*gunicorn, "--bind", "127.0.0.1:80", "digestsite.wsgi"],
    }
    for port in commands:
        if not port_is_free(port):
            raise SystemExit(f"Port {port} is in use: stop what listens there first.")
    processes = []
    try:
        for port, command in commands.items():
            process = subprocess.Popen(command, cwd=ROOT, env=environment)
            processes.append(process)
            wait_for_port(port, process)
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def scan(package: Path, certificate: Path) -> dict:
    environment = {**os.environ, "NODE_EXTRA_CA_CERTS": str(certificate)}
    completed = subprocess.run(
        ["node", str(package / "src" / "scan.js"), HOST],
        cwd=package,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SCAN_TIMEOUT,
    )
    try:
        report = json.loads(completed.stdout)
    except ValueError:
        raise SystemExit(
            f"The scanner answered no report:\n{completed.stdout}\n{completed.stderr}"
        ) from None
    if "error" in report:
        raise SystemExit(f"The scan failed: {report['error']}")
    return report


def summary(report: dict) -> str:
    result = report["scan"]
    lines = [
        f"MDN HTTP Observatory: {result['grade']} ({result['score']}/100), "
        f"{result['testsPassed']} of {result['testsQuantity']} tests passed",
    ]
    for name, test in sorted(report["tests"].items()):
        mark = "pass" if test["pass"] else "FAIL"
        lines.append(
            f"  {mark}  {name:32} {test['scoreModifier']:+3d}  {test['result']}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary site folder (printed) for inspection",
    )
    parser.add_argument(
        "--without-switch",
        action="store_true",
        help="score the site without DJANGO_SECURE=1, for comparison",
    )
    options = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("Ports 80 and 443 need root: run it with sudo.")
    package = install_observatory()
    folder = Path(tempfile.mkdtemp(prefix="digestsite-observatory-"))
    try:
        certificate, key = make_certificate(folder)
        environment = site_environment(folder, secure=not options.without_switch)
        prepare_site(environment)
        with servers(environment, certificate, key):
            report = scan(package, certificate)
    finally:
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"Site folder kept: {folder}")
    results = RESULTS
    if options.without_switch:
        results = results.with_name("observatory-without-switch.json")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(report, indent=2) + "\n")
    print(summary(report))
    print(f"Full report: {results.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
