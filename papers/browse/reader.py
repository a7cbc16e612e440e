"""Who is browsing: what the reader's own filters (bookmarked, hide, new, status, list)
apply to."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Reader:
    user: Any = None  # a logged-in user, or None: reader filters are then ignored
    # The end of the reader's previous visit: papers added since are "new".
    since: datetime.datetime | None = None

    @classmethod
    def of(cls, request: HttpRequest) -> Reader:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ANONYMOUS
        profile = getattr(request, "reader_profile", None)
        return cls(user=user, since=profile.previous_visit_at if profile else None)


ANONYMOUS = Reader()
