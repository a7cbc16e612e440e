"""Atom and RSS feeds of any list state (the list, an author's or a tag's page, with
the page's query string): the first page of the same papers, newest first unless the
state sorts otherwise. Django's syndication framework writes them.

Entry ids are the arXiv id (`arxiv:2503.01785`), so a reader never shows a paper twice
when its text changes; the summary, escaped, is the entry's content.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from papers.list_state import InvalidListState, ListScope, list_scope, state_page
from papers.models import Paper
from papers.summaries import split_summary

SITE_TITLE = "AI paper digests"


@dataclass(frozen=True)
class FeedState:
    scope: ListScope
    query: str  # the list state's query string, without the page
    papers: list[Paper]


def _query_string(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _at_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


class ListStateRssFeed(Feed):
    feed_type = Rss201rev2Feed

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().__call__(request, *args, **kwargs)
        except InvalidListState as invalid:
            return invalid.as_response()

    def get_object(
        self, request: HttpRequest, pk: int | None = None, slug: str | None = None
    ) -> FeedState:
        scope = list_scope(author_pk=pk, tag_slug=slug)
        papers = state_page(request, scope, personal=False)
        return FeedState(scope, _query_string(request), papers)

    def title(self, state: FeedState) -> str:
        filtered = " (filtered)" if state.query else ""
        return f"{state.scope.title}{filtered} · {SITE_TITLE}"

    def link(self, state: FeedState) -> str:
        return state.scope.path + (f"?{state.query}" if state.query else "")

    def description(self, state: FeedState) -> str:
        return f"The newest papers of this list on {SITE_TITLE}."

    def items(self, state: FeedState) -> list[Paper]:
        return state.papers

    def item_title(self, paper: Paper) -> str:
        return paper.title

    def item_description(self, paper: Paper) -> str:
        # Feed readers render this as HTML: the digest's text is escaped first.
        points = split_summary(paper.summary)
        if len(points) > 1:
            items = "".join(f"<li>{escape(point)}</li>" for point in points)
            summary = f"<ul>{items}</ul>"
        else:
            summary = f"<p>{escape(points[0])}</p>" if points else ""
        return _reason(paper) + summary

    def item_link(self, paper: Paper) -> str:
        return paper.get_absolute_url()

    def item_guid(self, paper: Paper) -> str:
        return f"arxiv:{paper.arxiv_id}" if paper.arxiv_id else f"paper:{paper.key}"

    item_guid_is_permalink = False

    def item_author_name(self, paper: Paper) -> str:
        return ", ".join(paper.author_names)

    def item_categories(self, paper: Paper) -> list[str]:
        return paper.tag_names

    def item_pubdate(self, paper: Paper) -> datetime.datetime:
        if paper.last_digest_date:
            return _at_midnight(paper.last_digest_date)
        return paper.created_at

    def item_updateddate(self, paper: Paper) -> datetime.datetime:
        return paper.updated_at


def _reason(paper: Paper) -> str:
    """Why a paper is in a list sorted "For you" (a saved search's private feed),
    as its card says it; nothing for any other list."""
    suggestion = getattr(paper, "suggestion", None)
    if suggestion is None:
        return ""
    return f"<p>Because you saved “{escape(suggestion.because_of.title)}”.</p>"


class ListStateAtomFeed(ListStateRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, state: FeedState) -> str:
        return self.description(state)


FEEDS = {"atom": ListStateAtomFeed(), "rss": ListStateRssFeed()}
