"""Pure query-string helpers of the browse pages: toggle links, chips, quick ranges.

Links keep the rest of the query string, drop `page` (the result set changes) and stay
on the page's own path, so the author and tag pages keep their scope. Nothing here
touches the database.
"""

from __future__ import annotations

import calendar
import datetime
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote_plus

from django.http import QueryDict

from papers.filters import LIST_SORTS

BOOLEAN_LABELS = {
    "has_code": {"1": "With code", "0": "Without code"},
    "has_hf": {"1": "With Hugging Face links", "0": "Without Hugging Face links"},
}


def build_url(path: str, params: QueryDict) -> str:
    query = params.urlencode()
    return f"{path}?{query}" if query else path


@functools.lru_cache(maxsize=4096)
def _pair(name: str, value: str) -> str:
    return f"{quote_plus(name)}={quote_plus(value)}"


def _url(path: str, pairs: list[tuple[str, str]]) -> str:
    # What QueryDict.urlencode() writes, without copying a QueryDict per link and
    # quoting each parameter once: a page lists a few hundred facet links that share
    # most of their parameters.
    query = "&".join(_pair(name, value) for name, value in pairs)
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
    e.g. including a tag drops it from `tag_not` and the other way round. The other
    keys keep their order; an added key goes last.
    """
    present = value in params.getlist(key)
    pairs = []
    for name, values in params.lists():
        if name == "page":
            continue
        if name == key:
            values = [v for v in values if v != value] if present else [*values, value]
        elif not present and name in also_remove_from:
            values = [v for v in values if v != value]
        pairs += [(name, item) for item in values]
    if not present and key not in params and key != "page":
        pairs.append((key, value))
    return _url(path, pairs)


def replace_url(path: str, params: QueryDict, **values: str | None) -> str:
    """The URL with single-valued keys set, or removed where the value is None."""
    pairs = []
    for name, items in params.lists():
        if name == "page":
            continue
        if name in values:
            items = [] if values[name] is None else [values[name]]
        pairs += [(name, item) for item in items]
    pairs += [
        (name, value)
        for name, value in values.items()
        if value is not None and name not in params and name != "page"
    ]
    return _url(path, pairs)


def url_replacing(path: str, params: QueryDict, *names: str) -> Callable[..., str]:
    """`replace_url(path, params, **values)` for many values of the same `names`:
    the rest of the query string is encoded once (the month facet writes one link
    per month of the archive, hundreds at a million papers)."""
    segments: list[str | tuple[str]] = []  # encoded pairs, or (name,) to fill in
    for name, items in params.lists():
        if name == "page":
            continue
        if name in names:
            segments.append((name,))
        else:
            segments += [_pair(name, item) for item in items]
    segments += [(name,) for name in names if name not in params and name != "page"]

    def url(**values: str | None) -> str:
        pairs = []
        for segment in segments:
            if isinstance(segment, str):
                pairs.append(segment)
            elif (value := values[segment[0]]) is not None:
                pairs.append(_pair(segment[0], value))
        query = "&".join(pairs)
        return f"{path}?{query}" if query else path

    return url


# --- Dataclasses ---


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


@functools.lru_cache(maxsize=4096)
def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=1), month.replace(day=last)


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
    if params.get("sort") in {value for value, _ in LIST_SORTS}:
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
