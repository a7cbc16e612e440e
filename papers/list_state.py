"""The papers of a list state (a scope plus the list page's query string), in the
list's order: what exports and feeds serve.

`state_papers` is the one place they get their papers from; today it runs the list
page's SQL path (PaperFilter, as the JSON API does), and it is the function to point
at another browse engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse

from papers.api_errors import form_errors
from papers.filters import PaperFilter
from papers.models import Author, Paper, PaperQuerySet, Tag


class InvalidListState(ValueError):
    """The query string has values the list page cannot read; `errors` per field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class ListScope:
    """Which list: every paper, an author's or a tag's; `path` is its page."""

    papers: PaperQuerySet
    title: str
    path: str


def list_scope(
    *, author_pk: int | None = None, tag_slug: str | None = None
) -> ListScope:
    """The scope of the list page, an author page or a tag page (404 if unknown)."""
    if author_pk is not None:
        author = get_object_or_404(Author, pk=author_pk)
        return ListScope(
            Paper.objects.by_authors(author.name),
            f"Papers by {author.name}",
            author.get_absolute_url(),
        )
    if tag_slug is not None:
        tag = get_object_or_404(Tag, slug=tag_slug)
        return ListScope(
            Paper.objects.tagged_any(tag.name),
            f"Papers tagged {tag.name}",
            tag.get_absolute_url(),
        )
    return ListScope(Paper.objects.all(), "Papers", reverse("papers:list"))


def state_papers(
    request: HttpRequest,
    scope: ListScope,
    params: QueryDict | None = None,
    *,
    personal: bool = True,
) -> PaperQuerySet:
    """Every paper of the state, in the list's order, fetched as cards need them
    (`for_listing`). Raises InvalidListState for parameters the list rejects.

    `personal=False` reads the state as a visitor without a session would (the
    reader's own marks do not apply): what a feed shows must not depend on who
    happens to open its URL.
    """
    params = request.GET if params is None else params
    filterset = PaperFilter(
        params,
        queryset=scope.papers.for_listing(),
        request=request if personal else None,
    )
    if not filterset.is_valid():
        raise InvalidListState(form_errors(filterset.errors))
    return filterset.qs
