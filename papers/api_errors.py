"""One JSON shape for every error the API answers, whatever layer produced it.

    {"status": 404, "message": "No paper has the key “x”.", "errors": {"key": [...]}}

`status` repeats the HTTP status code; `message` is one sentence for a person;
`errors` maps each parameter at fault to its messages ("__all__" for the request as
a whole) and is {} when no single parameter is to blame. Views answer with
`api_error`; `ApiErrorMiddleware` puts any other error under /api/ in the same
shape (Django's 404 for an unknown URL, a 405 from `require_GET`, a 500 page, a
CSRF refusal, a JSON body of another shape), so a client parses one format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import csrf

API_PREFIX = "/api/"

DEFAULT_MESSAGES = {
    400: "The request could not be understood.",
    401: "Log in to do this.",
    403: "You may not do this.",
    404: "Nothing is at this address.",
    405: "This method is not allowed here.",
    429: "Too many requests: try again later.",
    500: "Something went wrong on our side; please try again in a moment.",
    503: "The site is busy saving new papers; nothing was saved, try again shortly.",
}
# Headers of the original response that a client still needs from the JSON one.
_KEPT_HEADERS = ("Allow", "Retry-After", "Vary")


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def default_message(status: int) -> str:
    if status in DEFAULT_MESSAGES:
        return DEFAULT_MESSAGES[status]
    return DEFAULT_MESSAGES[500] if status >= 500 else DEFAULT_MESSAGES[400]


def api_error(
    status: int,
    message: str | None = None,
    *,
    errors: Mapping[str, Sequence[str]] | None = None,
) -> JsonResponse:
    """The error response of the API (and of the bookmark views' JSON answers)."""
    body = {
        "status": status,
        "message": message or default_message(status),
        "errors": {
            name: [str(m) for m in messages]
            for name, messages in (errors or {}).items()
        },
    }
    return JsonResponse(body, status=status)


def form_errors(errors: Mapping[str, Sequence[object]]) -> dict[str, list[str]]:
    """A form's or FilterSet's `errors` as the `errors` member: name -> messages."""
    return {
        name: [str(message) for message in messages]
        for name, messages in errors.items()
    }


def _is_api_error_body(body: object) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("status"), int)
        and isinstance(body.get("message"), str)
        and isinstance(body.get("errors"), dict)
    )


def as_api_error(response: HttpResponse) -> HttpResponse:
    """The error `response` in the API's error shape, keeping what it said."""
    if response.streaming:
        return api_error(response.status_code)
    body: object = None
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
    if _is_api_error_body(body) and body["status"] == response.status_code:
        return response
    message, errors = None, {}
    if isinstance(body, dict):
        # The shapes views answered before this format: {"errors": {...}} and
        # {"error": "..."}; keep what they say.
        if isinstance(body.get("errors"), dict):
            errors = {
                str(name): [
                    m["message"] if isinstance(m, dict) and "message" in m else str(m)
                    for m in (messages if isinstance(messages, list) else [messages])
                ]
                for name, messages in body["errors"].items()
            }
        for key in ("message", "error"):
            if isinstance(body.get(key), str):
                message = body[key]
    converted = api_error(response.status_code, message, errors=errors)
    for header in _KEPT_HEADERS:
        if header in response:
            converted[header] = response[header]
    for cookie in response.cookies.values():
        converted.cookies[cookie.key] = cookie
    return converted


class ApiErrorMiddleware:
    """Every error answered under /api/ in the API's error shape.

    Sits above everything that can answer an error (CSRF, sessions, the views and
    Django's exception handling, which turns an exception into the 500 page inside
    each middleware), so it sees each of them as a response.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 400 and is_api_request(request):
            return as_api_error(response)
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the reason in the API's shape under /api/, else Django's
    page (which explains cookies and the Referer to a person)."""
    if is_api_request(request):
        return api_error(403, f"CSRF verification failed: {reason}")
    return csrf.csrf_failure(request, reason=reason)
