"""Trends of a list state: papers per week or month for its top tags, the share with
code, and its top authors.

A paper counts in a period when it has a digest day in that period, the rule of the
list's `date_from`/`date_to`: so every number here is the count of /api/papers for the
same state narrowed to the period (and the tag or author), and links to that list.
The state is the browse engine's mask (papers.browse.engine.select), so "the current
filters" mean here what they mean on the list, the reader's own ones and the "for_you"
sort's papers included; the counts come from its index.
"""

from __future__ import annotations

import dataclasses
import datetime

import numpy as np
from django.http import QueryDict

from papers.browse.engine import Selection
from papers.models import Author

TOP_TAGS = 5
TOP_AUTHORS = 10
INTERVALS = ("week", "month")
# Past this span, weeks make too many points to read: months are the default.
WEEKS_UP_TO_DAYS = 120


@dataclasses.dataclass(frozen=True)
class Period:
    start: datetime.date  # the first day inside the state's dates
    end: datetime.date  # the last day inside the state's dates
    label: str
    short_label: str  # under a chart's axis

    def params(self, params: QueryDict) -> QueryDict:
        """`params` narrowed to this period."""
        narrowed = params.copy()
        narrowed.pop("page", None)
        narrowed["date_from"] = self.start.isoformat()
        narrowed["date_to"] = self.end.isoformat()
        return narrowed


@dataclasses.dataclass(frozen=True)
class Series:
    name: str  # a tag name
    counts: tuple[int, ...]  # one per period
    total: int  # papers of the state carrying the tag


@dataclasses.dataclass(frozen=True)
class AuthorCount:
    name: str
    papers: int


@dataclasses.dataclass(frozen=True)
class Trends:
    interval: str
    periods: tuple[Period, ...]
    papers: tuple[int, ...]  # per period
    with_code: tuple[int, ...]  # per period
    series: tuple[Series, ...]
    authors: tuple[AuthorCount, ...]

    @property
    def code_shares(self) -> tuple[float | None, ...]:
        """Per period, the fraction of papers with code (None: no papers)."""
        return tuple(
            code / total if total else None
            for code, total in zip(self.with_code, self.papers, strict=True)
        )


def pick_interval(start: datetime.date, end: datetime.date) -> str:
    return "week" if (end - start).days <= WEEKS_UP_TO_DAYS else "month"


def period_starts(
    start: datetime.date, end: datetime.date, interval: str
) -> list[datetime.date]:
    """The first day of each week (Monday) or month touching [start, end]."""
    if interval == "week":
        first = start - datetime.timedelta(days=start.weekday())
        count = (end - first).days // 7 + 1
        return [first + datetime.timedelta(weeks=n) for n in range(count)]
    starts = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        starts.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return starts


def _period_end(first: datetime.date, interval: str) -> datetime.date:
    if interval == "week":
        return first + datetime.timedelta(days=6)
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def periods_between(
    start: datetime.date, end: datetime.date, interval: str
) -> list[Period]:
    """Consecutive periods covering [start, end], each clipped to it."""
    periods = []
    for first in period_starts(start, end, interval):
        if interval == "week":
            label = f"Week of {first:%b} {first.day}, {first.year}"
            short_label = f"{first:%b} {first.day}"
        else:
            label = short_label = f"{first:%b %Y}"
        last = _period_end(first, interval)
        periods.append(
            Period(
                start=max(first, start),
                end=min(last, end),
                label=label,
                short_label=short_label,
            )
        )
    return periods


def compute_trends(
    selection: Selection, *, interval: str | None = None
) -> Trends | None:
    """The trends of a valid list state (`papers.browse.engine.select`), or None when
    it holds no digest day.

    Counted on the browse engine's index, over the state's mask: the same papers
    /api/papers counts, with no query but the top authors' names.
    """
    index, mask = selection.index, selection.mask
    date_from = selection.data.get("date_from")
    date_to = selection.data.get("date_to")
    days, rows = index.appearances_between(date_from, date_to)
    if mask is not None:
        kept = mask[rows]
        days, rows = days[kept], rows[kept]
    if not len(days):
        return None
    start = date_from or _date(int(days[0]))
    end = date_to or _date(int(days[-1]))
    interval = interval or pick_interval(start, end)
    periods = periods_between(start, end, interval)
    firsts = np.array(period_starts(start, end, interval), dtype="datetime64[D]")
    period = np.searchsorted(firsts, _dates(days), side="right") - 1
    # A paper counts once in a period, however many of its digest days fall in it.
    pairs = np.unique(period.astype(np.int64) * index.size + rows)
    pair_periods, pair_rows = pairs // index.size, pairs % index.size

    def per_period(of_rows: np.ndarray | None = None) -> tuple[int, ...]:
        chosen = pair_periods if of_rows is None else pair_periods[of_rows[pair_rows]]
        return tuple(int(n) for n in np.bincount(chosen, minlength=len(firsts)))

    # Top tags by papers of the state, ties by tag id (value order is id order).
    tag_counts = index.tags.counts(mask)
    top_tags = [
        int(value)
        for value in np.lexsort((np.arange(len(tag_counts)), -tag_counts))[:TOP_TAGS]
        if tag_counts[value]
    ]
    series = sorted(
        (
            Series(
                name=index.tag_names[value],
                counts=per_period(index.tags.papers_with_any([value], index.size)),
                total=int(tag_counts[value]),
            )
            for value in top_tags
        ),
        key=lambda series: (-series.total, series.name),
    )
    author_counts = index.authors.counts(mask)
    top_authors = [
        int(value)
        for value in np.lexsort((np.arange(len(author_counts)), -author_counts))[
            :TOP_AUTHORS
        ]
        if author_counts[value]
    ]
    names = Author.objects.in_bulk([int(index.author_ids[v]) for v in top_authors])
    authors = sorted(
        (
            AuthorCount(
                name=names[int(index.author_ids[value])].name,
                papers=int(author_counts[value]),
            )
            for value in top_authors
            if int(index.author_ids[value]) in names
        ),
        key=lambda author: (-author.papers, author.name),
    )
    return Trends(
        interval=interval,
        periods=tuple(periods),
        papers=per_period(),
        with_code=per_period(index.has_code.astype(bool)),
        series=tuple(series),
        authors=tuple(authors),
    )


def _date(number: int) -> datetime.date:
    """A YYYYMMDD number (papers.browse.index.DateNumber) as a date."""
    return datetime.date(number // 10000, number // 100 % 100, number % 100)


def _dates(numbers: np.ndarray) -> np.ndarray:
    """YYYYMMDD numbers as numpy days, without a Python object per day."""
    months = (numbers // 10000 - 1970) * 12 + numbers // 100 % 100 - 1
    days = numbers % 100 - 1
    return months.astype("datetime64[M]").astype("datetime64[D]") + days.astype(
        "timedelta64[D]"
    )


def narrowed(params: QueryDict, name: str, value: str) -> QueryDict | None:
    """`params` narrowed to papers also having `value` for the list `name` (tag or
    author), or None when the list page's parameters cannot say it.

    No selection: the value is added. Tags in "all" mode take one more tag (or are
    already narrowed). A value of an OR'ed selection replaces it ((A or B) and A is
    A); a single selected tag becomes "both tags"; (A or B) and C has no URL.
    """
    narrowed = params.copy()
    narrowed.pop("page", None)
    selected = params.getlist(name)
    all_tags = name == "tag" and params.get("tag_mode") == "all"
    if not selected:
        narrowed.setlist(name, [value])
    elif all_tags:
        if value not in selected:
            narrowed.setlist(name, [*selected, value])
    elif value in selected:
        narrowed.setlist(name, [value])
    elif name == "tag" and len(selected) == 1:
        narrowed.setlist(name, [*selected, value])
        narrowed["tag_mode"] = "all"
    else:
        return None
    return narrowed


def with_code_params(params: QueryDict) -> QueryDict | None:
    """`params` narrowed to papers with code; None when they exclude code."""
    if params.get("has_code") == "0":
        return None
    narrowed = params.copy()
    narrowed.pop("page", None)
    narrowed["has_code"] = "1"
    return narrowed
