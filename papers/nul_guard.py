"""Refuse a request whose path or query string holds a NUL character.

PostgreSQL text cannot hold NUL: a lookup with one ("/papers/a%00b/") raises
DataError, a 500, where SQLite answers a plain 404. No URL of the site needs a NUL,
so a 400 before any view or middleware touches the database is right on both.
A cookie holding a NUL (the session key is looked up in the database) was never
set by the site: it is dropped, as if the browser had not sent it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.views.defaults import bad_request

from papers.api_errors import api_error, is_api_request

NUL = "\x00"
MESSAGE = "The address holds a NUL character (%00), which no page of this site uses."


def has_nul(request: HttpRequest) -> bool:
    if NUL in request.path_info or NUL in request.path:
        return True
    return any(
        NUL in key or any(NUL in value for value in values)
        for key, values in request.GET.lists()
    )


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(NUL in name or NUL in value for name, value in request.COOKIES.items()):
            request.COOKIES = {
                name: value
                for name, value in request.COOKIES.items()
                if NUL not in name and NUL not in value
            }
        if has_nul(request):
            if is_api_request(request):
                return api_error(400, MESSAGE)
            return bad_request(request, SuspiciousOperation(MESSAGE))
        return self.get_response(request)
