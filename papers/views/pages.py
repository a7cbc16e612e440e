"""A paper's own page, and the digest's days, weeks, months and archive."""

import calendar
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from papers.links import link_buttons, web_url
from papers.models import Appearance, Digest, Paper, PaperQuerySet, visible
from papers.related import related_papers
from papers.summaries import split_summary
from papers.views import HtmxHttpRequest

_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_LAST = datetime.date.max

# --- Parsing the period in a URL; anything malformed is a 404, never a 500. ---


def _parse_day(value: str) -> datetime.date:
    match = _DAY.fullmatch(value)
    try:
        return datetime.date(*map(int, match.groups()))  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        raise Http404("No such day.") from None


def _parse_week(value: str) -> tuple[datetime.date, datetime.date]:
    """The Monday and Sunday of an ISO week written "2025-W10"."""
    match = _WEEK.fullmatch(value)
    try:
        year, week = map(int, match.groups())  # type: ignore[union-attr]
        monday = datetime.date.fromisocalendar(year, week, 1)
    except (AttributeError, ValueError):
        raise Http404("No such week.") from None
    # The last ISO week of year 9999 ends after date.max: stop the range there.
    return monday, monday + datetime.timedelta(days=min(6, (_LAST - monday).days))


def _parse_month(value: str) -> tuple[datetime.date, datetime.date]:
    match = _MONTH.fullmatch(value)
    try:
        year, month = map(int, match.groups())  # type: ignore[union-attr]
        first = datetime.date(year, month, 1)
    except (AttributeError, ValueError):
        raise Http404("No such month.") from None
    return first, first.replace(day=calendar.monthrange(year, month)[1])


def week_of(day: datetime.date) -> str:
    """The ISO week containing the day, as written in week URLs: "2025-W10"."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def month_of(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _week_title(day: datetime.date) -> str:
    year, week, _ = day.isocalendar()
    return f"Week {week} of {year}"


def _month_title(day: datetime.date) -> str:
    return f"{calendar.month_name[day.month]} {day.year}"


# --- The paper page ---


@require_GET
def paper_detail(request: HtmxHttpRequest, key: str) -> HttpResponse:
    papers = (
        Paper.objects.for_detail()
        .with_is_bookmarked(request.user)
        .with_is_dismissed(request.user)
    )
    paper = get_object_or_404(papers, key=key)
    related = related_papers(paper)
    context = {
        "paper": paper,
        "authors": [authorship.author for authorship in paper.authorships.all()],
        "summary_points": split_summary(paper.summary),
        "link_buttons": link_buttons(paper),
        "abstract_url": web_url(paper.arxiv_url),
        "appearances": [
            {
                "date": appearance.date,
                "position": appearance.position,
                "week": week_of(appearance.date),
                "month": month_of(appearance.date),
            }
            for appearance in paper.appearances.all()
        ],
        "related": related,
    }
    return render(request, "papers/paper_detail.html", context)


# --- Days, weeks and months ---


def _papers_on_days(
    request: HtmxHttpRequest, start: datetime.date, end: datetime.date
) -> PaperQuerySet:
    """One row per appearance between start and end: a paper shown on two days comes
    twice. Annotates `day` and `position` (and what the bookmark buttons need);
    ordered by day, then the table's order."""
    return (
        Paper.objects.filter(appearances__date__range=(start, end))
        .annotate(day=F("appearances__date"), position=F("appearances__position"))
        .for_listing()
        .with_is_bookmarked(request.user)
        .with_is_dismissed(request.user)
        .order_by("day", "position", "pk")
    )


def _titles_on_days(start: datetime.date, end: datetime.date) -> PaperQuerySet:
    """Like _papers_on_days, with only what a title link needs."""
    return (
        Paper.objects.filter(appearances__date__range=(start, end))
        .annotate(day=F("appearances__date"), position=F("appearances__position"))
        .only("pk", "key", "title")
        .order_by("day", "position", "pk")
    )


def _digest_days_around(start: datetime.date, end: datetime.date) -> dict:
    """How many digest days fall in [start, end], and the nearest digest days before
    and after it (None at either end of the archive); one query."""
    return Digest.objects.aggregate(
        days=Count("pk", filter=Q(date__range=(start, end))),
        previous=Max("date", filter=Q(date__lt=start)),
        next=Min("date", filter=Q(date__gt=end)),
    )


def _with_card_parts(papers: list[Paper]) -> list[Paper]:
    """Give each paper the summary points and link buttons its card shows."""
    for paper in papers:
        paper.summary_points = split_summary(paper.summary)
        paper.link_buttons = link_buttons(paper)
    return papers


def _mark_repeats(rows: list[Paper]) -> list[Paper]:
    """Of the rows of a paper on several days, the first (by day) is its card, with
    `also_on` the later days; each later row gets `shown_on`, the day of the card.

    One card per paper keeps a page's ids (paper-<pk>, bookmark-<pk>, ...) unique;
    returns the rows that are cards.
    """
    days: dict[int, list[datetime.date]] = {}
    for paper in rows:
        days.setdefault(paper.pk, []).append(paper.day)
    cards = []
    for paper in rows:
        first, *later = days[paper.pk]
        if paper.day == first:
            paper.shown_on, paper.also_on = None, later
            cards.append(paper)
        else:
            paper.shown_on, paper.also_on = first, []
    return cards


@dataclass(frozen=True)
class DayGroup:
    date: datetime.date
    papers: list[Paper]

    @property
    def week(self) -> str:
        return week_of(self.date)


@require_GET
def digest_day(request: HtmxHttpRequest, day: str) -> HttpResponse:
    date = _parse_day(day)
    around = _digest_days_around(date, date)
    if not around["days"]:
        raise Http404("No digest for this day.")
    papers = _with_card_parts(list(_papers_on_days(request, date, date)))
    # The page names its day once; each card lists only the paper's other days.
    for paper in papers:
        paper.other_days = [day for day in paper.digest_dates if day != date]
    context = {
        "date": date,
        "papers": papers,
        "week": week_of(date),
        "month": month_of(date),
        "previous": around["previous"],
        "next": around["next"],
    }
    return render(request, "papers/digest_day.html", context)


def _period_page(
    request: HtmxHttpRequest,
    *,
    start: datetime.date,
    end: datetime.date,
    kind: str,
    name_of: Callable[[datetime.date], str],
    title_of: Callable[[datetime.date], str],
    cards: bool,
) -> HttpResponse:
    """A week or month: its digest days in order, each with its papers.

    With `cards`, a paper on several of its days has its card under the first; the
    later days list it by title with a link to that card. Without (months: 160-odd
    cards made a 600 KB page), each day lists its papers by title, linking to the
    paper, and the day's own page has the cards.

    Previous/next go to the nearest period that has digest days, so they never lead to
    an empty page. `name_of(day)` and `title_of(day)` give the URL name ("2025-W10")
    and the heading ("Week 10 of 2025") of the period containing a day.
    """
    around = _digest_days_around(start, end)
    if not around["days"]:
        raise Http404(f"No digest days in this {kind}.")
    if cards:
        rows = list(_papers_on_days(request, start, end))
        # A card sits under its day's heading, and "Also on" names its other days
        # in the period: the card itself lists only the days outside it.
        for paper in _with_card_parts(_mark_repeats(rows)):
            paper.other_days = [
                day for day in paper.digest_dates if not start <= day <= end
            ]
    else:
        rows = list(_titles_on_days(start, end))
    groups = [
        DayGroup(day, list(papers))
        for day, papers in groupby(rows, key=lambda paper: paper.day)
    ]
    neighbours = {}
    for side in ("previous", "next"):
        day = around[side]
        if day:
            neighbours[side] = {
                "url": reverse(f"papers:{kind}", kwargs={kind: name_of(day)}),
                "title": title_of(day),
            }
    context = {
        "kind": kind,
        "cards": cards,
        "title": title_of(start),
        "start": start,
        "end": end,
        "groups": groups,
        "day_count": around["days"],
        "paper_count": len({paper.pk for paper in rows}),
        "previous": neighbours.get("previous"),
        "next": neighbours.get("next"),
    }
    return render(request, "papers/digest_period.html", context)


@require_GET
def digest_week(request: HtmxHttpRequest, week: str) -> HttpResponse:
    monday, sunday = _parse_week(week)
    return _period_page(
        request,
        start=monday,
        end=sunday,
        kind="week",
        name_of=week_of,
        title_of=_week_title,
        cards=True,
    )


@require_GET
def digest_month(request: HtmxHttpRequest, month: str) -> HttpResponse:
    first, last = _parse_month(month)
    return _period_page(
        request,
        start=first,
        end=last,
        kind="month",
        name_of=month_of,
        title_of=_month_title,
        cards=False,
    )


# --- The archive ---


@dataclass(frozen=True)
class ArchiveDay:
    date: datetime.date | None  # None for the grid's days outside the month
    paper_count: int | None  # None: no digest that day
    in_month: bool  # False for the grid's days of the months before and after


@dataclass(frozen=True)
class ArchiveWeek:
    number: int
    name: str | None  # "2025-W10" when a digest day of the month falls in it
    days: list[ArchiveDay]


@dataclass(frozen=True)
class ArchiveMonth:
    """A month of the archive, laid out as a calendar of ISO weeks."""

    first: datetime.date
    paper_count: int
    day_count: int
    weeks: list[ArchiveWeek]

    @property
    def name(self) -> str:
        return month_of(self.first)


def _archive_month(
    first: datetime.date, counts: dict[datetime.date, int], paper_count: int
) -> ArchiveMonth:
    weeks = []
    # Day numbers, 0 for the grid's days outside the month: unlike dates, they exist
    # even around January of year 1 and December of year 9999.
    for numbers in calendar.Calendar().monthdayscalendar(first.year, first.month):
        dates = [first.replace(day=number) if number else None for number in numbers]
        days = [
            ArchiveDay(date, counts.get(date), True)
            if date
            else ArchiveDay(None, None, False)
            for date in dates
        ]
        some_day = next(date for date in dates if date)
        has_digest = any(day.paper_count is not None for day in days)
        weeks.append(
            ArchiveWeek(
                some_day.isocalendar()[1],
                week_of(some_day) if has_digest else None,
                days,
            )
        )
    day_count = sum(1 for day in counts if day.replace(day=1) == first)
    return ArchiveMonth(first, paper_count, day_count, weeks)


@require_GET
def archive(request: HtmxHttpRequest) -> HttpResponse:
    counts = dict(
        Digest.objects.annotate(
            papers=Count("appearances", filter=visible("appearances__"))
        )
        .order_by("-date")
        .values_list("date", "papers")
    )
    # Distinct papers per month: a paper shown on two days of a month counts once.
    per_month = dict(
        Appearance.objects.annotate(month=TruncMonth("date"))
        .order_by()
        .values("month")
        .annotate(papers=Count("paper", distinct=True))
        .values_list("month", "papers")
    )
    months = []
    for (year, month), _ in groupby(counts, key=lambda day: (day.year, day.month)):
        first = datetime.date(year, month, 1)
        months.append(_archive_month(first, counts, per_month.get(first, 0)))
    context = {
        "months": months,
        "day_count": len(counts),
        "paper_count": Appearance.objects.values("paper").distinct().count(),
    }
    return render(request, "papers/archive.html", context)
