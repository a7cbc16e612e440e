"""Private Atom and RSS feeds of a saved search, at /saved/<secret>/feed.atom (.rss).

The list-state feeds of papers/feeds.py with a different key: the saved search's
secret token, looked up through its unique index, instead of a public query string.
The state is read as its owner sees it, so a saved "bookmarked" or "hide read"
filter keeps meaning the owner's bookmarks whoever's feed reader asks; nobody without
the token reaches it, and a renewed token makes the old URLs 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils.cache import patch_cache_control

from papers.browse.engine import browse
from papers.feeds import SITE_TITLE, FeedState, ListStateAtomFeed, ListStateRssFeed
from papers.list_state import InvalidListState, list_scope
from papers.models import SavedSearch
from papers.saved_searches import reader_of


@dataclass(frozen=True)
class SavedFeedState(FeedState):
    name: str = ""


class SavedSearchFeedMixin:
    """What a saved search's feed changes in a list-state feed: where the state
    comes from, and its title."""

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        # The URL is a secret: keep it and its answer out of shared caches and
        # search engines.
        patch_cache_control(response, private=True)
        response["X-Robots-Tag"] = "noindex"
        return response

    def get_object(self, request: HttpRequest, token: str) -> SavedFeedState:
        saved = (
            SavedSearch.objects.select_related("user")
            .filter(feed_token=token, user__is_active=True)
            .first()
        )
        if saved is None:
            raise Http404("No feed at this address.")
        scope = list_scope()
        result = browse(
            scope.scope, QueryDict(saved.query_string), reader_of(saved.user)
        )
        if not result.valid:
            raise InvalidListState(result.errors)
        return SavedFeedState(
            scope, saved.query_string, list(result.page), name=saved.name
        )

    def title(self, state: SavedFeedState) -> str:
        return f"{state.name} · {SITE_TITLE}"

    def description(self, state: SavedFeedState) -> str:
        return f"The newest papers of the saved search “{state.name}” on {SITE_TITLE}."


class SavedSearchRssFeed(SavedSearchFeedMixin, ListStateRssFeed):
    pass


class SavedSearchAtomFeed(SavedSearchFeedMixin, ListStateAtomFeed):
    pass


SAVED_FEEDS = {"atom": SavedSearchAtomFeed(), "rss": SavedSearchRssFeed()}
