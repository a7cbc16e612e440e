"""A write that found the database busy answers 503 with Retry-After, not 500.

SQLite lets one writer in at a time. A file imported as one transaction holds the
write lock while it is written (seconds for a file of tens of thousands of papers),
and a reader's own write (a bookmark toggle, a note, a saved search) that waits
longer than the busy timeout fails with "database is locked". Nothing was saved and
nothing is broken: the reader may simply try again, which is what a 503 with
Retry-After says, to a person and to an API client alike
(papers.api_errors gives it the API's JSON shape).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

# Seconds a client is told to wait before trying again.
RETRY_AFTER = 5


class BusyDatabaseMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not is_busy(exception):
            return None
        response = TemplateResponse(request, "503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response.render()


def is_busy(exception: Exception) -> bool:
    """SQLite's "database is locked": another writer held the lock too long."""
    return isinstance(exception, OperationalError) and "database is locked" in str(
        exception
    )
