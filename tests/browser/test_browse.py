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

    expect(page).to_have_url(re.compile(r"[?&]tag=Multimodal\b"))
    expect(page.locator("#result-count")).to_contain_text(f"{tagged} paper")
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
