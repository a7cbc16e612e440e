"""Facet counts and the links that change one filter, as small dataclasses.

A facet's counts come from the papers matching every other active filter but not the
facet's own selection, so each count says what adding that value would give; with
`tag_mode=all` the tag counts keep the current tag selection (drill-down). Each facet is
one `values(...).annotate(Count(...))` query.

Links keep the rest of the query string, drop `page` (the result set changes) and stay
on the page's own path, so the author and tag pages keep their scope. The URL helpers
touch no database.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import (
    Case,
    CharField,
    Count,
    Func,
    IntegerField,
    Max,
    QuerySet,
    Value,
    When,
)
from django.http import QueryDict

from papers.count_cache import cached_rows
from papers.filters import MAX_VALUES, SORTS, PaperFilter
from papers.models import Appearance, Author, Authorship, Paper, Tag

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

AUTHOR_LIMIT = 20
# Tags (and authors) shown before the "show more" toggle (the templates split there):
# few enough that the facets below them stay in view.
TAG_HEAD = 8
MAX_FACET_SEARCH = 100


# --- Links: pure functions over a copy of the query string ---


def build_url(path: str, params: QueryDict) -> str:
    query = params.urlencode()
    return f"{path}?{query}" if query else path


def toggle_url(
    path: str,
    params: QueryDict,
    key: str,
    value: str,
    *,
    also_remove_from: Sequence[str] = (),
) -> str:
    """The URL with `value` added to the repeatable `key`, or removed if present.

    `also_remove_from` names keys that must not keep the value at the same time,
    e.g. including a tag drops it from `tag_not` and the other way round.
    """
    params = params.copy()
    values = params.getlist(key)
    if value in values:
        values = [item for item in values if item != value]
    else:
        values.append(value)
        for other in also_remove_from:
            params.setlist(
                other, [item for item in params.getlist(other) if item != value]
            )
    params.setlist(key, values)
    params.pop("page", None)
    return build_url(path, params)


def replace_url(path: str, params: QueryDict, **values: str | None) -> str:
    """The URL with single-valued keys set, or removed where the value is None."""
    params = params.copy()
    for key, value in values.items():
        if value is None:
            params.pop(key, None)
        else:
            params.setlist(key, [value])
    params.pop("page", None)
    return build_url(path, params)


# --- Dataclasses ---


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
class Chip:
    """An active filter, shown with a link that removes it."""

    label: str
    remove_url: str
    kind: str = ""  # "exclude" for tag_not chips
    value: str = ""


@dataclass(frozen=True)
class QuickRange:
    label: str
    url: str
    selected: bool


@dataclass(frozen=True)
class Facets:
    tag: Facet
    author: Facet
    has_code: Facet
    has_hf: Facet
    month: Facet

    def as_list(self) -> list[Facet]:
        return [self.tag, self.author, self.has_code, self.has_hf, self.month]


def _by_count_then_label(values: Iterable[FacetValue]) -> tuple[FacetValue, ...]:
    return tuple(sorted(values, key=lambda value: (-value.count, value.label.lower())))


# --- Facet queries ---


def _restrict(rows: QuerySet, filterset: PaperFilter, *skip: str) -> QuerySet:
    """`rows` (of a table with a `paper` key) for the papers matching every filter
    except `skip`.

    When nothing constrains the papers (the home page), the rows are counted whole:
    an `IN (every paper id)` would make the database build and probe a set of them all.
    """
    papers = filterset.qs_for_counting(*skip)
    if not papers.query.where:
        return rows
    key = "pk" if rows.model is Paper else "paper"
    return rows.filter(**{f"{key}__in": papers.values("pk")})


def _fetch(rows: QuerySet, *, shared: bool) -> list:
    """Run a facet's query; `shared` ones (the same for every visitor) are cached."""
    return cached_rows(rows) if shared else list(rows)


class MonthOf(Func):
    """A date's month as "YYYY-MM", computed by the database's own string functions
    (Django's TruncMonth calls back into Python for every row on SQLite)."""

    output_field = CharField()

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list]:
        return super().as_sql(
            compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM')"
        )

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list]:
        return super().as_sql(
            compiler, connection, template="substr(%(expressions)s, 1, 7)"
        )


def tag_facet(
    filterset: PaperFilter,
    *,
    path: str,
    params: QueryDict,
    contains: str = "",
    shared: bool = False,
) -> Facet:
    """Every tag with papers under the other filters (or the drill-down), by count.

    `tag_not` counts as another filter here: a tag's count is what adding it gives,
    and adding it keeps the exclusions.
    """
    data = filterset.form.cleaned_data
    selected = data.get("tag") or []
    excluded = data.get("tag_not") or []
    skip = () if filterset.tag_match == "all" else ("tag",)
    rows = _restrict(Paper.tags.through.objects.all(), filterset, *skip)
    if contains:
        rows = rows.filter(tag__name__icontains=contains[:MAX_FACET_SEARCH])
    # Grouped by id, which the link table's index covers; names are looked up after.
    by_id = _fetch(
        rows.values_list("tag_id").annotate(count=Count("paper")).order_by(),
        shared=shared,
    )
    names = dict(
        Tag.objects.filter(pk__in=[tag_id for tag_id, _ in by_id]).values_list(
            "pk", "name"
        )
    )
    counts = {names[tag_id]: count for tag_id, count in by_id if tag_id in names}
    # A selected tag stays listed (so it can be unticked) even when it has no papers.
    for name in selected:
        counts.setdefault(name, 0)

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

    values = [
        value(name, count) for name, count in counts.items() if name not in excluded
    ]
    return Facet(
        name="tag",
        values=_by_count_then_label(values),
        excluded=tuple(value(name, 0) for name in excluded),
    )


def author_facet(
    filterset: PaperFilter,
    *,
    path: str,
    params: QueryDict,
    contains: str = "",
    limit: int = AUTHOR_LIMIT,
    shared: bool = False,
) -> Facet:
    """The `limit` authors with most papers under the other filters, plus the selected.

    One query: selected authors sort first, then `limit + 1` others, the extra one
    only telling that the list is truncated.
    """
    selected = filterset.form.cleaned_data.get("author") or []
    rows = _restrict(Authorship.objects.all(), filterset, "author")
    if contains:
        rows = rows.filter(author__name__icontains=contains[:MAX_FACET_SEARCH])
    chosen = (
        Max(
            Case(
                When(
                    author_id__in=Author.objects.filter(name__in=selected).values("pk"),
                    then=Value(1),
                ),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        if selected
        else Max(Value(0, output_field=IntegerField()))
    )
    # Grouped by id, which the authorship index covers; names are looked up after.
    # Ties on the count are broken by id here and by name below.
    top = _fetch(
        rows.values_list("author_id")
        .annotate(count=Count("paper"), chosen=chosen)
        .order_by("-chosen", "-count", "author_id")[: len(selected) + limit + 1],
        shared=shared,
    )
    names = dict(
        Author.objects.filter(pk__in=[row[0] for row in top]).values_list("pk", "name")
    )
    counts = {name: 0 for name in selected}
    others = []
    for author_id, count, is_chosen in top:
        if author_id not in names:
            continue
        if is_chosen:
            counts[names[author_id]] = count
        else:
            others.append((names[author_id], count))
    truncated = len(others) > limit
    counts.update(others[:limit])
    values = [
        FacetValue(
            value=name,
            label=name,
            count=count,
            selected=name in selected,
            toggle_url=toggle_url(path, params, "author", name),
        )
        for name, count in counts.items()
    ]
    return Facet(
        name="author", values=_by_count_then_label(values), truncated=truncated
    )


BOOLEAN_LABELS = {
    "has_code": {"1": "With code", "0": "Without code"},
    "has_hf": {"1": "With Hugging Face links", "0": "Without Hugging Face links"},
}


def boolean_facet(
    filterset: PaperFilter,
    name: str,
    *,
    path: str,
    params: QueryDict,
    shared: bool = False,
    counts: dict[bool, int] | None = None,
) -> Facet:
    """Yes and no counts for has_code or has_hf (both always listed, yes first).

    `counts` may come from `both_boolean_counts`, which serves both facets at once.
    """
    current = filterset.form.cleaned_data.get(name) or ""
    if counts is None:
        rows = _restrict(Paper.objects.all(), filterset, name)
        counts = dict(
            _fetch(
                rows.values_list(name).annotate(count=Count("pk")).order_by(),
                shared=shared,
            )
        )
    values = []
    for value, flag in (("1", True), ("0", False)):
        selected = current == value
        values.append(
            FacetValue(
                value=value,
                label=BOOLEAN_LABELS[name][value],
                count=counts.get(flag, 0),
                selected=selected,
                toggle_url=replace_url(
                    path, params, **{name: None if selected else value}
                ),
            )
        )
    # With before Without, whatever the counts: options that swap places between
    # pages are clicked by mistake.
    return Facet(name=name, values=tuple(values))


def both_boolean_counts(
    filterset: PaperFilter, *, shared: bool = False
) -> tuple[dict[bool, int], dict[bool, int]] | None:
    """has_code and has_hf counts from one query, or None when either is selected.

    With neither selected, both facets count the same papers (all the filters), so
    one GROUP BY over the pair gives both.
    """
    data = filterset.form.cleaned_data
    if data.get("has_code") or data.get("has_hf"):
        return None
    rows = _fetch(
        _restrict(Paper.objects.all(), filterset)
        .values_list("has_code", "has_hf")
        .annotate(count=Count("pk"))
        .order_by(),
        shared=shared,
    )
    code: dict[bool, int] = {}
    hugging_face: dict[bool, int] = {}
    for has_code, has_hf, count in rows:
        code[has_code] = code.get(has_code, 0) + count
        hugging_face[has_hf] = hugging_face.get(has_hf, 0) + count
    return code, hugging_face


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=1), month.replace(day=last)


def month_facet(
    filterset: PaperFilter, *, path: str, params: QueryDict, shared: bool = False
) -> Facet:
    """Papers per month of their digest days; the date range is this facet's own
    selection, so it is ignored, and a month is selected when the range is exactly it.
    """
    data = filterset.form.cleaned_data
    current = (data.get("date_from"), data.get("date_to"))
    rows = _fetch(
        _restrict(Appearance.objects.all(), filterset, "date_from", "date_to")
        .annotate(month=MonthOf("date"))
        .values_list("month")
        .annotate(count=Count("paper", distinct=True))
        .order_by("-count", "month"),
        shared=shared,
    )
    values = []
    for label, count in rows:
        month = datetime.date(int(label[:4]), int(label[5:7]), 1)
        start, end = month_bounds(month)
        selected = current == (start, end)
        values.append(
            FacetValue(
                value=f"{month:%Y-%m}",
                label=f"{month:%B %Y}",
                count=count,
                selected=selected,
                toggle_url=(
                    replace_url(path, params, date_from=None, date_to=None)
                    if selected
                    else replace_url(
                        path,
                        params,
                        date_from=start.isoformat(),
                        date_to=end.isoformat(),
                    )
                ),
            )
        )
    return Facet(name="month", values=tuple(values))


def compute_facets(
    filterset: PaperFilter,
    *,
    path: str,
    params: QueryDict,
    author_contains: str = "",
    tag_contains: str = "",
    shared: bool = False,
) -> Facets:
    """Every facet of a valid, bound filterset: at most seven queries, fewer when
    neither boolean facet is selected or when cached.

    `shared` says the counts are the same for every visitor (no reader's own marks
    are involved), so they may come from and go to the shared count cache.
    """
    code_counts, hf_counts = both_boolean_counts(filterset, shared=shared) or (
        None,
        None,
    )
    return Facets(
        tag=tag_facet(
            filterset, path=path, params=params, contains=tag_contains, shared=shared
        ),
        author=author_facet(
            filterset,
            path=path,
            params=params,
            contains=author_contains,
            shared=shared,
        ),
        has_code=boolean_facet(
            filterset,
            "has_code",
            path=path,
            params=params,
            shared=shared,
            counts=code_counts,
        ),
        has_hf=boolean_facet(
            filterset,
            "has_hf",
            path=path,
            params=params,
            shared=shared,
            counts=hf_counts,
        ),
        month=month_facet(filterset, path=path, params=params, shared=shared),
    )


def selection_facets(form: forms.Form, *, path: str, params: QueryDict) -> Facets:
    """The current selection without counts, for a query string with an error.

    The page can then still show (and submit) what was chosen; no query runs.
    """
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}

    def chosen(name: str) -> list[str]:
        if name in data:
            return data[name]
        return list(dict.fromkeys(params.getlist(name)))[:MAX_VALUES]

    def values(name: str, *, remove_from: Sequence[str] = ()) -> tuple:
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


# --- Active filters and quick date ranges (no queries) ---


def active_filters(cleaned_data: dict, *, path: str, params: QueryDict) -> list[Chip]:
    """One removable chip per active filter value, in the form's order."""
    chips = []
    if cleaned_data.get("q"):
        chips.append(
            Chip(f"“{cleaned_data['q']}”", replace_url(path, params, q=None), "search")
        )
    for name in cleaned_data.get("tag") or []:
        chips.append(Chip(name, toggle_url(path, params, "tag", name), "tag", name))
    for name in cleaned_data.get("tag_not") or []:
        chips.append(
            Chip(
                f"not {name}",
                toggle_url(path, params, "tag_not", name),
                "exclude",
                name,
            )
        )
    for name in cleaned_data.get("author") or []:
        chips.append(
            Chip(f"by {name}", toggle_url(path, params, "author", name), "author", name)
        )
    start, end = cleaned_data.get("date_from"), cleaned_data.get("date_to")
    if start or end:
        if start and end:
            label = _span(start, end)
        elif start:
            label = f"from {_day(start)}"
        else:
            label = f"until {_day(end)}"
        chips.append(
            Chip(label, replace_url(path, params, date_from=None, date_to=None), "date")
        )
    for name in ("has_code", "has_hf"):
        value = cleaned_data.get(name)
        if value:
            chips.append(
                Chip(
                    BOOLEAN_LABELS[name][value],
                    replace_url(path, params, **{name: None}),
                    name,
                )
            )
    return chips


def clear_all_url(path: str, params: QueryDict) -> str:
    """The page without any filter; the sort stays, as it is not a filter."""
    kept = QueryDict(mutable=True)
    if params.get("sort") in {value for value, _ in SORTS}:
        kept["sort"] = params["sort"]
    return build_url(path, kept)


def quick_ranges(
    latest: datetime.date | None, cleaned_data: dict, *, path: str, params: QueryDict
) -> list[QuickRange]:
    """ "Latest week" and "latest month" of digests.

    Relative to the newest digest day in the data rather than to today: the digests
    are published in batches (the sample data is from 2024/2025), so "this week" would
    often be empty; the labels spell out the dates so nobody is misled.
    """
    if latest is None:
        return []
    current = (cleaned_data.get("date_from"), cleaned_data.get("date_to"))
    # Clamped so a digest in the first days of year 1 cannot overflow the date.
    week_start = latest - datetime.timedelta(
        days=min(6, (latest - datetime.date.min).days)
    )
    month_start = latest.replace(day=1)
    ranges = [
        (f"Latest week ({_span(week_start, latest)})", week_start, latest),
        (f"Latest month ({latest:%B %Y})", month_start, month_bounds(latest)[1]),
    ]
    return [
        QuickRange(
            label,
            replace_url(
                path, params, date_from=start.isoformat(), date_to=end.isoformat()
            ),
            current == (start, end),
        )
        for label, start, end in ranges
    ]


def _day(day: datetime.date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _span(start: datetime.date, end: datetime.date) -> str:
    """ "Mar 6–12, 2025", "Feb 27–Mar 5, 2025", "Dec 29, 2024–Jan 4, 2025"."""
    if start == end:
        return _day(start)
    if start.year != end.year:
        return f"{_day(start)}–{_day(end)}"
    if start.month != end.month:
        return f"{start:%b} {start.day}–{end:%b} {end.day}, {end.year}"
    return f"{start:%b} {start.day}–{end.day}, {end.year}"
