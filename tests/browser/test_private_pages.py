"""Nothing of a reader's pages stays in the browser: htmx keeps no page snapshots
in web storage, and log-out has the browser clear the site's storage."""

import re

from playwright.sync_api import expect

from papers.models import Paper
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def test_htmx_keeps_no_page_snapshots_in_web_storage(page, live_server):
    tagged = Paper.objects.tagged_any("Multimodal").count()
    page.goto("/")
    page.locator("#facet-tag").get_by_role(
        "checkbox", name=re.compile(r"^Multimodal\b")
    ).check()
    expect(page.locator("#result-count")).to_contain_text(f"{tagged} paper")
    expect(page).to_have_url(re.compile(r"tag=Multimodal"))

    # Back still restores the previous state, from the server.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"tag="))
    expect(page.locator("#result-count")).to_contain_text(
        f"{Paper.objects.count()} papers"
    )

    # The htmx vendored here keeps snapshots in sessionStorage, older ones in
    # localStorage.
    for storage in ("sessionStorage", "localStorage"):
        snapshots = page.evaluate(f"{storage}.getItem('htmx-history-cache')")
        assert snapshots in (None, "[]"), storage


def test_logging_out_clears_the_sites_storage(page, live_server):
    UserFactory(username="ada")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".account-nav")).to_contain_text("ada")
    page.evaluate("localStorage.setItem('left-behind', 'private')")
    page.evaluate("sessionStorage.setItem('left-behind', 'private')")

    page.locator(".account-nav").get_by_role("button", name="Log out").click()

    expect(page.locator(".account-nav")).to_contain_text("Log in")
    assert page.evaluate("localStorage.getItem('left-behind')") is None
    assert page.evaluate("sessionStorage.getItem('left-behind')") is None
