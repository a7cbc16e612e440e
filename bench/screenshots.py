"""Screenshots of the list page for the README: one in cards, one in the compact list.

    .venv/bin/python bench/screenshots.py              # docs/screenshots/*.png
    .venv/bin/python bench/screenshots.py --out /tmp/shots --theme dark

Builds a throwaway SQLite database from sample_digests/, serves it with Django's
development server on a free local port, and photographs "/" at 1366x900 in headless
Chromium (Debian's `chromium`, as the browser tests use) with the layout cookie set.
Each PNG is reduced to a 256-colour palette (Pillow, the `bench` extra), which keeps
text sharp and the files small. Nothing is fetched from the network.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
VIEWPORT = {"width": 1366, "height": 900}
LAYOUTS = ("cards", "compact")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def wait_until_serving(url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("The development server stopped before serving.")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"Nothing answered at {url} within {timeout:.0f} s.")


def small_png(png: bytes) -> bytes:
    """The screenshot in a 256-colour palette: a third of the size, same text."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    palette = image.quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def photograph(base_url: str, out_dir: Path, *, theme: str) -> list[Path]:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian's chromium is not installed: run `make browser`.")
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS
        )
        for layout in LAYOUTS:
            context = browser.new_context(
                base_url=base_url, viewport=VIEWPORT, color_scheme=theme
            )
            context.add_cookies(
                [{"name": "list_mode", "value": layout, "url": base_url}]
            )
            page = context.new_page()
            page.goto("/", wait_until="load")
            suffix = "" if theme == "light" else f"-{theme}"
            path = out_dir / f"list-{layout}{suffix}.png"
            path.write_bytes(small_png(page.screenshot()))
            written.append(path)
            context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--theme", choices=["light", "dark"], default="light")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="digest-shots-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "DJANGO_CACHE_DIR": f"{tmp}/cache",
            # The development server serves the static files only in debug mode.
            "DJANGO_DEBUG": "1",
        }
        manage("migrate", "--noinput", env=env)
        manage("import_digest", "sample_digests", env=env)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"]
            + ["--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_serving(base_url + "/", server)
            for path in photograph(base_url, args.out, theme=args.theme):
                size = path.stat().st_size / 1024
                print(
                    f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
                    f": {size:.0f} KiB"
                )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
