"""A reader's saved searches: the canonical query string a list state is saved as, and
how many papers are new to each search since the reader last opened it.

A saved state is the list page's query string with only the list page's parameters
(filters, `tag_mode`, `sort`), cleaned as the list's clean URLs are
(papers.clean_urls), without `page` and without the facet search boxes (`author_q`,
`tag_q`), which narrow the facets shown but not the papers. So two ways of writing
one state save the same string, and the header's link opens a clean URL.

"New" means added to the site (`Paper.created_at`) after the search was last opened,
as "new since your last visit" does; the counts come from the browse engine.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence

from django.core.exceptions import TooManyFieldsSent
from django.http import QueryDict
from django.urls import reverse

from papers.browse.engine import Scope, count_among
from papers.browse.reader import Reader
from papers.clean_urls import clean_params
from papers.filters import PaperFilter, PaperFilterForm
from papers.models import Paper, ReaderProfile, SavedSearch

# What a saved state keeps: the list page's filters and how it orders them.
SAVED_PARAMETERS = frozenset(PaperFilter.base_filters) | (
    frozenset(PaperFilterForm.base_fields) - {"page"}
)


class UnreadableQuery(ValueError):
    """The text is not a query string the site can read (too many parameters)."""


def canonical_params(params: QueryDict) -> QueryDict:
    """`params` as a saved search keeps them: the list page's parameters only, blank
    and default values dropped, order and repeated values kept."""
    kept = QueryDict(mutable=True)
    for key, values in params.lists():
        if key in SAVED_PARAMETERS:
            kept.setlist(key, values)
    return clean_params(kept, default_sort="newest")


def parse_query(text: str) -> QueryDict:
    """The parameters of a query string as written in a form ("?" optional)."""
    try:
        return QueryDict(text.strip().removeprefix("?"))
    except TooManyFieldsSent as error:
        raise UnreadableQuery("The search has too many parameters.") from error


def state_errors(params: QueryDict, reader: Reader) -> dict[str, list[str]]:
    """What the list page's form says is wrong with the state; empty when valid."""
    filterset = PaperFilter(params, queryset=Paper.objects.none(), reader=reader)
    if filterset.is_valid():
        return {}
    return {
        name: [str(message) for message in messages]
        for name, messages in filterset.form.errors.items()
    }


def reader_of(user) -> Reader:
    """The user as a browsing reader, without a request (a feed reader asking for
    their private feed): their own filters apply, "new" since their previous visit."""
    since = (
        ReaderProfile.objects.filter(user=user)
        .values_list("previous_visit_at", flat=True)
        .first()
    )
    return Reader(user=user, since=since)


@dataclasses.dataclass(frozen=True)
class SavedSearchCount:
    search: SavedSearch
    new: int | None  # None: the saved state no longer reads (a filter was removed)

    @property
    def filters(self) -> list[tuple[str, str]]:
        """The saved parameters, one (name, value) pair per value, as saved."""
        params = QueryDict(self.search.query_string)
        return [(name, value) for name, values in params.lists() for value in values]


def with_new_counts(
    searches: Sequence[SavedSearch], reader: Reader
) -> list[SavedSearchCount]:
    """Each search with how many of its papers were added since it was last opened.

    One query finds the papers added since the earliest of those moments; the browse
    engine then counts, per search, those of its own moment that its state selects.
    """
    if not searches:
        return []
    earliest = min(search.last_opened_at for search in searches)
    added: list[tuple[int, datetime.datetime]] = list(
        Paper.objects.created_since(earliest).order_by().values_list("pk", "created_at")
    )
    states = [
        (
            QueryDict(search.query_string),
            [pk for pk, created in added if created > search.last_opened_at],
        )
        for search in searches
    ]
    counts = count_among(Scope(path=reverse("papers:list")), reader, states)
    return [
        SavedSearchCount(search, count)
        for search, count in zip(searches, counts, strict=True)
    ]
