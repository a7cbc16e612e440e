"""Pages of fresh browser contexts on the live server, for fixtures and tests."""

from playwright.sync_api import Browser, Page


def new_page(
    browser: Browser, live_server, *, javascript: bool = True, **options
) -> Page:
    """A page of a new browser context on the live server; `options` go to
    `new_context` (viewport, locale, touch...)."""
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=javascript, **options
    )
    context.set_default_timeout(10_000)
    return context.new_page()
