"""Template tags over papers.facet_html: `{% tag_values facet.head %}`,
`{% excluded_tag_values facet.excluded %}`, `{% author_values facet.head %}`,
`{% month_links facet.newest_first %}` and `{% facet_count value.count %}`."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe

from papers import facet_html
from papers.browse.facets import FacetValue

register = template.Library()

# papers.facet_html escapes every label, value and URL.


@register.simple_tag
def facet_count(count: int | None) -> SafeString:
    return mark_safe(facet_html.facet_count(count))  # noqa: S308


@register.simple_tag
def tag_values(values: Iterable[FacetValue]) -> SafeString:
    return mark_safe(facet_html.tag_values(values))  # noqa: S308


@register.simple_tag
def excluded_tag_values(values: Iterable[FacetValue]) -> SafeString:
    return mark_safe(facet_html.excluded_tag_values(values))  # noqa: S308


@register.simple_tag
def author_values(values: Iterable[FacetValue]) -> SafeString:
    return mark_safe(facet_html.author_values(values))  # noqa: S308


@register.simple_tag
def month_links(values: Iterable[FacetValue]) -> SafeString:
    return mark_safe(facet_html.month_links(values))  # noqa: S308
