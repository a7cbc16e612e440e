"""Trends of a list state: papers per week or month for its top tags, the share with
code, and its top authors.

A paper counts in a period when it has a digest day in that period, the rule of the
list's `date_from`/`date_to`: so every number here is the count of /api/papers for the
same state narrowed to the period (and the tag or author), and links to that list.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.http import QueryDict

from papers.list_state import ListState
from papers.models import Appearance, Author, Authorship, Paper, Tag

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


def compute_trends(state: ListState, *, interval: str | None = None) -> Trends | None:
    """The trends of a valid `state`, or None when it holds no digest day.

    A fixed number of aggregate queries whatever the size of the state: its date
    range, its top tags, its top authors, and one grouped count of its digest days.
    """
    paper_ids = state.papers.values("pk")

    def of_state(rows):
        # Every paper: no "paper in (all papers)" for the database to work through.
        return rows if state.is_unfiltered else rows.filter(paper__in=paper_ids)

    days = of_state(Appearance.objects.all())
    if state.date_from:
        days = days.filter(date__gte=state.date_from)
    if state.date_to:
        days = days.filter(date__lte=state.date_to)
    span = days.aggregate(first=Min("date"), last=Max("date"))
    if span["first"] is None:
        return None
    start = state.date_from or span["first"]
    end = state.date_to or span["last"]
    interval = interval or pick_interval(start, end)
    periods = periods_between(start, end, interval)

    # Grouped by id alone, names fetched for the few kept: no join over every row.
    top_tags = list(
        of_state(Paper.tags.through.objects.all())
        .values("tag_id")
        .annotate(papers=Count("paper_id"))
        .order_by("-papers", "tag_id")[:TOP_TAGS]
    )
    tag_names = Tag.objects.in_bulk([row["tag_id"] for row in top_tags])
    for row in top_tags:
        row["tag__name"] = tag_names[row["tag_id"]].name
    top_tags.sort(key=lambda row: (-row["papers"], row["tag__name"]))
    truncate = WeekStart if interval == "week" else MonthStart
    tagged = {
        f"tag_{index}": Exists(
            Paper.tags.through.objects.filter(
                paper_id=OuterRef("paper_id"), tag_id=row["tag_id"]
            )
        )
        for index, row in enumerate(top_tags)
    }
    counts = {
        f"n_{name}": Count("paper", distinct=True, filter=Q(**{name: True}))
        for name in tagged
    }
    rows = (
        days.annotate(period=truncate("date"), **tagged)
        .values("period")
        .annotate(
            papers=Count("paper", distinct=True),
            with_code=Count("paper", distinct=True, filter=Q(paper__has_code=True)),
            **counts,
        )
        .order_by()
    )
    by_start = {_as_date(row["period"]): row for row in rows}
    empty: dict[str, int] = {}

    def column(name: str) -> tuple[int, ...]:
        firsts = period_starts(start, end, interval)
        return tuple(by_start.get(first, empty).get(name, 0) for first in firsts)

    series = tuple(
        Series(
            name=row["tag__name"], counts=column(f"n_tag_{index}"), total=row["papers"]
        )
        for index, row in enumerate(top_tags)
    )
    # An author is listed once per paper (a unique constraint): no DISTINCT needed.
    author_rows = list(
        of_state(Authorship.objects.all())
        .values("author_id")
        .annotate(papers=Count("paper_id"))
        .order_by("-papers", "author_id")[:TOP_AUTHORS]
    )
    author_names = Author.objects.in_bulk([row["author_id"] for row in author_rows])
    authors = tuple(
        sorted(
            (
                AuthorCount(
                    name=author_names[row["author_id"]].name, papers=row["papers"]
                )
                for row in author_rows
            ),
            key=lambda author: (-author.papers, author.name),
        )
    )
    return Trends(
        interval=interval,
        periods=tuple(periods),
        papers=column("papers"),
        with_code=column("with_code"),
        series=series,
        authors=authors,
    )


class WeekStart(TruncWeek):
    """The Monday of a date's week; SQLite computes it natively rather than through
    Django's Python function, called once per digest day of the state."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, '-6 days', 'weekday 1')", params


class MonthStart(TruncMonth):
    """The first day of a date's month (natively on SQLite, as WeekStart)."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, 'start of month')", params


def _as_date(value: datetime.date | datetime.datetime | str) -> datetime.date:
    # A date on PostgreSQL; SQLite's date() gives text. Be safe on every backend.
    if isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return value.date() if isinstance(value, datetime.datetime) else value


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
