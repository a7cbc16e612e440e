"""Headless Chromium (Debian's package) driven by Playwright against live_server."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from papers.importer.loader import load_digest
from papers.importer.parser import parse_digests
from tests.browser.pages import new_page

# Playwright's sync API runs an event loop in this thread; Django would otherwise
# refuse the ORM calls our fixtures make next to it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SAMPLE = Path(__file__).resolve().parents[2] / "sample_digests"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Browser:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: run `make browser`.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def sample_corpus(transactional_db) -> None:
    """The shipped sample digests, imported the way an admin would."""
    for path in sorted(SAMPLE.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        for record in parse_digests(text, source=str(path)):
            load_digest(record)


@pytest.fixture
def page(browser, live_server, sample_corpus) -> Page:
    page = new_page(browser, live_server)
    yield page
    page.context.close()


@pytest.fixture
def page_without_javascript(browser, live_server, sample_corpus) -> Page:
    page = new_page(browser, live_server, javascript=False)
    yield page
    page.context.close()
