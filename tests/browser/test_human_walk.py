"""The list page used at human pace: keys typed one by one, Back, Forward and reload,
focus moving from the search box to a facet, a phone's taps. The tests count what the
browser really sent (requests, history entries, console errors)."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from papers.models import Paper
from tests.browser.pages import new_page

SEARCH_LABEL = "Search titles, summaries, authors and arXiv ids"
# A person types a key every 80-300 ms.
KEY_DELAY = 100
# Longer than any delay before a request is sent: the search box's 300 ms debounce,
# a typed date applied 200 ms after leaving its field.
QUIET = 700
PHONE = {"width": 390, "height": 844}


def walk_page(browser: Browser, live_server, **options) -> Page:
    # A fixed locale fixes the order of a date field's parts: month, day, year.
    return new_page(browser, live_server, locale="en-US", **options)


@pytest.fixture
def page(browser, live_server, sample_corpus) -> Page:
    page = walk_page(browser, live_server)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, live_server, sample_corpus) -> Page:
    page = walk_page(
        browser, live_server, viewport=PHONE, has_touch=True, is_mobile=True
    )
    yield page
    page.context.close()


class Walk:
    """What the page sent while a test walked through it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.browse_requests: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", self._on_request)
        page.on("console", self._on_console)

    def _on_request(self, request: Request) -> None:
        # htmx requests for the results, not those of the tag or author boxes.
        if request.headers.get("hx-target") == "browse":
            self.browse_requests.append(request.url)

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def sent(self, name: str) -> list[list[str]]:
        """The values of `name` in each results request sent so far."""
        return [
            parse_qs(urlsplit(url).query).get(name, []) for url in self.browse_requests
        ]

    def history_length(self) -> int:
        return self.page.evaluate("history.length")


class HeldAnswers:
    """Holds the results' answers until released, as a slow server would."""

    PATTERN = re.compile(r"/\?")

    def __init__(self, page: Page) -> None:
        self.page = page
        self.routes: list[Route] = []
        self.holding = True
        page.route(self.PATTERN, self._handle)

    def _handle(self, route: Route) -> None:
        if self.holding:
            self.routes.append(route)
        else:
            route.continue_()

    def release(self) -> None:
        self.holding = False
        for route in self.routes:
            route.continue_()
        self.routes.clear()


def url_query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def tag_checkbox(page: Page, name: str):
    return page.locator("#facet-tag").get_by_role(
        "checkbox", name=re.compile(rf"^{re.escape(name)}\b")
    )


def mark_element(page: Page, selector: str) -> None:
    """Tag one element object, so that a replacement, even an identical one, shows."""
    page.locator(selector).evaluate("element => { element.walkMark = 'same'; }")


def focused_is_marked(page: Page) -> bool:
    return page.evaluate("document.activeElement.walkMark === 'same'")


def wait_until_quiet(page: Page) -> None:
    page.wait_for_timeout(QUIET)


# Dates typed with the keyboard.


def test_typing_a_date_sends_only_the_finished_date(page, live_server):
    walk = Walk(page)
    page.goto("/")
    date_from = page.get_by_label("From", exact=True)
    date_from.focus()
    mark_element(page, "#id_date_from")

    page.keyboard.type("03012025", delay=KEY_DELAY)
    wait_until_quiet(page)

    # Every partial year (0002, 0020, 0202) is a valid date: none of them was sent,
    # and the field being typed in was never replaced.
    assert walk.sent("date_from") == []
    assert focused_is_marked(page)
    expect(date_from).to_have_value("2025-03-01")

    # Chromium's first Tab goes to the field's calendar button, the second leaves.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")

    expect(page).to_have_url(f"{live_server.url}/?date_from=2025-03-01")
    expect(page.locator(".active-filters")).to_contain_text("from Mar 1, 2025")
    expect(date_from).to_have_value("2025-03-01")
    wait_until_quiet(page)
    assert walk.sent("date_from") == [["2025-03-01"]]
    assert walk.console_errors == []


def test_enter_applies_a_typed_date_and_a_late_answer_spares_the_field_being_typed(
    page, live_server
):
    walk = Walk(page)
    page.goto("/")
    # Hold the server's answers, so that one arrives while the next date is typed.
    held = HeldAnswers(page)
    page.get_by_label("From", exact=True).focus()
    page.keyboard.type("03012025", delay=KEY_DELAY)
    page.keyboard.press("Enter")
    wait_until_quiet(page)
    assert walk.sent("date_from") == [["2025-03-01"]]

    date_to = page.get_by_label("To", exact=True)
    date_to.focus()
    mark_element(page, "#id_date_to")
    page.keyboard.type("0310", delay=KEY_DELAY)
    held.release()
    expect(page.locator(".active-filters")).to_contain_text("from Mar 1, 2025")

    # The answer was swapped in around the field being typed in: same element, still
    # focused, and the caret still in its year, where the next keys go.
    assert focused_is_marked(page)
    page.keyboard.type("2025", delay=KEY_DELAY)
    expect(date_to).to_have_value("2025-03-10")
    page.keyboard.press("Enter")

    expect(page).to_have_url(
        f"{live_server.url}/?date_from=2025-03-01&date_to=2025-03-10"
    )
    expected = Paper.objects.in_digests_between(
        datetime.date(2025, 3, 1), datetime.date(2025, 3, 10)
    ).count()
    assert 0 < expected < Paper.objects.count()
    expect(page.locator("#result-count")).to_contain_text(f"{expected} paper")
    wait_until_quiet(page)
    assert [value for value in walk.sent("date_to") if value] == [["2025-03-10"]]
    assert walk.console_errors == []


def test_a_late_answer_spares_the_author_box_being_typed_in(page, live_server):
    tagged = Paper.objects.tagged_any("Multimodal").count()
    page.goto("/")
    held = HeldAnswers(page)
    tag_checkbox(page, "Multimodal").check()
    box = page.get_by_label("Find an author")
    box.focus()
    mark_element(page, "#author-search")
    page.keyboard.type("zh", delay=KEY_DELAY)

    held.release()

    expect(page.locator("#result-count")).to_contain_text(f"{tagged} paper")
    expect(page).to_have_url(f"{live_server.url}/?tag=Multimodal")
    assert focused_is_marked(page)
    page.keyboard.type("ang", delay=KEY_DELAY)
    expect(box).to_have_value("zhang")


# Back, Forward and reload.


def expect_controls(page: Page, *, q: str, has_code: str, has_hf: str = "") -> None:
    expect(page.get_by_label(SEARCH_LABEL)).to_have_value(q)
    expect(
        page.locator(f"#facet-has_code input[name=has_code][value='{has_code}']")
    ).to_be_checked()
    expect(
        page.locator(f"#facet-has_hf input[name=has_hf][value='{has_hf}']")
    ).to_be_checked()


def test_back_forward_and_reload_keep_the_search_box_and_the_next_click_keeps_it(
    page, live_server
):
    page.goto("/")
    page.get_by_label(SEARCH_LABEL).focus()
    page.keyboard.type("agent", delay=KEY_DELAY)
    expect(page).to_have_url(f"{live_server.url}/?q=agent")
    page.locator("#facet-has_code").get_by_text("With code", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/?q=agent&has_code=1")

    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/?q=agent")
    expect_controls(page, q="agent", has_code="")

    page.go_forward()
    expect(page).to_have_url(f"{live_server.url}/?q=agent&has_code=1")
    expect_controls(page, q="agent", has_code="1")

    page.go_back()
    page.reload()
    expect_controls(page, q="agent", has_code="")
    page.go_forward()
    expect_controls(page, q="agent", has_code="1")

    page.locator("#facet-has_hf").get_by_text(
        "With Hugging Face links", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"has_hf=1"))
    assert url_query(page) == {"q": ["agent"], "has_code": ["1"], "has_hf": ["1"]}
    expect_controls(page, q="agent", has_code="1", has_hf="1")


def test_every_control_shows_the_address_after_back_forward_and_reload(
    page, live_server
):
    page.goto("/")
    sort = page.get_by_label("Sort by")
    date_from = page.get_by_label("From", exact=True)
    tag_mode_all = page.locator("#facet-tag input[name=tag_mode][value=all]")

    tag_checkbox(page, "Multimodal").check()
    expect(page).to_have_url(re.compile(r"tag=Multimodal"))
    sort.select_option("title")
    expect(page).to_have_url(re.compile(r"sort=title"))
    date_from.fill("2025-03-03")  # the date picker: one complete date
    expect(page).to_have_url(re.compile(r"date_from=2025-03-03"))
    tag_mode_all.check()
    expect(page).to_have_url(re.compile(r"tag_mode=all"))
    first_author = page.locator("#author-values input[name=author]").first
    author = first_author.get_attribute("value")
    first_author.check()
    expect(page).to_have_url(re.compile(r"author="))
    everything = url_query(page)
    assert everything == {
        "tag": ["Multimodal"],
        "sort": ["title"],
        "date_from": ["2025-03-03"],
        "tag_mode": ["all"],
        "author": [author],
    }

    def expect_state(query: dict[str, list[str]]) -> None:
        expect(sort).to_have_value(query.get("sort", [""])[0])
        expect(date_from).to_have_value(query.get("date_from", [""])[0])
        if "tag_mode" in query:
            expect(tag_mode_all).to_be_checked()
        else:
            expect(tag_mode_all).not_to_be_checked()
        selected = page.locator(f"#author-values input[name=author][value='{author}']")
        if "author" in query:
            expect(selected).to_be_checked()
        else:
            expect(selected).not_to_be_checked()

    for _ in range(3):
        page.go_back()
    expect(page).to_have_url(re.compile(r"sort=title&"))
    assert set(url_query(page)) == {"tag", "sort"}
    expect_state(url_query(page))
    page.reload()
    expect_state(url_query(page))
    page.go_forward()
    assert set(url_query(page)) == {"tag", "sort", "date_from"}
    expect_state(url_query(page))
    page.go_forward()
    page.go_forward()
    expect_state(everything)
    page.reload()
    expect_state(everything)

    # The next change starts from all of it.
    page.locator("#facet-has_code").get_by_text("With code", exact=True).click()
    expect(page).to_have_url(re.compile(r"has_code=1"))
    assert url_query(page) == {**everything, "has_code": ["1"]}


def test_coming_back_from_a_paper_shows_the_search_and_facets_of_the_address(
    page, live_server
):
    page.goto("/")
    page.get_by_label(SEARCH_LABEL).focus()
    page.keyboard.type("agent", delay=KEY_DELAY)
    expect(page).to_have_url(f"{live_server.url}/?q=agent")
    page.locator("#facet-has_code").get_by_text("With code", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/?q=agent&has_code=1")
    # A whole new page, then back: the back-forward cache or a fresh load.
    page.locator("#browse .paper-title a").first.click()
    expect(page).to_have_url(re.compile(r"/papers?/"))

    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/?q=agent&has_code=1")
    expect_controls(page, q="agent", has_code="1")
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/?q=agent")
    expect_controls(page, q="agent", has_code="")

    page.locator("#facet-has_hf").get_by_text(
        "With Hugging Face links", exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"has_hf=1"))
    assert url_query(page) == {"q": ["agent"], "has_hf": ["1"]}


def test_removing_the_search_chip_empties_the_box_and_the_next_click_leaves_it_out(
    page, live_server
):
    page.goto("/")
    page.get_by_label(SEARCH_LABEL).focus()
    page.keyboard.type("agent", delay=KEY_DELAY)
    expect(page).to_have_url(f"{live_server.url}/?q=agent")
    page.locator("#facet-has_code").get_by_text("With code", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/?q=agent&has_code=1")

    page.locator(".active-filters").get_by_role("link", name="“agent”").click()

    expect(page).to_have_url(f"{live_server.url}/?has_code=1")
    expect_controls(page, q="", has_code="1")
    page.locator("#facet-has_hf").get_by_text(
        "With Hugging Face links", exact=True
    ).click()
    expect(page).to_have_url(f"{live_server.url}/?has_code=1&has_hf=1")


# Leaving the search box.


def test_leaving_the_search_box_sends_nothing_more(page, live_server):
    walk = Walk(page)
    page.goto("/")
    history_before = walk.history_length()
    page.get_by_label(SEARCH_LABEL).focus()
    page.keyboard.type("agent", delay=KEY_DELAY)
    expect(page).to_have_url(f"{live_server.url}/?q=agent")
    wait_until_quiet(page)
    assert walk.sent("q") == [["agent"]]

    page.keyboard.press("Tab")
    wait_until_quiet(page)
    page.get_by_label(SEARCH_LABEL).focus()
    page.keyboard.press("Enter")
    wait_until_quiet(page)

    # One search typed, one request, one history entry; leaving the box or pressing
    # Enter on a search already shown sends nothing.
    assert walk.sent("q") == [["agent"]]
    assert walk.history_length() == history_before + 1
    assert walk.console_errors == []


def test_a_search_then_a_click_on_a_facet_is_two_requests_none_aborted(
    page, live_server
):
    walk = Walk(page)
    page.goto("/")
    history_before = walk.history_length()
    page.get_by_label(SEARCH_LABEL).focus()
    page.keyboard.type("agent", delay=KEY_DELAY)
    expect(page).to_have_url(f"{live_server.url}/?q=agent")

    page.locator("#facet-has_code").get_by_text("With code", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/?q=agent&has_code=1")
    wait_until_quiet(page)
    assert walk.sent("q") == [["agent"], ["agent"]]
    assert walk.sent("has_code") == [[], ["1"]]
    assert walk.history_length() == history_before + 2
    assert walk.console_errors == []


def test_enter_right_after_typing_is_one_request(page, live_server):
    walk = Walk(page)
    page.goto("/")
    history_before = walk.history_length()
    page.get_by_label(SEARCH_LABEL).focus()
    page.keyboard.type("agent", delay=KEY_DELAY)
    page.keyboard.press("Enter")  # before the search box's own debounce ends

    expect(page).to_have_url(f"{live_server.url}/?q=agent")
    wait_until_quiet(page)
    assert walk.sent("q") == [["agent"]]
    assert walk.history_length() == history_before + 1
    assert walk.console_errors == []


# A phone.


def test_tapping_a_tag_on_a_phone_keeps_it_in_place_and_shows_the_new_count(
    phone, live_server
):
    page = phone
    tagged = Paper.objects.tagged_any("Multimodal").count()
    assert 0 < tagged < Paper.objects.count()
    page.goto("/")
    checkbox = tag_checkbox(page, "Multimodal")
    checkbox.scroll_into_view_if_needed()
    page.mouse.wheel(0, -300)  # the reader scrolled up a little: not at the panel's end
    page.wait_for_timeout(200)
    before = checkbox.bounding_box()
    assert 0 < before["y"] < PHONE["height"]

    checkbox.tap()

    expect(page).to_have_url(f"{live_server.url}/?tag=Multimodal")
    after = checkbox.bounding_box()
    assert abs(after["y"] - before["y"]) <= 2, (before, after)
    bar = page.get_by_role("link", name=re.compile(r"^Show \d+ papers?$"))
    expect(bar).to_have_text(f"Show {tagged} paper{'s' if tagged != 1 else ''}")
    expect(bar).to_be_in_viewport()
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]

    bar.tap()

    expect(page.locator("#result-count")).to_be_in_viewport()
    expect(page.locator("#result-count")).to_contain_text(f"{tagged} paper")


def test_unticking_a_tag_under_more_tags_leaves_that_list_open_in_place(
    phone, live_server
):
    page = phone
    page.goto("/")
    more = page.locator("#facet-tag details.facet-more")
    more.locator("summary").tap()
    tag = more.locator("input[name=tag]").first.get_attribute("value")
    checkbox = more.locator(f'input[name=tag][value="{tag}"]')
    checkbox.tap()
    expect(page).to_have_url(re.compile(r"[?&]tag="))
    expect(checkbox).to_be_checked()
    before = checkbox.bounding_box()

    checkbox.tap()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(more).to_have_attribute("open", "")
    expect(checkbox).not_to_be_checked()
    after = checkbox.bounding_box()
    assert abs(after["y"] - before["y"]) <= 2, (before, after)


def test_a_choice_low_in_the_wide_sidebar_stays_in_place(page, live_server):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/")
    sidebar = page.locator("#filters-panel")
    # The authors come last in the sidebar: their last visible box is the lowest.
    checkbox = page.locator("#facet-author input[name=author]:visible").last
    author = checkbox.get_attribute("value")
    checkbox = page.locator(f'#facet-author input[name=author][value="{author}"]')
    checkbox.scroll_into_view_if_needed()
    assert sidebar.evaluate("box => box.scrollTop") > 0, "the sidebar did not scroll"
    before = checkbox.bounding_box()

    checkbox.check()

    expect(page).to_have_url(re.compile(r"[?&]author="))
    expect(checkbox).to_be_checked()
    after = checkbox.bounding_box()
    assert abs(after["y"] - before["y"]) <= 2, (before, after)
