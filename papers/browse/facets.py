"""The facets of the browse pages, one protocol for all of them.

A facet (tag, author, month, has_code, has_hf) names the filters it ignores (its own
selection), counts the papers of a mask per value with the facet index, and turns the
counts into a `Facet`: values by count, `limit + 1` truncation into a `truncated` flag,
selected values always listed, each with the URL that toggles it.

Semantics (README, "Different facets are AND'ed"): a facet's counts apply every other
active filter but not its own selection, so each count says what choosing that value
would give; with `tag_mode=all` the tag counts keep the tag selection (drill-down), and
`tag_not` counts as another filter. The date range is the month facet's own selection.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np
from django.http import QueryDict

from papers.browse.index import FacetIndex
from papers.browse.querystring import (
    BOOLEAN_LABELS,
    month_bounds,
    replace_url,
    toggle_url,
    url_replacing,
)

AUTHOR_LIMIT = 20
# Tags (and authors) shown before the "show more" toggle (the templates split there):
# few enough that the facets below them stay in view.
TAG_HEAD = 8
MAX_FACET_SEARCH = 100


@dataclass(frozen=True)
class FacetValue:
    value: str  # as it goes in the URL
    label: str
    count: int | None  # None when the query string is invalid and nothing was counted
    selected: bool
    toggle_url: str
    # Tags only: "no <tag>" (tag_not), and whether the tag is excluded now.
    exclude_url: str = ""
    excluded: bool = False


@dataclass(frozen=True)
class Facet:
    name: str  # the URL parameter, or "month" (which sets date_from/date_to)
    values: tuple[FacetValue, ...]
    truncated: bool = False  # more values exist than are listed
    # Tags only: the excluded tags, listed apart (their count is 0 by definition).
    excluded: tuple[FacetValue, ...] = ()

    @property
    def head(self) -> tuple[FacetValue, ...]:
        return self.values[:TAG_HEAD]

    @property
    def tail(self) -> tuple[FacetValue, ...]:
        return self.values[TAG_HEAD:]

    @property
    def tail_has_selection(self) -> bool:
        return any(value.selected for value in self.tail)

    @property
    def newest_first(self) -> tuple[FacetValue, ...]:
        return tuple(sorted(self.values, key=lambda value: value.value, reverse=True))


@dataclass(frozen=True)
class Facets:
    tag: Facet
    author: Facet
    has_code: Facet
    has_hf: Facet
    month: Facet

    def as_list(self) -> list[Facet]:
        return [self.tag, self.author, self.has_code, self.has_hf, self.month]


@dataclass(frozen=True)
class FacetRequest:
    """What a facet needs besides counts: the selection and where links point."""

    data: dict[str, Any]  # the validated filters
    path: str
    params: QueryDict
    # The facet search boxes: the tag names, and the author values (a mask over the
    # index's authors), that match them; None when the box is empty.
    tag_allowed: frozenset[str] | None = None
    author_allowed: np.ndarray | None = None
    # The selected author names and their values in the index (None: no papers).
    author_values: dict[str, int | None] | None = None


def by_count_then_label(values: Iterable[FacetValue]) -> tuple[FacetValue, ...]:
    return tuple(sorted(values, key=lambda value: (-value.count, value.label.lower())))


class FacetKind(Protocol):
    name: ClassVar[str]

    def ignores(self, data: dict[str, Any]) -> tuple[str, ...]:
        """The filters left out of this facet's counts: its own selection."""

    def counts(
        self, index: FacetIndex, mask: np.ndarray | None, request: FacetRequest
    ) -> np.ndarray:
        """Papers per value among the papers of `mask` (None: every paper); exact
        for every value `facet_results` may list."""

    def facet_results(
        self, index: FacetIndex, counts: np.ndarray, request: FacetRequest
    ) -> Facet:
        """The facet as listed, labelled from the index."""


class TagFacet:
    name = "tag"

    def ignores(self, data: dict[str, Any]) -> tuple[str, ...]:
        return () if data.get("tag_mode") == "all" else ("tag",)

    def counts(self, index, mask, request) -> np.ndarray:
        return index.tags.counts(mask)

    def facet_results(self, index, counts, request) -> Facet:
        data, path, params = request.data, request.path, request.params
        selected = data.get("tag") or []
        excluded = data.get("tag_not") or []
        found = {
            index.tag_names[value]: int(counts[value])
            for value in np.flatnonzero(counts)
            if request.tag_allowed is None
            or index.tag_names[value] in request.tag_allowed
        }
        # A selected tag stays listed (so it can be unticked) even without papers.
        for name in selected:
            found.setdefault(name, 0)

        def value(name: str, count: int) -> FacetValue:
            return FacetValue(
                value=name,
                label=name,
                count=count,
                selected=name in selected,
                toggle_url=toggle_url(
                    path, params, "tag", name, also_remove_from=["tag_not"]
                ),
                exclude_url=toggle_url(
                    path, params, "tag_not", name, also_remove_from=["tag"]
                ),
                excluded=name in excluded,
            )

        return Facet(
            name="tag",
            values=by_count_then_label(
                value(name, count)
                for name, count in found.items()
                if name not in excluded
            ),
            excluded=tuple(value(name, 0) for name in excluded),
        )


class AuthorFacet:
    """The `limit` authors with most papers, plus the selected ones."""

    name = "author"

    def __init__(self, limit: int = AUTHOR_LIMIT) -> None:
        self.limit = limit

    def ignores(self, data: dict[str, Any]) -> tuple[str, ...]:
        return ("author",)

    def counts(self, index, mask, request) -> np.ndarray:
        links = index.authors
        if mask is None or request.author_allowed is not None:
            return links.counts(mask)
        if np.count_nonzero(mask) * 16 < len(mask):
            return links.counts(mask)  # few papers: their own links are cheap
        # Many papers: count authors in order of their overall totals and stop once
        # no author left can reach the (limit+1)-th count (a count never exceeds the
        # total). The selected authors are counted whatever their totals.
        counts = np.zeros(links.size, dtype=np.int64)
        selected = [v for v in (request.author_values or {}).values() if v is not None]
        if selected:
            counts[selected] = links.counts_of(np.asarray(selected), mask)
        order = links.by_total
        done, chunk = 0, 256
        while done < len(order):
            batch = order[done : done + chunk]
            counts[batch] = links.counts_of(batch, mask)
            done += len(batch)
            chunk *= 2
            others = counts[order[:done]].copy()
            others[np.isin(order[:done], selected)] = 0
            if np.count_nonzero(others) > self.limit:
                kth = -np.partition(-others, self.limit)[self.limit]
                if done < len(order) and links.totals[order[done]] < kth:
                    break
        return counts

    def top_values(self, counts: np.ndarray, selected: Iterable[int]) -> np.ndarray:
        """The author values of the `limit + 1` most counted unselected authors; ties
        go to the lower author id (values follow ids)."""
        counts = counts.copy()
        counts[list(selected)] = 0
        candidates = np.flatnonzero(counts)
        if len(candidates) > self.limit + 1:
            # Every author counted at least as much as the (limit+1)-th stays in play.
            kth = -np.partition(-counts[candidates], self.limit)[self.limit]
            candidates = candidates[counts[candidates] >= kth]
        order = np.lexsort((candidates, -counts[candidates]))
        return candidates[order][: self.limit + 1]

    def facet_results(self, index, counts, request) -> Facet:
        if request.author_allowed is not None:
            counts = np.where(request.author_allowed, counts, 0)
        selected_values = request.author_values or {}
        chosen = [value for value in selected_values.values() if value is not None]
        top = self.top_values(counts, chosen)
        found = {
            name: 0 if value is None else int(counts[value])
            for name, value in selected_values.items()
        }
        labelled = ((index.author_names[int(value)], value) for value in top)
        others = [
            (label, int(counts[value]))
            for label, value in labelled
            if label is not None
        ]
        truncated = len(others) > self.limit
        found.update(others[: self.limit])
        selected = set(selected_values)
        return Facet(
            name="author",
            values=by_count_then_label(
                FacetValue(
                    value=name,
                    label=name,
                    count=count,
                    selected=name in selected,
                    toggle_url=toggle_url(request.path, request.params, "author", name),
                )
                for name, count in found.items()
            ),
            truncated=truncated,
        )


class BooleanFacet:
    """Yes and no counts for has_code or has_hf (both always listed, yes first)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def ignores(self, data: dict[str, Any]) -> tuple[str, ...]:
        return (self.name,)

    def counts(self, index, mask, request) -> np.ndarray:
        flags = getattr(index, self.name)
        if mask is None:
            yes, total = np.count_nonzero(flags), len(flags)
        else:
            yes, total = np.count_nonzero(flags & mask), np.count_nonzero(mask)
        return np.array([total - yes, yes])  # [no, yes]

    def facet_results(self, index, counts, request) -> Facet:
        current = request.data.get(self.name) or ""
        values = []
        for value, count in (("1", counts[1]), ("0", counts[0])):
            selected = current == value
            values.append(
                FacetValue(
                    value=value,
                    label=BOOLEAN_LABELS[self.name][value],
                    count=int(count),
                    selected=selected,
                    toggle_url=replace_url(
                        request.path,
                        request.params,
                        **{self.name: None if selected else value},
                    ),
                )
            )
        # With before Without, whatever the counts: options that swap places between
        # pages are clicked by mistake.
        return Facet(name=self.name, values=tuple(values))


class MonthFacet:
    """Papers per month of their digest days; a month is selected when the date
    range is exactly that month."""

    name = "month"

    def ignores(self, data: dict[str, Any]) -> tuple[str, ...]:
        return ("date_from", "date_to")

    def counts(self, index, mask, request) -> np.ndarray:
        return index.months.counts(mask)

    def facet_results(self, index, counts, request) -> Facet:
        current = (request.data.get("date_from"), request.data.get("date_to"))
        found = [
            (int(counts[value]), int(index.month_numbers[value]))
            for value in np.flatnonzero(counts)
        ]
        found.sort(key=lambda item: (-item[0], item[1]))
        url = url_replacing(request.path, request.params, "date_from", "date_to")
        values = []
        for count, number in found:
            month = _month(number)
            selected = current == (month.start, month.end)
            values.append(
                FacetValue(
                    value=month.value,
                    label=month.label,
                    count=count,
                    selected=selected,
                    toggle_url=url(date_from=None, date_to=None)
                    if selected
                    else url(date_from=month.first_day, date_to=month.last_day),
                )
            )
        return Facet(name="month", values=tuple(values))


@dataclass(frozen=True)
class _Month:
    value: str  # 2025-03
    label: str  # March 2025
    start: datetime.date
    end: datetime.date
    first_day: str  # as the date_from/date_to parameters write them
    last_day: str


@functools.lru_cache(maxsize=4096)
def _month(number: int) -> _Month:
    """A month (YYYYMM) as its facet value shows it: the same every request."""
    month = datetime.date(number // 100, number % 100, 1)
    start, end = month_bounds(month)
    return _Month(
        value=f"{month:%Y-%m}",
        label=f"{month:%B %Y}",
        start=start,
        end=end,
        first_day=start.isoformat(),
        last_day=end.isoformat(),
    )


def selection_facets(data: dict[str, Any], *, path: str, params: QueryDict) -> Facets:
    """The current selection without counts, for a query string with an error: the
    page can still show (and submit) what was chosen; nothing is counted."""
    from papers.filters import MAX_VALUES

    def chosen(name: str) -> list[str]:
        if name in data:
            return data[name] or []
        return list(dict.fromkeys(params.getlist(name)))[:MAX_VALUES]

    def values(name: str) -> tuple[FacetValue, ...]:
        return tuple(
            FacetValue(
                value=value,
                label=value,
                count=None,
                selected=True,
                toggle_url=toggle_url(path, params, name, value),
                exclude_url=(
                    toggle_url(path, params, "tag_not", value, also_remove_from=["tag"])
                    if name == "tag"
                    else ""
                ),
                excluded=name == "tag_not",
            )
            for value in chosen(name)
        )

    def boolean(name: str) -> Facet:
        current = data.get(name) or ""
        return Facet(
            name=name,
            values=tuple(
                FacetValue(
                    value=value,
                    label=BOOLEAN_LABELS[name][value],
                    count=None,
                    selected=current == value,
                    toggle_url=replace_url(path, params, **{name: value}),
                )
                for value in ("1", "0")
            ),
        )

    return Facets(
        tag=Facet(name="tag", values=values("tag"), excluded=values("tag_not")),
        author=Facet(name="author", values=values("author")),
        has_code=boolean("has_code"),
        has_hf=boolean("has_hf"),
        month=Facet(name="month", values=()),
    )
