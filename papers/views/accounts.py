"""Accounts: sign-up, log-in that completes a pending bookmark, the account page.

Bookmarking while logged out: the bookmark button is the same POST form for everyone.
For an anonymous reader its view remembers the paper in the session (a POST, so no GET
ever writes) and sends them to log in with `next` set to the page they were on. The
log-in or sign-up POST that follows makes the bookmark, if it was asked for less than
PENDING_BOOKMARK_MAX_AGE ago, and redirects back to that page, where the button now
shows the paper as bookmarked.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import (
    content_disposition_header,
    url_has_allowed_host_and_scheme,
)
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from papers.api_errors import api_error
from papers.exports import ExportedBookmark, user_data_json
from papers.forms import SignupForm
from papers.models import Bookmark, Dismissal, Paper, ReaderProfile, ReadingList
from papers.views import HtmxHttpRequest

PENDING_BOOKMARK = "pending_bookmark"
PENDING_BOOKMARK_MAX_AGE = datetime.timedelta(minutes=30)


def is_safe_url(request: HtmxHttpRequest, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def htmx_current_path(request: HtmxHttpRequest) -> str:
    """The path and query of the page an htmx request came from, if it is ours."""
    current = request.htmx.current_url if request.htmx else None
    if not current or not is_safe_url(request, current):
        return ""
    parts = urlsplit(current)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def safe_next(request: HtmxHttpRequest, *, fallback: str) -> str:
    """Where to go after an action: a safe `next`, else the htmx page, else fallback."""
    for candidate in (request.POST.get("next"), request.GET.get("next")):
        if candidate and is_safe_url(request, candidate):
            return candidate
    return htmx_current_path(request) or fallback


def login_url(next_url: str) -> str:
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"


def wants_json(request: HtmxHttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def login_redirect(request: HtmxHttpRequest, next_url: str) -> HttpResponse:
    """Send an anonymous request to log in, in the form its client understands."""
    if request.htmx:
        # A 302 would be followed by htmx and the login page swapped into the button.
        return HttpResponseClientRedirect(login_url(next_url))
    if wants_json(request):
        return api_error(401, "Log in to do this.")
    return HttpResponseRedirect(login_url(next_url))


def reader_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """login_required that also answers htmx (HX-Redirect) and JSON (401) requests."""

    @wraps(view)
    def wrapper(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.method == "GET" and not request.htmx:
            fallback = request.get_full_path()
        else:
            fallback = resolve_url(settings.LOGIN_REDIRECT_URL)
        return login_redirect(request, safe_next(request, fallback=fallback))

    return wrapper


def remember_pending_bookmark(request: HtmxHttpRequest, paper: Paper) -> None:
    request.session[PENDING_BOOKMARK] = {
        "paper": paper.pk,
        "at": timezone.now().timestamp(),
    }


def complete_pending_bookmark(request: HtmxHttpRequest) -> Paper | None:
    """Make the bookmark an anonymous reader asked for before logging in, if recent."""
    pending = request.session.pop(PENDING_BOOKMARK, None)
    try:
        paper_id = int(pending["paper"])
        asked_at = float(pending["at"])
    except (KeyError, TypeError, ValueError):
        return None
    age = timezone.now().timestamp() - asked_at
    if not 0 <= age <= PENDING_BOOKMARK_MAX_AGE.total_seconds():
        return None
    paper = Paper.objects.filter(pk=paper_id).first()
    if paper is None:
        return None
    Bookmark.objects.add(user=request.user, paper=paper)
    messages.success(request, f"Bookmarked “{paper.title}”.")
    return paper


class LoginView(auth_views.LoginView):
    """Django's log-in, which then completes a bookmark asked for while logged out."""

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        complete_pending_bookmark(self.request)
        return response


# What a browser drops on log-out: its HTTP cache and the site's storage (old htmx
# page snapshots in web storage included), so the next person at a shared computer
# finds none of the reader's pages. Cookies are left: log-out has already replaced
# the session, and the CSRF cookie and messages carry over to the next page.
CLEAR_ON_LOGOUT = '"cache", "storage"'


class LogoutView(auth_views.LogoutView):
    """Django's log-out (POST only); the browser also clears the site's data."""

    def post(self, request, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_ON_LOGOUT
        return response


@require_http_methods(["GET", "POST"])
def signup(request: HtmxHttpRequest) -> HttpResponse:
    next_url = safe_next(request, fallback=resolve_url(settings.LOGIN_REDIRECT_URL))
    if request.user.is_authenticated:
        return redirect(next_url)
    form = SignupForm(request.POST) if request.method == "POST" else SignupForm()
    if form.is_valid():
        user = form.save()
        # Named because django-axes' backend comes first and needs a request.
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}!")
        complete_pending_bookmark(request)
        return redirect(next_url)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "next": request.POST.get("next", request.GET.get("next"))}
    return render(request, "registration/signup.html", context, status=status)


@require_GET
@login_required
def account(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "registration/account.html")


@require_GET
@login_required
def account_data(request: HtmxHttpRequest) -> HttpResponse:
    """Everything kept about the reader, as one JSON file to download."""
    user = request.user
    now = timezone.now()
    bookmarks = Bookmark.objects.filter(user=user).for_export()
    profile = ReaderProfile.objects.filter(user=user).first()
    lists = ReadingList.objects.filter(user=user).prefetch_related("bookmarks__paper")
    dismissals = Dismissal.objects.filter(user=user).select_related("paper")
    text = user_data_json(
        user={
            "username": user.get_username(),
            "email": user.email,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        profile={
            "last_seen_at": profile.last_seen_at if profile else None,
            "previous_visit_at": profile.previous_visit_at if profile else None,
            "list_mode": profile.list_mode if profile else "",
        },
        records=[ExportedBookmark.from_bookmark(bookmark) for bookmark in bookmarks],
        lists=[
            {
                "name": reading_list.name,
                "created_at": reading_list.created_at,
                "papers": [
                    b.paper.arxiv_id or b.paper.key
                    for b in reading_list.bookmarks.all()
                ],
            }
            for reading_list in lists
        ],
        dismissals=[
            {
                "paper": dismissal.paper.arxiv_id or dismissal.paper.key,
                "title": dismissal.paper.title,
                "dismissed_at": dismissal.created_at,
            }
            for dismissal in dismissals
        ],
        exported_at=now,
    )
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    filename = f"paper-digests-{user.get_username()}-{now.date().isoformat()}.json"
    response["Content-Disposition"] = attachment(filename)
    return response


def attachment(filename: str) -> str:
    """A Content-Disposition header value that survives any username."""
    return content_disposition_header(as_attachment=True, filename=filename)
