"""Feeds of the list, author and tag pages (papers/feeds.py), by format."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from papers.feeds import FEEDS
from papers.views import HtmxHttpRequest


def _feed(request: HtmxHttpRequest, kind: str, **scope) -> HttpResponse:
    if kind not in FEEDS:
        raise Http404("Feeds come as .atom or .rss.")
    return FEEDS[kind](request, **scope)


@require_safe
def paper_list_feed(request: HtmxHttpRequest, kind: str) -> HttpResponse:
    return _feed(request, kind)


@require_safe
def author_feed(request: HtmxHttpRequest, pk: int, kind: str) -> HttpResponse:
    return _feed(request, kind, pk=pk)


@require_safe
def tag_feed(request: HtmxHttpRequest, slug: str, kind: str) -> HttpResponse:
    return _feed(request, kind, slug=slug)
