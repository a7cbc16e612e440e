"""Papers and facets as plain dicts for the JSON API (GET /api/papers)."""

from __future__ import annotations

from typing import Any

from papers.browse.facets import Facet, Facets
from papers.for_you import Suggestion
from papers.links import classify_links, web_url, web_urls
from papers.models import Paper


def serialize_paper(paper: Paper, *, bookmarked: bool | None = None) -> dict[str, Any]:
    """One paper as the API shows it; expects `Paper.objects.for_listing()` prefetches.

    `bookmarked` is included only when given, i.e. for a signed-in reader.
    """
    data: dict[str, Any] = {
        "key": paper.key,
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "authors": paper.author_names,
        "summary": paper.summary,
        "tags": paper.tag_names,
        # The digest's columns, `links` adding what each link points at. Only web
        # pages (http, https) are served, whatever an import stored: a client may
        # make any of these a link, and "javascript:" must never become one.
        "github_urls": web_urls(paper.github_urls),
        "huggingface_urls": web_urls(paper.huggingface_urls),
        "links": [
            {"url": href, "kind": link.kind}
            for link in [
                *classify_links(paper.github_urls, column="github"),
                *classify_links(paper.huggingface_urls, column="huggingface"),
            ]
            if (href := web_url(link.url))
        ],
        "digest_dates": [day.isoformat() for day in paper.digest_dates],
        "url": paper.get_absolute_url(),
    }
    if bookmarked is not None:
        data["bookmarked"] = bookmarked
    return data


def serialize_suggestion(suggestion: Suggestion) -> dict[str, Any]:
    """Why a paper is in a list sorted "for_you": the bookmark it is most like."""
    seed = suggestion.because_of
    return {
        "key": seed.key,
        "title": seed.title,
        "url": seed.get_absolute_url(),
        "score": round(suggestion.score, 3),
        "shared_terms": list(suggestion.shared_terms),
    }


def _facet_value(facet: Facet, value: str) -> Any:
    if facet.name in ("has_code", "has_hf"):
        return value == "1"
    return value


def serialize_facets(facets: Facets) -> dict[str, list[dict[str, Any]]]:
    """Each facet's values with counts; sorted by count, then name."""
    return {
        facet.name: [
            {
                "value": _facet_value(facet, value.value),
                "count": value.count,
                "selected": value.selected,
            }
            for value in facet.values
        ]
        for facet in facets.as_list()
    }
