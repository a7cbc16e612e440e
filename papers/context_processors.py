"""The header's per-reader numbers: bookmark count, papers new since last visit, and
the reader's saved searches with their own "new" counts."""

from __future__ import annotations

import datetime
from functools import cached_property

from django.http import HttpRequest

from papers.browse.reader import Reader
from papers.models import Bookmark, Paper, ReaderProfile, SavedSearch
from papers.saved_searches import SavedSearchCount, with_new_counts

# The header's menu lists this many saved searches (by name); the rest are on /saved/.
HEADER_SAVED_SEARCHES = 10


class ReaderSummary:
    """Counts for the header, each one query, run only if a template shows it."""

    def __init__(
        self,
        user,
        profile: ReaderProfile | None,
        *,
        saved_search_counts: list[SavedSearchCount] | None = None,
    ) -> None:
        self.user = user
        self.profile = profile
        # Every saved search with its count, when the page counted them already
        # (/saved/): the menu then takes its first ones instead of counting again.
        self.known_counts = saved_search_counts

    @property
    def new_since(self) -> datetime.datetime | None:
        """Papers added after this moment are "new since your last visit"."""
        return self.profile.previous_visit_at if self.profile else None

    @cached_property
    def bookmark_count(self) -> int:
        return Bookmark.objects.filter(user=self.user).count()

    @cached_property
    def new_count(self) -> int:
        if self.new_since is None:
            return 0
        return Paper.objects.created_since(self.new_since).count()

    @cached_property
    def _first_saved_searches(self) -> list[SavedSearch]:
        # One more than the menu shows, to know whether there are more.
        if self.known_counts is not None:
            return [entry.search for entry in self.known_counts]
        return list(
            SavedSearch.objects.filter(user=self.user)[: HEADER_SAVED_SEARCHES + 1]
        )

    @cached_property
    def saved_searches(self) -> list[SavedSearchCount]:
        """The first saved searches by name, each with its "new" count: one query
        for the searches, one for the papers added since, then the browse index."""
        if self.known_counts is not None:
            return self.known_counts[:HEADER_SAVED_SEARCHES]
        return with_new_counts(
            self._first_saved_searches[:HEADER_SAVED_SEARCHES],
            Reader(user=self.user, since=self.new_since),
        )

    @property
    def saved_with_new(self) -> int:
        """How many of the menu's searches have new papers (a sum of their counts
        would count a paper once per search it is in)."""
        return sum(1 for entry in self.saved_searches if entry.new)

    @property
    def has_more_saved_searches(self) -> bool:
        return len(self._first_saved_searches) > HEADER_SAVED_SEARCHES


def reader(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # ReaderVisitMiddleware has loaded the profile; fragments rendered without it
    # (e.g. by tests calling render directly) just show no "new" count.
    summary = ReaderSummary(
        user,
        getattr(request, "reader_profile", None),
        saved_search_counts=getattr(request, "saved_search_counts", None),
    )
    return {"reader": summary}
