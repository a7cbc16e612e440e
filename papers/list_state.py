"""The papers of a list state (the list page's query string), for pages built on it.

Trends, related papers' candidates and "For you" ask this one function, so pointing it
at another engine (an in-memory index) changes them all at once.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.http import HttpRequest, QueryDict

from papers.filters import PaperFilter
from papers.models import Paper, PaperQuerySet

# Parameters that order or page the papers, or say how other filters combine.
CONTROL_PARAMETERS = frozenset({"sort", "page", "page_size", "tag_mode"})


@dataclasses.dataclass(frozen=True)
class ListState:
    """A list state's papers (unordered), or the errors of its parameters."""

    papers: PaperQuerySet | None
    errors: dict[str, list[str]]
    cleaned: dict[str, Any]

    @property
    def is_valid(self) -> bool:
        return self.papers is not None

    @property
    def is_unfiltered(self) -> bool:
        """Whether the state holds every paper (only controls such as sort set)."""
        return self.is_valid and not any(
            value
            for name, value in self.cleaned.items()
            if name not in CONTROL_PARAMETERS
        )

    @property
    def date_from(self) -> datetime.date | None:
        return self.cleaned.get("date_from")

    @property
    def date_to(self) -> datetime.date | None:
        return self.cleaned.get("date_to")


def list_state(params: QueryDict, *, request: HttpRequest | None = None) -> ListState:
    """The papers `params` select, as /api/papers and the list page count them.

    The request lets a signed-in reader's own parameters (`bookmarked`, `hide`) apply.
    """
    filterset = PaperFilter(params, queryset=Paper.objects.all(), request=request)
    if not filterset.is_valid():
        errors = {name: list(messages) for name, messages in filterset.errors.items()}
        return ListState(papers=None, errors=errors, cleaned={})
    return ListState(
        papers=filterset.qs.order_by(),
        errors={},
        cleaned=dict(filterset.form.cleaned_data),
    )
