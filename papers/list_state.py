"""The papers of a list state (a scope plus the list page's query string), for the
files built on it: exports (`state_papers`: every paper, in the list's order) and
feeds (`state_page`: the list's first page). Pages that summarise a state (trends,
"For you") ask the browse engine for its mask (papers.browse.engine.select).

`state_papers` runs the list page's SQL path (PaperFilter, which the browse engine's
tests hold equal to the engine), streaming any number of papers; `state_page` asks
the browse engine itself, so a feed shows exactly the first page of the list and of
/api/papers.
"""

from __future__ import annotations

import dataclasses

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse

from papers.api_errors import form_errors
from papers.browse.engine import Scope, browse
from papers.browse.reader import ANONYMOUS, Reader
from papers.filters import PaperFilter
from papers.models import Author, Paper, PaperQuerySet, Tag


class InvalidListState(ValueError):
    """The query string has values the list page cannot read; `errors` per field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors

    def as_response(self) -> HttpResponse:
        """A plain-text 400 naming each parameter at fault, for exports and feeds
        (whose clients read text, not the list page's form)."""
        lines = [
            f"{name}: {message}"
            for name, messages in self.errors.items()
            for message in messages
        ]
        return HttpResponse(
            "Some parameters are invalid.\n" + "\n".join(lines) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )


@dataclasses.dataclass(frozen=True)
class ListScope:
    """Which list: every paper, an author's or a tag's; `path` is its page, `scope`
    the same list for the browse engine."""

    papers: PaperQuerySet
    title: str
    path: str
    scope: Scope


def list_scope(
    *, author_pk: int | None = None, tag_slug: str | None = None
) -> ListScope:
    """The scope of the list page, an author page or a tag page (404 if unknown)."""
    if author_pk is not None:
        author = get_object_or_404(Author, pk=author_pk)
        path = author.get_absolute_url()
        return ListScope(
            Paper.objects.by_authors(author.name),
            f"Papers by {author.name}",
            path,
            Scope(path=path, author=author.name),
        )
    if tag_slug is not None:
        tag = get_object_or_404(Tag, slug=tag_slug)
        path = tag.get_absolute_url()
        return ListScope(
            Paper.objects.tagged_any(tag.name),
            f"Papers tagged {tag.name}",
            path,
            Scope(path=path, tag=tag.name),
        )
    path = reverse("papers:list")
    return ListScope(Paper.objects.all(), "Papers", path, Scope(path=path))


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


def state_page(
    request: HttpRequest,
    scope: ListScope,
    params: QueryDict | None = None,
    *,
    personal: bool = True,
) -> list[Paper]:
    """The first page of the state, as the browse engine lists it (the list page and
    /api/papers show the same papers in the same order). Raises InvalidListState for
    parameters the list rejects; `personal` as in `state_papers`."""
    params = (request.GET if params is None else params).copy()
    params.pop("page", None)
    reader = Reader.of(request) if personal else ANONYMOUS
    result = browse(scope.scope, params, reader)
    if not result.valid:
        raise InvalidListState(result.errors)
    return list(result.page)
