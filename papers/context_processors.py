"""The header's per-reader numbers: bookmark count and papers new since last visit."""

from __future__ import annotations

import datetime
from functools import cached_property

from django.http import HttpRequest

from papers.models import Bookmark, Paper, ReaderProfile


class ReaderSummary:
    """Counts for the header, each one query, run only if a template shows it."""

    def __init__(self, user, profile: ReaderProfile | None) -> None:
        self.user = user
        self.profile = profile

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


def reader(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # ReaderVisitMiddleware has loaded the profile; fragments rendered without it
    # (e.g. by tests calling render directly) just show no "new" count.
    return {"reader": ReaderSummary(user, getattr(request, "reader_profile", None))}
