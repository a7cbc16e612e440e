"""Saved searches in a real browser: the save form follows htmx swaps of the list,
and the header's menu opens a search (a POST) on the state it saved."""

import re

from playwright.sync_api import expect

from papers.models import SavedSearch
from tests.browser.test_bookmarks_flow import log_in, make_reader


def test_saving_a_filtered_state_reached_by_htmx(browser, live_server, sample_corpus):
    make_reader("ada")
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/accounts/login/?next=/")
    log_in(page, "ada")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # A filter applied by htmx: the save form's state follows, out of band.
    page.locator("#facet-has_code").get_by_label("With code").check()
    expect(page).to_have_url(f"{live_server.url}/?has_code=1")
    expect(page.locator("#save-search input[name=query_string]")).to_have_value(
        "has_code=1"
    )
    page.locator("#save-search summary").click()
    page.get_by_label("Save this search as").fill("Code")
    page.get_by_role("button", name="Save search").click()
    expect(page.locator("#messages")).to_contain_text("Saved this search as “Code”.")
    expect(page).to_have_url(f"{live_server.url}/?has_code=1")
    saved = SavedSearch.objects.get(user__username="ada")
    assert saved.query_string == "has_code=1"

    # From another state, the header's menu opens the saved one.
    page.goto("/archive/")
    page.locator(".saved-menu > summary").click()
    page.get_by_role("button", name="Code").click()
    expect(page).to_have_url(f"{live_server.url}/?has_code=1")
    expect(page.locator("#result-count")).to_have_text(re.compile(r"\d+ papers"))
    context.close()
