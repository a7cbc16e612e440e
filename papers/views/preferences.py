"""A reader's display preferences: the layout of result lists (papers/list_mode.py).

POST only (CSRF-checked like every POST), then back to the page the reader was on.
Without JavaScript that is a plain redirect; with htmx the same redirect is followed
by the browser's request, which keeps htmx's headers, so the page's own view answers
with its `#browse` fragment in the new layout and the URL and filters stay as they
were.
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from papers.list_mode import ListMode, remember_list_mode
from papers.views import HtmxHttpRequest
from papers.views.accounts import safe_next


@require_POST
def list_mode_set(request: HtmxHttpRequest) -> HttpResponse:
    mode = request.POST.get("list_mode", "")
    if mode not in ListMode.values:
        choices = ", ".join(ListMode.values)
        return HttpResponseBadRequest(
            f"Unknown list layout {mode[:40]!r}: choose one of {choices}.",
            content_type="text/plain; charset=utf-8",
        )
    response = redirect(safe_next(request, fallback=reverse("papers:list")))
    remember_list_mode(request, response, mode)
    return response
