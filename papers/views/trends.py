"""The trends page of a list state: /trends/?<the list page's query string>."""

from __future__ import annotations

import dataclasses

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from papers import trend_chart
from papers.browse.engine import Scope, select
from papers.browse.reader import Reader
from papers.trends import INTERVALS, Trends, compute_trends, narrowed, with_code_params
from papers.views import HtmxHttpRequest

# The page's own parameters, which the list of papers does not take.
OWN_PARAMETERS = ("interval", "page")


@dataclasses.dataclass(frozen=True)
class Cell:
    count: int
    url: str | None  # the list of these papers, when the list page can say it


@dataclasses.dataclass(frozen=True)
class Row:
    label: str
    tags: tuple[Cell, ...]
    papers: Cell
    with_code: Cell
    share: float | None


def _list_url(params: QueryDict | None) -> str | None:
    if params is None:
        return None
    query = params.urlencode()
    return reverse("papers:list") + (f"?{query}" if query else "")


def _rows(trends: Trends, params: QueryDict) -> list[Row]:
    code_params = with_code_params(params)
    rows = []
    for index, period in enumerate(trends.periods):
        in_period = period.params(params)
        tags = []
        for series in trends.series:
            tag_params = narrowed(params, "tag", series.name)
            url = _list_url(tag_params and period.params(tag_params))
            tags.append(Cell(series.counts[index], url))
        rows.append(
            Row(
                label=period.label,
                tags=tuple(tags),
                papers=Cell(trends.papers[index], _list_url(in_period)),
                with_code=Cell(
                    trends.with_code[index],
                    _list_url(code_params and period.params(code_params)),
                ),
                share=trends.code_shares[index],
            )
        )
    return rows


@require_safe
def trends_page(request: HtmxHttpRequest) -> HttpResponse:
    params = request.GET.copy()
    interval = params.get("interval", "")
    for name in OWN_PARAMETERS:
        params.pop(name, None)
    selection = select(Scope(path=reverse("papers:list")), params, Reader.of(request))
    errors = dict(selection.errors)
    if interval and interval not in INTERVALS:
        errors["interval"] = [f"“{interval}” is not allowed: use week or month."]
    context = {
        "list_url": _list_url(params),
        "query": params.urlencode(),
        "errors": errors,
    }
    if errors:
        return render(request, "papers/trends.html", context, status=400)
    trends = compute_trends(selection, interval=interval or None)
    if trends is not None:
        labels = [period.label for period in trends.periods]
        short = [period.short_label for period in trends.periods]
        context |= {
            "trends": trends,
            "tag_chart": trend_chart.line_chart(
                labels,
                [(series.name, series.counts) for series in trends.series],
                axis_labels=short,
            ),
            "code_chart": trend_chart.share_chart(
                labels, list(trends.code_shares), axis_labels=short
            ),
            "rows": _rows(trends, params),
            "authors": [
                (author, _list_url(narrowed(params, "author", author.name)))
                for author in trends.authors
            ],
            "intervals": [
                (name, _interval_url(params, name), name == trends.interval)
                for name in INTERVALS
            ],
        }
    return render(request, "papers/trends.html", context)


def _interval_url(params: QueryDict, interval: str) -> str:
    chosen = params.copy()
    chosen["interval"] = interval
    return reverse("papers:trends") + "?" + chosen.urlencode()
