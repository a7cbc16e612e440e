"""Note each logged-in reader's visits, for "new since your last visit"."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from papers.models import ReaderProfile


class ReaderVisitMiddleware:
    """Record the visit before the view runs, so its "new" marks use the fresh profile.

    Sets `request.reader_profile` for logged-in readers. ReaderProfile.objects.
    record_visit costs one SELECT, and an UPDATE at most every few minutes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.reader_profile = ReaderProfile.objects.record_visit(
                user, now=timezone.now()
            )
        return self.get_response(request)


def new_since(request: HttpRequest) -> datetime.datetime | None:
    """Papers added after this moment are "new" to the reader; None for none at all."""
    profile = getattr(request, "reader_profile", None)
    return profile.previous_visit_at if profile else None
