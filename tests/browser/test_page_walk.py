"""What a walk through the site as a new reader found, checked in a real browser."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from papers.models import Bookmark, Paper

TEMPLATE_SYNTAX = ("{#", "#}", "{%", "{{")
PASSWORD = "correct horse battery staple"


def test_no_template_comment_shows_on_the_list_page(page: Page, live_server):
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/?tag=Multimodal")
        text = page.locator("body").inner_text()
        assert not [syntax for syntax in TEMPLATE_SYNTAX if syntax in text], width


def option_labels(page: Page, facet: str) -> list[str]:
    return [
        label.strip()
        for label in page.locator(f"#facet-{facet} .facet-label").all_inner_texts()
    ]


def test_code_and_hugging_face_options_stay_in_one_order(page: Page, live_server):
    page.goto("/")
    expected = {
        "has_code": ["Either", "With code", "Without code"],
        "has_hf": ["Either", "With Hugging Face links", "Without Hugging Face links"],
    }
    # The sample has more papers without code than with; after choosing "with
    # code", more of the remaining papers have Hugging Face links than not.
    for facet, labels in expected.items():
        assert option_labels(page, facet) == labels
    page.locator("#facet-has_code").get_by_label("With code").check()
    expect(page).to_have_url(re.compile(r"has_code=1"))
    for facet, labels in expected.items():
        assert option_labels(page, facet) == labels


def log_in(page: Page, username: str) -> None:
    get_user_model().objects.create_user(username, password=PASSWORD)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_counts_of_one_read_in_the_singular(page: Page, live_server):
    log_in(page, "ada")
    paper = Paper.objects.tagged_any("Multimodal").first()
    Bookmark.objects.create(user=get_user_model().objects.get(), paper=paper)

    page.goto(f"/?q={paper.arxiv_id}")
    expect(page.locator("#result-count")).to_have_text("1 paper")
    page.goto("/bookmarks/?tag=Multimodal")
    exports = page.locator("#bookmark-exports h3")
    expect(exports).to_have_text("Export this bookmark")
    page.goto("/bookmarks/")
    expect(exports).to_have_text("Export your bookmark")


def test_admin_pages_have_an_icon_and_the_paper_list_fits_1366_px(
    page: Page, live_server
):
    get_user_model().objects.create_superuser("boss", "boss@example.org", PASSWORD)
    missing = []
    page.on(
        "response",
        lambda response: missing.append(response.url) if response.status >= 400 else 0,
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/papers/paper/")

    # Headless Chromium fetches no icons itself: fetch what a browser would.
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon is not None
    for url in (icon, "/favicon.ico"):
        response = page.request.get(url)
        assert response.ok and response.headers["content-type"] == "image/svg+xml"
    assert not missing

    last = page.locator("#result_list thead th").last
    expect(last).to_contain_text("bookmarks", ignore_case=True)
    box = last.bounding_box()
    scroller = page.locator("#changelist .results").bounding_box()
    for column in ("column-code", "column-hugging_face", "column-bookmark_count"):
        cell = page.locator(f"#result_list thead th.{column}").bounding_box()
        assert cell["x"] + cell["width"] <= scroller["x"] + scroller["width"] + 0.5
    assert box["x"] + box["width"] <= 1366


def test_without_javascript_the_form_lands_on_a_clean_url(
    page_without_javascript: Page, live_server
):
    page = page_without_javascript
    tagged = Paper.objects.tagged_any("Multimodal").count()
    page.goto("/")

    page.locator("#facet-tag").get_by_role(
        "checkbox", name=re.compile(r"^Multimodal\b")
    ).check()
    page.get_by_role("button", name="Apply filters").click()

    expect(page.locator("#result-count")).to_contain_text(f"{tagged} paper")
    assert page.url == f"{live_server.url}/?tag=Multimodal"


def test_the_tab_title_names_the_state_after_a_swap_and_a_reload(
    page: Page, live_server
):
    tagged = Paper.objects.tagged_any("Multimodal")
    expected = (
        f"Multimodal, with code · {tagged.filter(has_code=True).count()} papers"
        " · AI paper digests"
    )
    everything = f"{Paper.objects.count()} papers · AI paper digests"
    page.goto("/")
    expect(page).to_have_title(everything)
    page.locator("nav.pagination").get_by_role("link", name="2", exact=True).click()
    expect(page).to_have_title(re.compile(r"^\d+ papers, page 2 of \d+ · "))
    page.go_back()
    expect(page).to_have_title(everything)

    page.locator("#facet-tag").get_by_role(
        "checkbox", name=re.compile(r"^Multimodal\b")
    ).check()
    expect(page).to_have_title(
        f"Multimodal · {tagged.count()} papers · AI paper digests"
    )
    page.locator("#facet-has_code").get_by_label("With code").check()

    expect(page).to_have_title(expected)
    # The swapped fragment's <title> went to the head, not into the page.
    assert page.locator("body title").count() == 0
    page.reload()
    expect(page).to_have_title(expected)
    page.go_back()
    expect(page).to_have_title(re.compile(r"^Multimodal · "))


def test_a_day_page_says_which_digest_once(page: Page, live_server):
    page.goto("/days/2025-03-11/")
    expect(page.locator(".paper-card").first).to_be_visible()
    text = page.locator("main").inner_text()
    assert text.count("In the digest of Mar 11, 2025") == 1
    assert page.locator(".paper-card").count() > 1


def test_back_to_page_one_is_the_clean_address(page: Page, live_server):
    page.goto("/?tag=Multimodal")
    pagination = page.locator("nav.pagination")
    pagination.get_by_role("link", name="2", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/?tag=Multimodal&page=2")

    pagination.get_by_role("link", name="Previous").click()

    expect(page).to_have_url(f"{live_server.url}/?tag=Multimodal")
    expect(pagination.locator("[aria-current=page]")).to_have_text("1")
