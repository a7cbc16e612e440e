"""The HTML of a paper in a result list: a card, or a row of the compact list.

A list page shows 20 to 100 papers. Through Django's template engine each card cost
about a hundred template nodes and a URL reversal per author, tag and day: most of the
time of a list page. Built here, with `escape()` on every value that comes from a
digest, a card costs a small fraction of that. The reader's buttons (bookmark, "not
interested") are built here too, once for cards, rows and the views that toggle them;
a card's actions stay a template (papers/_paper_actions.html), as "My bookmarks" adds
its status, note and lists there. Templates use these through
papers/templatetags/paper_html.py.

A card needs a `paper` from Paper.objects.for_listing() (its author names, tag
names and digest days come with it: no queries here) with `summary_points`
(papers.summaries.split_summary) and `link_buttons` (papers.links.link_buttons)
attached by the view.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from html import escape  # what django.utils.html.escape() calls, minus its lazy checks
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.urls import reverse
from django.utils.dateformat import format as date_format

from papers.citations import Citation, plain_reference, to_bibtex
from papers.highlight import highlight
from papers.links import LinkButton

if TYPE_CHECKING:
    from papers.models import Paper

# "\n" stands wherever the templates these replace had whitespace between elements:
# between inline elements it shows as a space.


def _filter_link(list_url: str, key: str, name: str) -> str:
    # As `{% url 'papers:list' %}?author={{ name|urlencode:'' }}` wrote it.
    return escape(f"{list_url}?{key}={quote(name, safe='')}")


def _title(paper: Paper, words: Sequence[str]) -> str:
    pk = paper.pk
    return (
        f'<h3 class="paper-title" id="paper-{pk}-title">'
        f'<a href="{escape(paper.get_absolute_url())}">'
        f"{highlight(str(paper.title), words)}</a></h3>"
    )


def _authors(names: Sequence[str], list_url: str, *, titled: bool) -> list[str]:
    items = []
    for name in names:
        title = f' title="Papers by {escape(name)}"' if titled else ""
        items.append(
            f'<li><a href="{_filter_link(list_url, "author", name)}"{title}>'
            f"{escape(name)}</a></li>"
        )
    return items


def _tags(names: Sequence[str], list_url: str, *, titled: bool) -> str:
    if not names:
        return ""
    items = []
    for name in names:
        title = f' title="Papers tagged {escape(name)}"' if titled else ""
        items.append(
            f'<li><a class="tag-chip" href="{_filter_link(list_url, "tag", name)}"'
            f"{title}>{escape(name)}</a></li>"
        )
    return "\n".join(['<ul class="paper-tags" aria-label="Tags">', *items, "</ul>"])


def _days(lead: str, days: Sequence[datetime.date]) -> str:
    if not days:
        return ""
    links = ", ".join(
        f'<a href="{escape(reverse("papers:day", kwargs={"day": f"{day:%Y-%m-%d}"}))}">'
        f'<time datetime="{day:%Y-%m-%d}">{escape(date_format(day, "M j, Y"))}</time>'
        "</a>"
        for day in days
    )
    return f'<p class="paper-days">{lead}\n{links}\n</p>'


def _summary(paper: Paper, words: Sequence[str]) -> str:
    points = paper.summary_points
    if not points:
        return ""
    if len(points) == 1:
        body = f"<p>{highlight(points[0], words)}</p>"
    else:
        body = "\n".join(
            [
                f"<ul>\n<li>{highlight(points[0], words)}</li>\n</ul>",
                '<details class="more">',
                '<summary>More<span class="visually-hidden"> of the summary of '
                f"“{escape(paper.title)}”</span></summary>",
                "<ul>",
                *(f"<li>{highlight(point, words)}</li>" for point in points[1:]),
                "</ul>",
                "</details>",
            ]
        )
    return f'<div class="paper-summary">\n{body}\n</div>'


def _links(buttons: Sequence[LinkButton]) -> str:
    if not buttons:
        return ""
    items = [
        f'<li><a class="link-button {escape(button.css_class)}" '
        f'href="{escape(button.href)}" rel="noopener noreferrer"'
        + (f' title="{escape(button.detail)}"' if button.detail else "")
        + f">{escape(button.label)}</a></li>"
        for button in buttons
    ]
    return "\n".join(['<ul class="paper-links" aria-label="Links">', *items, "</ul>"])


def _citation(paper: Paper) -> str:
    # The markup of papers/_citation.html, which the citation and paper pages include.
    pk = paper.pk
    citation = Citation.from_paper(paper)
    bibtex, plain = to_bibtex([citation]), plain_reference(citation)
    cite_url = escape(reverse("papers:cite", kwargs={"key": paper.key}))
    return "\n".join(
        [
            '<details class="paper-cite">',
            f'<summary>Cite<span class="visually-hidden"> “{escape(paper.title)}”'
            "</span></summary>",
            '<div class="citation">',
            '<p class="citation-label">BibTeX</p>',
            f'<pre class="citation-bibtex" id="cite-{pk}-bibtex">'
            f"{escape(bibtex)}</pre>",
            '<button type="button" class="button button-secondary copy-button" '
            f'data-copy-target="cite-{pk}-bibtex" hidden>Copy BibTeX</button>',
            '<p class="citation-label">Reference</p>',
            f'<p class="citation-text" id="cite-{pk}-text">{escape(plain)}</p>',
            '<button type="button" class="button button-secondary copy-button" '
            f'data-copy-target="cite-{pk}-text" hidden>Copy reference</button>',
            '<span class="copy-status" role="status" aria-live="polite"></span>',
            "</div>",
            f'<p><a href="{cite_url}">Citation page</a></p>',
            "</details>",
        ]
    )


def new_badge(paper: Paper) -> str:
    """ "New since your last visit" (`paper.is_new`, Paper.objects.with_is_new)."""
    if not getattr(paper, "is_new", False):
        return ""
    return (
        f'<span class="badge-new" id="new-{paper.pk}">New<span class="visually-hidden">'
        " since your last visit</span></span>"
    )


def bookmark_button(paper: Paper, *, signed_in: bool) -> str:
    """The bookmark button (`paper.is_bookmarked`, Paper.objects.with_is_bookmarked).

    Cards sit inside the list page's filter form and forms cannot nest, so the button
    is a lone submit button: without JavaScript it submits the header's empty POST
    form #paper-action (CSRF token and `next`, in _account_nav.html) to its own
    `formaction`; with htmx it posts only its own value and swaps itself for the
    response (push-url and sync are set here, else they would be inherited from the
    filter form). Signed out, the same button leads to log in, and the bookmark is
    made after it (papers/views/accounts.py).
    """
    bookmarked = bool(getattr(paper, "is_bookmarked", False))
    url = escape(reverse("papers:bookmark-toggle", args=[paper.pk]))
    state = ""
    if signed_in:
        state = (
            f' name="bookmark-state" value="{"0" if bookmarked else "1"}"'
            f' aria-pressed="{"true" if bookmarked else "false"}"'
        )
    # The words are the button's name; a compact list shows only the star (site.css).
    if not signed_in:
        star, words = "☆", "Log in to bookmark"
    elif bookmarked:
        star, words = "★", "Remove bookmark"
    else:
        star, words = "☆", "Bookmark"
    secondary = "" if bookmarked else " button-secondary"
    return (
        f'<button type="submit" form="paper-action" formaction="{url}"{state}'
        f' hx-post="{url}" hx-params="bookmark-state" hx-target="this"'
        ' hx-swap="outerHTML" hx-push-url="false" hx-sync="this:drop"'
        f' class="button{secondary} bookmark-button" id="bookmark-{paper.pk}">\n'
        f'<span aria-hidden="true">{star}</span>'
        f' <span class="bookmark-label">{words}</span>\n</button>'
    )


def dismiss_button(paper: Paper) -> str:
    """ "Not interested" for a signed-in reader (`paper.is_dismissed`,
    Paper.objects.with_is_dismissed): a lone submit button, like the bookmark's."""
    dismissed = bool(getattr(paper, "is_dismissed", False))
    url = escape(reverse("papers:dismiss-toggle", args=[paper.pk]))
    words = "Undo “not interested”" if dismissed else "Not interested"
    return (
        f'<button type="submit" form="paper-action" formaction="{url}"'
        f' name="dismiss-state" value="{"0" if dismissed else "1"}"'
        f' hx-post="{url}" hx-params="dismiss-state" hx-target="this"'
        ' hx-swap="outerHTML" hx-push-url="false" hx-sync="this:drop"'
        f' class="button button-secondary dismiss-button" id="dismiss-{paper.pk}"'
        f' aria-pressed="{"true" if dismissed else "false"}">\n{words}\n</button>'
    )


def reader_buttons(paper: Paper, *, signed_in: bool) -> str:
    """The "new" badge, the bookmark button and, signed in, "not interested"."""
    parts = [new_badge(paper), bookmark_button(paper, signed_in=signed_in)]
    if signed_in:
        parts.append(dismiss_button(paper))
    return "\n".join(part for part in parts if part)


def paper_card(
    paper: Paper,
    *,
    words: Sequence[str],
    on_day: datetime.date | None,
    actions: str,
) -> str:
    """A paper as a card. `words` are the searched words to mark; under a day's
    heading (`on_day`) the card lists only the paper's other digest days; `actions`
    is the reader's controls, already rendered."""
    list_url = reverse("papers:list")
    pk = paper.pk
    names = paper.author_names
    authors = (
        "\n".join(
            [
                '<ul class="paper-authors" aria-label="Authors">',
                *_authors(names, list_url, titled=True),
                "</ul>",
            ]
        )
        if names
        else ""
    )
    if on_day:
        days = _days("Also in the digest of", getattr(paper, "other_days", None) or ())
    else:
        days = _days("In the digest of", paper.digest_dates)
    parts = [
        f'<article class="paper-card" id="paper-{pk}" '
        f'aria-labelledby="paper-{pk}-title">',
        _title(paper, words),
        authors,
        _tags(paper.tag_names, list_url, titled=True),
        days,
        _summary(paper, words),
        _links(paper.link_buttons),
        _citation(paper),
        actions,
        "</article>",
    ]
    return "\n".join(part for part in parts if part)


def paper_row(paper: Paper, *, words: Sequence[str], signed_in: bool) -> str:
    """A paper as a row of the compact list: the title, then the first three authors,
    the tags, the link pills, the "new" badge and the bookmark button."""
    list_url = reverse("papers:list")
    pk = paper.pk
    names = paper.author_names
    authors = ""
    if names:
        # One line: whitespace between the items would show before the commas.
        more = ""
        if len(names) > 3:
            others = len(names) - 3
            more = (
                '<li class="paper-authors-more">et al.<span class="visually-hidden"> '
                f"({others} more author{'' if others == 1 else 's'})</span></li>"
            )
        authors = (
            '<ul class="paper-authors" aria-label="Authors">'
            f"{''.join(_authors(names[:3], list_url, titled=False))}{more}</ul>"
        )
    meta = [
        '<div class="paper-row-meta">',
        authors,
        _tags(paper.tag_names, list_url, titled=False),
        "</div>",
    ]
    parts = [
        f'<article class="paper-row" id="paper-{pk}" '
        f'aria-labelledby="paper-{pk}-title">',
        _title(paper, words),
        "\n".join(part for part in meta if part),
        _links(paper.link_buttons),
        "\n".join(
            part
            for part in (
                '<div class="paper-row-actions">',
                new_badge(paper),
                bookmark_button(paper, signed_in=signed_in),
            )
            if part
        )
        + "\n</div>",
        "</article>",
    ]
    return "\n".join(part for part in parts if part)
