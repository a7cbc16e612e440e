"""Clean list URLs: the query string without empty or default-valued parameters.

Without JavaScript the filter form submits every field, empty or not
(`/?q=&sort=&tag_mode=&...`); such an address shows the same papers as the short one
but is long, hard to read and shared as is. The browsing views redirect it to its clean
form. Pure functions over a QueryDict; no database.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpResponse, HttpResponseRedirect, QueryDict

from papers.views import HtmxHttpRequest

# Values that mean the same as leaving the parameter out.
DEFAULTS = {"tag_mode": "any", "page": "1"}


def clean_params(params: QueryDict, *, default_sort: str) -> QueryDict:
    """`params` without blank values and without values equal to the default.

    The default sort is "relevance" when searching, else `default_sort` (the page's
    own: "newest" on the list, "bookmarked" on My bookmarks). Order and repeated
    values are kept; invalid values are too, so the page can report them.
    """
    searching = bool(params.get("q", "").strip())
    defaults = {**DEFAULTS, "sort": "relevance" if searching else default_sort}
    clean = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [
            value for value in values if value.strip() and value != defaults.get(key)
        ]
        if kept:
            clean.setlist(key, kept)
    return clean


def clean_url(path: str, params: QueryDict, *, default_sort: str) -> str | None:
    """The clean address of `path?params`, or None when it is clean already."""
    clean = clean_params(params, default_sort=default_sort)
    if list(clean.lists()) == list(params.lists()):
        return None
    query = clean.urlencode()
    return f"{path}?{query}" if query else path


def redirect_to_clean_url(
    *, default_sort: str = "newest"
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Send a full-page GET with empty or default parameters to its clean URL (302).

    htmx requests are answered as they are: htmx builds its own URLs (and pushes
    them), and a redirect would cost a round trip while the reader types.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HtmxHttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "GET" and not request.htmx:
                url = clean_url(request.path, request.GET, default_sort=default_sort)
                if url is not None:
                    return HttpResponseRedirect(url)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
