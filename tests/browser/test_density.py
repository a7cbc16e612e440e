"""How much of the result list a reader sees without scrolling, in cards and in the
compact list, on a laptop (1366x900) and a phone (390x844); and that the layout they
pick is remembered, with JavaScript on and off, per browser and per account.

Counts come from the titles' bounding boxes in a real Chromium, so they measure what
is on screen, fonts and wrapping included.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from papers.models import ReaderProfile

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct horse battery staple"
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": [
            "wcag2a",
            "wcag2aa",
            "wcag21a",
            "wcag21aa",
            "wcag22aa",
            "best-practice",
            "experimental",
        ],
    }
}

# Titles (fully) inside the viewport, and the first one's box.
TITLES_IN_VIEW = """() => {
  const inView = (box) => box.top >= 0 && box.left >= 0 &&
    box.bottom <= window.innerHeight && box.right <= window.innerWidth;
  return [...document.querySelectorAll("#browse .paper-title")]
    .filter((title) => inView(title.getBoundingClientRect())).length;
}"""


@pytest.fixture
def open_page(browser: Browser, live_server, sample_corpus):
    """open_page(viewport, javascript=True, context=None) -> a page at that size; a
    given context (another tab of the same browser) is reused."""
    contexts = []

    def open_page(viewport: dict, *, javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def titles_in_view(page: Page) -> int:
    return page.evaluate(TITLES_IN_VIEW)


def layout(page: Page) -> str:
    if page.locator("#browse .paper-row").count():
        return "compact"
    assert page.locator("#browse .paper-card").count()
    return "cards"


def switch_to(page: Page, label: str) -> None:
    button = page.locator(".list-mode-switch").get_by_role("button", name=label)
    button.click()
    expect(
        page.locator(".list-mode-switch").get_by_role("button", name=label)
    ).to_have_attribute("aria-pressed", "true")
    # Measure the settled page: styles loaded (without JavaScript the switch loads a
    # new page), no htmx request or swap in flight.
    page.wait_for_load_state("load")
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(
        0
    )


def mark_document(page: Page) -> None:
    page.evaluate("document.documentElement.dataset.loadedOnce = 'yes'")


def still_same_document(page: Page) -> bool:
    return page.evaluate("document.documentElement.dataset.loadedOnce") == "yes"


def make_reader(username: str = "reader"):
    return get_user_model().objects.create_user(
        username, f"{username}@example.com", PASSWORD
    )


def log_in(page: Page, username: str, next_url: str = "/") -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".account-nav")).to_contain_text(username)
    # Measured once the page's stylesheets are in: under load the account menu can
    # show before browse.css applies, and cards then stand taller.
    page.wait_for_load_state("load")


# --- How much shows above the fold ---


@pytest.mark.parametrize("url", ["/", "/?tag=Multimodal"])
def test_the_compact_list_shows_at_least_eight_papers_on_a_laptop(open_page, url):
    page = open_page(LAPTOP)
    page.goto(url)
    switch_to(page, "Compact")

    assert layout(page) == "compact"
    assert titles_in_view(page) >= 8


@pytest.mark.parametrize("url", ["/", "/?tag=Multimodal"])
def test_cards_show_at_least_three_titles_on_a_laptop(open_page, url):
    page = open_page(LAPTOP)
    page.goto(url)

    assert layout(page) == "cards"
    assert titles_in_view(page) >= 3


def test_a_logged_in_reader_sees_as_much(open_page):
    make_reader()
    page = open_page(LAPTOP)
    log_in(page, "reader")
    assert titles_in_view(page) >= 3
    switch_to(page, "Compact")
    assert titles_in_view(page) >= 8


@pytest.mark.parametrize("logged_in", [False, True])
def test_the_first_cards_title_shows_without_scrolling_on_a_phone(open_page, logged_in):
    page = open_page(PHONE)
    if logged_in:
        make_reader()
        log_in(page, "reader")
    else:
        page.goto("/")

    assert layout(page) == "cards"
    first_title = page.locator("#browse .paper-title").first
    box = first_title.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert titles_in_view(page) >= 1


def test_the_compact_list_shows_more_on_a_phone_too(open_page):
    page = open_page(PHONE)
    page.goto("/")
    cards = titles_in_view(page)
    switch_to(page, "Compact")

    assert titles_in_view(page) >= max(3, cards + 1)


# --- The facets below a long tag list ---


def test_dates_code_and_hf_show_without_scrolling_on_a_laptop(open_page):
    page = open_page(LAPTOP)
    page.goto("/")

    for facet in ("#facet-date", "#facet-has_code", "#facet-has_hf"):
        box = page.locator(facet).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= LAPTOP["height"], facet


def test_the_tag_and_author_lists_are_collapsed_behind_more(open_page):
    page = open_page(LAPTOP)
    page.goto("/")
    tags = page.locator("#facet-tag")
    more_tags = tags.locator("details.facet-more > summary")

    expect(more_tags).to_contain_text("more tags")
    shown = tags.get_by_role("checkbox").filter(visible=True).count()
    assert 0 < shown <= 8
    more_tags.click()
    assert tags.get_by_role("checkbox").filter(visible=True).count() > shown

    authors = page.locator("#facet-author")
    expect(authors.locator("details.facet-more > summary")).to_contain_text(
        "more authors"
    )
    assert authors.get_by_role("checkbox").filter(visible=True).count() <= 8


def test_on_a_phone_the_filters_start_with_dates_code_and_hf(open_page):
    page = open_page(PHONE)
    page.goto("/")
    page.get_by_role("link", name="Filters").click()

    heading = page.locator(".filters-heading").bounding_box()
    hf = page.locator("#facet-has_hf").bounding_box()
    assert hf["y"] + hf["height"] - heading["y"] <= PHONE["height"]


# --- Switching, and remembering the choice ---


def test_switching_with_htmx_keeps_the_page_url_and_history(open_page, live_server):
    page = open_page(LAPTOP)
    url = "/?tag=Multimodal&has_code=1"
    page.goto(url)
    count = page.locator("#result-count").inner_text()
    mark_document(page)
    history = page.evaluate("history.length")

    switch_to(page, "Compact")

    expect(page.locator("#browse .paper-row").first).to_be_visible()
    assert page.locator("#browse .paper-card").count() == 0
    assert still_same_document(page)
    assert page.url == f"{live_server.url}{url}"
    assert page.evaluate("history.length") == history
    assert page.locator("#result-count").inner_text() == count
    # The fragment replaced #browse: no second page inside the first.
    assert page.locator(".site-header").count() == 1
    assert page.locator("#browse").count() == 1
    expect(page.locator("#facet-has_code input[value='1']")).to_be_checked()

    page.reload()
    assert layout(page) == "compact"

    switch_to(page, "Cards")
    expect(page.locator("#browse .paper-card").first).to_be_visible()
    page.reload()
    assert layout(page) == "cards"


def test_back_and_forward_after_switching_show_the_chosen_layout(open_page):
    page = open_page(LAPTOP)
    page.goto("/?tag=Robotics")
    page.locator("#facet-has_code input[value='1']").check()
    page.wait_for_url("**has_code=1**")
    switch_to(page, "Compact")

    # htmx kept /?tag=Robotics as it looked then, in cards.
    page.go_back()
    page.wait_for_url("**/?tag=Robotics")
    expect(page.locator("#browse .paper-row").first).to_be_visible()
    assert layout(page) == "compact"
    page.go_forward()
    page.wait_for_url("**has_code=1**")
    expect(page.locator("#browse .paper-row").first).to_be_visible()
    assert layout(page) == "compact"


def test_switching_without_javascript_posts_and_comes_back(open_page, live_server):
    page = open_page(LAPTOP, javascript=False)
    url = "/tags/robotics/?has_code=1"
    page.goto(url)
    assert layout(page) == "cards"

    switch_to(page, "Compact")

    assert page.url == f"{live_server.url}{url}"
    assert layout(page) == "compact"
    page.goto("/")
    assert layout(page) == "compact"
    page.context.clear_cookies()
    page.goto("/")
    assert layout(page) == "cards"


@pytest.mark.parametrize("javascript", [True, False])
def test_a_readers_layout_follows_them_to_another_browser(open_page, javascript):
    reader = make_reader()
    laptop = open_page(LAPTOP, javascript=javascript)
    log_in(laptop, "reader")
    switch_to(laptop, "Compact")
    assert ReaderProfile.objects.get(user=reader).list_mode == "compact"

    # Another browser: no cookie of its own, the same account.
    phone = open_page(PHONE, javascript=not javascript)
    phone.goto("/")
    assert layout(phone) == "cards"
    log_in(phone, "reader")
    assert layout(phone) == "compact"

    switch_to(phone, "Cards")
    laptop.reload()
    assert layout(laptop) == "cards"


def test_the_star_bookmarks_in_place_in_the_compact_list(open_page):
    make_reader()
    page = open_page(LAPTOP)
    log_in(page, "reader")
    switch_to(page, "Compact")
    mark_document(page)
    star = page.locator("#browse .paper-row .bookmark-button").first

    expect(star).to_have_accessible_name("Bookmark")
    star.click()

    star = page.locator("#browse .paper-row .bookmark-button").first
    expect(star).to_have_attribute("aria-pressed", "true")
    expect(star).to_have_accessible_name("Remove bookmark")
    # Still a small star: the words are for screen readers only.
    assert star.bounding_box()["width"] < 48
    assert still_same_document(page)


# Colours differ by scheme, sizes and wrapping by viewport: two runs cover both.
@pytest.mark.parametrize(
    "scheme, viewport", [("light", LAPTOP), ("dark", PHONE)], ids=["light", "dark"]
)
def test_both_layouts_pass_axe_in_light_and_dark(
    browser, live_server, sample_corpus, scheme, viewport
):
    """Contrast, names and target sizes of the switch, rows and cards: axe-core with
    its WCAG 2.2, best-practice and experimental rules, in both colour schemes."""
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, color_scheme=scheme
    )
    try:
        page = context.new_page()
        page.goto("/?tag=Multimodal")
        for label in ("Cards", "Compact"):
            switch_to(page, label)
            results = Axe().run(page, options=AXE_OPTIONS)
            assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()
