"""Keyboard triage on the list page (static/js/keyboard.js), pressed at human pace."""

import re

from playwright.sync_api import Page, expect

from papers.models import Bookmark, Dismissal
from tests.browser.test_bookmarks_flow import log_in, make_reader

# A person presses a key every 100-300 ms.
PAUSE = 150
CURRENT = re.compile(r"\bis-keyboard-current\b")


def press(page: Page, *keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)
        page.wait_for_timeout(PAUSE)


def cards(page: Page):
    return page.locator("#browse .paper-card")


def current(page: Page):
    return page.locator("#browse .paper-card.is-keyboard-current")


def start(page: Page, url: str = "/") -> None:
    page.goto(url)
    # Keys go to the page, not to a field: as after clicking the page's background.
    page.locator("h1").click()


def test_j_and_k_move_between_results_with_a_visible_focus(page):
    start(page)
    press(page, "j")
    expect(cards(page).nth(0)).to_have_class(CURRENT)
    expect(cards(page).nth(0)).to_be_focused()
    press(page, "j", "j")
    expect(cards(page).nth(2)).to_have_class(CURRENT)
    expect(current(page)).to_have_count(1)
    press(page, "k")
    expect(cards(page).nth(1)).to_have_class(CURRENT)
    expect(cards(page).nth(1)).to_be_focused()
    outline = current(page).evaluate("card => getComputedStyle(card).outlineStyle")
    assert outline == "solid"


def test_moving_far_down_scrolls_the_paper_into_view(page):
    page.set_viewport_size({"width": 1000, "height": 600})
    start(page)
    count = cards(page).count()
    assert count >= 8
    press(page, *["j"] * 8)
    expect(cards(page).nth(7)).to_have_class(CURRENT)
    expect(cards(page).nth(7)).to_be_in_viewport()


def test_o_opens_the_current_paper(page):
    start(page)
    press(page, "j", "j")
    href = cards(page).nth(1).locator(".paper-title a").get_attribute("href")
    press(page, "o")
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))


def test_b_bookmarks_and_x_dismisses_the_current_paper(page, live_server):
    make_reader()
    page.goto("/accounts/login/?next=/")
    log_in(page, "reader")
    expect(page.locator("#browse")).to_be_visible()
    page.locator("h1").click()
    press(page, "j", "j")
    paper_pk = int(current(page).get_attribute("id").removeprefix("paper-"))
    press(page, "b")
    expect(page.locator(f"#bookmark-{paper_pk}")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert Bookmark.objects.filter(user__username="reader", paper=paper_pk).exists()
    press(page, "x")
    expect(page.locator(f"#dismiss-{paper_pk}")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert Dismissal.objects.filter(user__username="reader", paper=paper_pk).exists()
    # Pressed again, b takes the bookmark back: a toggle, like the button.
    press(page, "b")
    expect(page.locator(f"#bookmark-{paper_pk}")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert not Bookmark.objects.filter(user__username="reader").exists()


def test_logged_out_b_leads_to_log_in(page):
    start(page)
    press(page, "j", "b")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_keys_typed_in_the_search_box_stay_text(page):
    start(page)
    press(page, "/")
    search = page.locator("#id_q")
    expect(search).to_be_focused()
    page.keyboard.type("job", delay=PAUSE)
    expect(search).to_have_value("job")
    expect(current(page)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]q=job"))


def test_keys_with_a_modifier_do_nothing(page):
    start(page)
    press(page, "Alt+j", "Control+k")
    expect(current(page)).to_have_count(0)


def test_question_mark_lists_the_keys_and_escape_closes_it(page):
    start(page)
    press(page, "?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Next paper")
    # While the list is open, keys do not act on the page behind it.
    press(page, "j")
    expect(current(page)).to_have_count(0)
    press(page, "Escape")
    expect(dialog).to_be_hidden()
    press(page, "?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_keys_keep_working_after_the_results_are_swapped(page):
    start(page)
    page.get_by_label("Search titles, summaries, authors and arXiv ids").fill(
        "learning"
    )
    expect(page).to_have_url(re.compile(r"[?&]q=learning"))
    page.locator("h1").click()
    press(page, "j", "j")
    expect(cards(page).nth(1)).to_have_class(CURRENT)
    press(page, "o")
    expect(page).to_have_url(re.compile(r"/papers/"))
