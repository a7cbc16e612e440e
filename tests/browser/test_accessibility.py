"""axe-core finds no accessibility violation on the site's pages, light and dark.

axe-core comes bundled with axe-playwright-python (a test dependency, no CDN). The
rule `label-content-name-mismatch` (a link's or button's accessible name must contain
its visible text, WCAG 2.5.3) is experimental in the bundled axe-core and on by default
from 4.14: it is enabled here. One browser context per theme walks every page, and a
failure lists every violation of every page.
"""

from collections import Counter

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone
from playwright.sync_api import Page, expect

from papers.models import (
    Author,
    Bookmark,
    Digest,
    Paper,
    ReadingList,
    SavedSearch,
    Tag,
)
from papers.views.pages import week_of

PASSWORD = "correct horse battery staple"
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"label-content-name-mismatch": {"enabled": True}},
}


def describe(url: str, violations: list[dict]) -> list[str]:
    """One paragraph per violated rule: what, how bad, where (at most five nodes)."""
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(
            f"{url}: {violation['id']} ({violation['impact']}, {len(nodes)} "
            f"element{'s' if len(nodes) != 1 else ''}): {violation['help']}"
        )
        for node in nodes[:5]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
        if len(nodes) > 5:
            lines.append(f"    ... and {len(nodes) - 5} more")
    return lines


class Audit:
    """Runs axe on pages of one browser context and gathers what it reports."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.axe = Axe()
        self.report: list[str] = []
        self.audited: list[str] = []

    def check(self, label: str) -> None:
        results = self.axe.run(self.page, options=AXE_OPTIONS)
        self.audited.append(label)
        self.report += describe(label, results.response["violations"])

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.ok, url
        self.check(url)


@pytest.fixture
def reader(sample_corpus):
    """A reader with two bookmarks, one of them on a reading list, and a saved
    search."""
    user = get_user_model().objects.create_user("ada", password=PASSWORD)
    first, second = Paper.objects.all()[:2]
    bookmark = Bookmark.objects.create(user=user, paper=first, note="Read again.")
    Bookmark.objects.create(user=user, paper=second)
    ReadingList.objects.create(user=user, name="Later").bookmarks.add(bookmark)
    SavedSearch.objects.create(
        user=user,
        name="With code",
        query_string="has_code=1",
        last_opened_at=timezone.now(),
    )
    return user


def public_pages() -> list[str]:
    """One page of each kind. axe's time grows with the number of elements (a week
    of 100 cards takes seconds): day, week and tag are the smallest of the sample,
    whose cards are the same template as the home page's twenty."""
    # With code and Hugging Face badges, whose details the paper page spells out.
    paper = (
        Paper.objects.filter(has_code=True, has_hf=True)
        .order_by("-last_digest_date", "pk")
        .first()
    )
    author = (
        Author.objects.annotate(paper_count=Count("authorships"))
        .order_by("-paper_count", "pk")
        .first()
    )
    tag = (
        Tag.objects.annotate(paper_count=Count("papers"))
        .filter(paper_count__gt=1)
        .order_by("paper_count", "pk")
        .first()
    )
    papers_per_day = dict(
        Digest.objects.annotate(papers=Count("appearances")).values_list(
            "date", "papers"
        )
    )
    papers_per_week = Counter()
    for day, papers in papers_per_day.items():
        papers_per_week[week_of(day)] += papers
    quiet_day = min(papers_per_day, key=papers_per_day.get)
    quiet_week = min(papers_per_week, key=papers_per_week.get)
    return [
        "/",
        paper.get_absolute_url(),
        f"/authors/{author.pk}/",
        f"/tags/{tag.slug}/",
        f"/days/{quiet_day:%Y-%m-%d}/",
        f"/weeks/{quiet_week}/",
        f"/months/{quiet_day:%Y-%m}/",
        "/archive/",
        "/accounts/login/",
    ]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_accessibility_violations(browser, live_server, reader, theme):
    context = browser.new_context(base_url=live_server.url, color_scheme=theme)
    context.set_default_timeout(10_000)
    # What the theme toggle stores, read by static/js/theme.js before the first paint.
    context.add_init_script(f"window.localStorage.setItem('theme', '{theme}')")
    page = context.new_page()
    audit = Audit(page)

    for url in public_pages():
        audit.visit(url)
        assert page.evaluate("document.documentElement.dataset.theme") == theme

    # A filtered state reached by htmx swaps, not by loading its URL.
    page.goto("/")
    page.locator("#facet-has_code").get_by_label("With code").check()
    expect(page).to_have_url(f"{live_server.url}/?has_code=1")
    page.locator("#facet-tag input[name=tag]").first.check()
    expect(page.locator("#browse .filter-chip")).to_have_count(2)
    audit.check("/ after htmx swaps (with code, a tag)")

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    for url in ("/", "/?sort=for_you", "/bookmarks/", "/bookmarks/lists/", "/saved/"):
        audit.visit(url)
    # The header's saved-searches menu, open.
    page.goto("/")
    page.locator(".saved-menu > summary").click()
    expect(page.get_by_role("button", name="With code")).to_be_visible()
    audit.check("/ with the saved-searches menu open")
    context.close()

    assert len(audit.audited) == 16
    assert not audit.report, "\n".join(
        [f"axe-core found violations in the {theme} theme:", *audit.report]
    )
