"""The HTML of long facet value lists: tags, authors and months.

The list page shows a few hundred facet values (every tag with a checkbox and a "not"
link, every month, the top authors). As template includes they cost some twenty
template nodes each, the largest part of the sidebar's time; built here, with
`escape()` on every label and URL (tag and author names come from the digests), a
tenth of it. The values come from papers.browse.facets (`FacetValue`).

"\n" stands wherever the template partials these replace had whitespace between
elements: between inline elements it shows as a space.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from html import escape  # what django.utils.html.escape() calls, minus its lazy checks

from django.utils.translation import ngettext

from papers.browse.facets import FacetValue


def _paper_words() -> Callable[[int], str]:
    # "paper" or "papers" for a count, translated once per number in a list: a
    # translation lookup costs more than the rest of a value's HTML.
    return functools.cache(lambda count: ngettext("paper", "papers", count))


def facet_count(count: int | None, words: Callable[[int], str] | None = None) -> str:
    """A value's count, spoken as "12 papers"; nothing when nothing was counted
    (an invalid query string)."""
    if count is None:
        return ""
    spoken = (words or _paper_words())(count)
    return (
        f'<span class="facet-count">{count}'
        f'<span class="visually-hidden"> {spoken}</span></span>'
    )


def _selected(value: FacetValue) -> tuple[str, str]:
    """The item's class and the checkbox's `checked`."""
    if value.selected:
        return "facet-value is-selected", " checked"
    return "facet-value", ""


def _checkbox_item(
    name: str, value: FacetValue, words: Callable[[int], str], after_label: str = ""
) -> str:
    css_class, checked = _selected(value)
    label = escape(value.label)
    parts = [
        f'<li class="{css_class}">',
        "<label>",
        f'<input type="checkbox" name="{name}" value="{escape(value.value)}"{checked}>',
        f'<span class="facet-label">{label}</span>',
        facet_count(value.count, words),
        "</label>",
    ]
    if after_label:
        parts.append(after_label)
    parts.append("</li>")
    return "\n".join(parts)


def tag_values(values: Iterable[FacetValue]) -> str:
    """Tag checkboxes, each with its "not <tag>" link (`exclude_url`)."""
    items, words = [], _paper_words()
    for value in values:
        label = escape(value.label)
        exclude = (
            f'<a class="facet-exclude" href="{escape(value.exclude_url)}" '
            f'title="Leave out papers tagged {label}">not'
            f'<span class="visually-hidden"> {label}</span></a>'
        )
        items.append(_checkbox_item("tag", value, words, exclude))
    return "\n".join(items)


def excluded_tag_values(values: Iterable[FacetValue]) -> str:
    """The excluded tags: ticked `tag_not` checkboxes (unticking one brings the tag
    back)."""
    return "\n".join(
        "\n".join(
            [
                '<li class="facet-value is-excluded">',
                "<label>",
                '<input type="checkbox" name="tag_not" '
                f'value="{escape(value.value)}" checked>',
                f'<span class="facet-label">not {escape(value.label)}</span>',
                "</label>",
                "</li>",
            ]
        )
        for value in values
    )


def author_values(values: Iterable[FacetValue]) -> str:
    """Author checkboxes."""
    words = _paper_words()
    return "\n".join(_checkbox_item("author", value, words) for value in values)


def month_links(values: Iterable[FacetValue]) -> str:
    """Months as links that set (or clear) the date range to the month."""
    items, words = [], _paper_words()
    for value in values:
        css_class, _ = _selected(value)
        current = ' aria-current="true"' if value.selected else ""
        items.append(
            f'<li class="{css_class}"><a href="{escape(value.toggle_url)}"{current}>'
            f'<span class="facet-label">{escape(value.label)}</span>'
            f"{facet_count(value.count, words)}</a></li>"
        )
    return "\n".join(items)
