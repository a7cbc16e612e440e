"""Cite: the copy buttons in a real browser, and the page without JavaScript."""

import re

from playwright.sync_api import expect

from papers.models import Paper


def test_copy_bibtex_puts_the_entry_on_the_clipboard(page):
    paper = Paper.objects.exclude(arxiv_id="").order_by("pk").first()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"/papers/{paper.key}/cite/")
    button = page.get_by_role("button", name="Copy BibTeX")
    expect(button).to_be_visible()
    button.click()
    expect(page.locator(".copy-status")).to_have_text("Copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"@misc{{arxiv:{paper.arxiv_id},")
    assert copied == page.locator(".citation-bibtex").inner_text().strip()


def test_cards_swapped_in_by_a_search_get_working_copy_buttons(page):
    paper = Paper.objects.filter(title__icontains="reinforcement").first()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/")
    mark = page.locator(f"#paper-{paper.pk} .paper-title mark")
    search = page.locator("#id_q")
    search.fill("reinforcement")
    # Leaving the box fires the form's "change" swap too: let both land first.
    search.press("Tab")
    expect(page).to_have_url(re.compile(r"q=reinforcement"))
    page.wait_for_load_state("networkidle")
    expect(mark.first).to_be_visible()
    # Located by id, the card is the same one whatever swaps come after.
    card = page.locator(f"#paper-{paper.pk}")
    card.locator(".paper-cite > summary").click()
    button = card.get_by_role("button", name="Copy reference")
    expect(button).to_be_visible()
    button.click()
    expect(card.locator(".copy-status")).to_have_text("Copied.")
    reference = page.evaluate("navigator.clipboard.readText()")
    assert reference == card.locator(".citation-text").text_content().strip()
    assert reference.startswith(paper.authorships.first().author.name)


def test_without_javascript_the_citation_is_text_to_select(page_without_javascript):
    page = page_without_javascript
    paper = Paper.objects.order_by("pk").first()
    page.goto(f"/papers/{paper.key}/cite/")
    expect(page.locator(".citation-bibtex")).to_contain_text("@misc{")
    expect(page.get_by_role("button", name="Copy BibTeX")).to_be_hidden()
