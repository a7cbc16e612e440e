"""The list page in a real browser: htmx swaps in place, the URL follows, Back works."""

import re

from playwright.sync_api import Page, expect

from papers.models import Paper


def result_count(page: Page) -> str:
    return page.locator("#result-count").inner_text().strip()


def mark_document(page: Page) -> None:
    """Tag the loaded document so a full page load (which forgets the tag) shows."""
    page.evaluate("document.documentElement.dataset.loadedOnce = 'yes'")


def still_same_document(page: Page) -> bool:
    return page.evaluate("document.documentElement.dataset.loadedOnce") == "yes"


def tag_checkbox(page: Page, name: str):
    return page.locator("#facet-tag").get_by_role(
        "checkbox", name=re.compile(rf"^{re.escape(name)}\b")
    )


def test_choosing_a_tag_updates_results_counts_and_url_without_reload(
    page, live_server
):
    tagged = Paper.objects.tagged_any("Multimodal").count()
    total = Paper.objects.count()
    assert 0 < tagged < total
    page.goto("/")
    expect(page.locator("#result-count")).to_contain_text(f"{total} papers")
    mark_document(page)
    has_code_before = page.locator("#facet-has_code").inner_text()

    tag_checkbox(page, "Multimodal").check()

    expect(page.locator("#result-count")).to_contain_text(f"{tagged} paper")
    # No empty or default parameters: the address is fit to share.
    assert page.url == f"{live_server.url}/?tag=Multimodal"
    assert page.locator("#browse .paper-card").count() == min(tagged, 20)
    # Other facets' counts follow the selection.
    assert page.locator("#facet-has_code").inner_text() != has_code_before
    expect(tag_checkbox(page, "Multimodal")).to_be_checked()
    assert still_same_document(page)


def test_typing_a_search_filters_in_place(page, live_server):
    matching = Paper.objects.search("diffusion").count()
    assert 0 < matching < Paper.objects.count()
    page.goto("/")
    mark_document(page)

    page.get_by_label(
        "Search titles, summaries, authors and arXiv ids"
    ).press_sequentially("diffusion", delay=30)

    expect(page).to_have_url(re.compile(r"[?&]q=diffusion\b"))
    expect(page.locator("#result-count")).to_contain_text(f"{matching} paper")
    expect(
        page.get_by_label("Search titles, summaries, authors and arXiv ids")
    ).to_be_focused()
    assert still_same_document(page)


def test_pasting_a_search_filters_without_a_key_press(page, live_server):
    matching = Paper.objects.search("diffusion").count()
    page.goto("/")
    mark_document(page)

    # fill() sets the value with one input event and no key events, as a paste does.
    page.get_by_label("Search titles, summaries, authors and arXiv ids").fill(
        "diffusion"
    )

    expect(page.locator("#result-count")).to_contain_text(f"{matching} paper")
    assert page.url == f"{live_server.url}/?q=diffusion"
    assert still_same_document(page)


def test_facet_search_text_narrows_the_list_but_stays_out_of_the_url(page, live_server):
    page.goto("/")
    page.locator("#tag-search").press_sequentially("multi", delay=30)
    expect(tag_checkbox(page, "Computer Vision")).to_have_count(0)

    tag_checkbox(page, "Multimodal").check()

    expect(page).to_have_url(f"{live_server.url}/?tag=Multimodal")
    # The swap kept the narrowed list and the text that narrowed it.
    expect(page.locator("#tag-search")).to_have_value("multi")
    expect(tag_checkbox(page, "Computer Vision")).to_have_count(0)
    expect(tag_checkbox(page, "Multimodal")).to_be_checked()


def test_phones_show_results_first_without_sideways_scrolling(page, live_server):
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page scrolls sideways at 360 px"
    )
    card = page.locator(".paper-card").first.bounding_box()
    facet = page.locator("#facet-tag").bounding_box()
    assert card["y"] + card["height"] <= facet["y"]
    assert card["y"] < 780, "the first result is below the first screen"

    page.get_by_role("link", name="Filters", exact=True).click()

    expect(page).to_have_url(re.compile(r"#filters-panel$"))
    expect(page.locator("#facet-tag")).to_be_in_viewport()


def test_wide_screens_show_the_filters_beside_the_results(page, live_server):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")

    card = page.locator(".paper-card").first.bounding_box()
    facet = page.locator("#facet-tag").bounding_box()
    assert facet["x"] + facet["width"] <= card["x"]
    assert facet["y"] < 900 and card["y"] < 900
    # The jump to the filters is only for keyboard users here: hidden until focused.
    jump = page.get_by_role("link", name="Filters", exact=True)
    assert jump.bounding_box()["width"] <= 1
    jump.focus()
    assert jump.bounding_box()["width"] > 1


def test_back_restores_the_previous_state(page, live_server):
    total = Paper.objects.count()
    tagged = Paper.objects.tagged_any("Multimodal").count()
    page.goto("/")
    tag_checkbox(page, "Multimodal").check()
    expect(page.locator("#result-count")).to_contain_text(f"{tagged} paper")

    page.go_back()

    expect(page).not_to_have_url(re.compile(r"tag="))
    expect(page.locator("#result-count")).to_contain_text(f"{total} papers")
    expect(tag_checkbox(page, "Multimodal")).not_to_be_checked()

    page.go_forward()

    expect(page.locator("#result-count")).to_contain_text(f"{tagged} paper")
    expect(tag_checkbox(page, "Multimodal")).to_be_checked()


def test_chips_and_pagination_links_swap_in_place(page, live_server):
    page.goto("/?tag=Multimodal")
    mark_document(page)

    page.locator(".active-filters").get_by_role(
        "link", name=re.compile("Multimodal")
    ).click()

    expect(page).not_to_have_url(re.compile(r"tag="))
    expect(page.locator("#result-count")).to_contain_text(
        f"{Paper.objects.count()} papers"
    )
    page.locator("nav.pagination").get_by_role("link", name="2", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]page=2\b"))
    expect(page.locator("nav.pagination [aria-current=page]")).to_have_text("2")
    assert still_same_document(page)


def test_the_page_works_without_javascript(page_without_javascript, live_server):
    page = page_without_javascript
    tagged = Paper.objects.tagged_any("Multimodal").count()
    page.goto("/")

    tag_checkbox(page, "Multimodal").check()
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(r"[?&]tag=Multimodal\b"))
    expect(page.locator("#result-count")).to_contain_text(f"{tagged} paper")

    page.get_by_label("Search titles, summaries, authors and arXiv ids").fill(
        "diffusion"
    )
    page.get_by_role("button", name="Search", exact=True).click()
    expected = Paper.objects.tagged_any("Multimodal").search("diffusion").count()
    expect(page).to_have_url(re.compile(r"[?&]q=diffusion\b"))
    expect(page.locator("#result-count")).to_contain_text(f"{expected} paper")


def test_slash_focuses_search_and_theme_toggle_is_remembered(page, live_server):
    page.goto("/")
    page.keyboard.press("/")
    expect(
        page.get_by_label("Search titles, summaries, authors and arXiv ids")
    ).to_be_focused()

    page.locator("body").click(position={"x": 5, "y": 5})
    before = page.evaluate("document.documentElement.dataset.theme || ''")
    page.locator("#theme-toggle").click()
    after = page.evaluate("document.documentElement.dataset.theme")
    assert after in {"light", "dark"} and after != before
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == after
