"""How result lists are laid out: cards (with summaries) or a compact list.

The choice is remembered per browser in a cookie, so the server renders the right
layout on the first paint with or without JavaScript, and per account on the reader's
profile, so a logged-in reader gets it on every browser. The profile wins once the
reader has picked a layout; until then the cookie decides.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from papers.models import ReaderProfile

ListMode = ReaderProfile.ListMode
COOKIE_NAME = "list_mode"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60  # a year, in seconds


def list_mode_for(request: HttpRequest) -> str:
    """The layout this request's result list is rendered in."""
    # Set by papers.middleware.ReaderVisitMiddleware for logged-in readers.
    profile = getattr(request, "reader_profile", None)
    if profile is not None and profile.list_mode in ListMode.values:
        return profile.list_mode
    cookie = request.COOKIES.get(COOKIE_NAME, "")
    if cookie in ListMode.values:
        return cookie
    return ListMode.CARDS


def remember_list_mode(request: HttpRequest, response: HttpResponse, mode: str) -> None:
    """Store a validated `mode` in the cookie and, if logged in, on the profile."""
    if request.user.is_authenticated:
        ReaderProfile.objects.set_list_mode(request.user, mode)
    response.set_cookie(
        COOKIE_NAME,
        mode,
        max_age=COOKIE_MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )
