"""The JSON twin of the list page: same parameters, same papers, plus `page_size`."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from papers.api_errors import api_error, form_errors
from papers.browse.engine import Scope, browse
from papers.browse.reader import Reader
from papers.filters import ApiPaperFilter
from papers.models import Paper, PaperQuerySet
from papers.related import related_papers, serialize_related
from papers.serializers import serialize_facets, serialize_paper, serialize_suggestion
from papers.views import HtmxHttpRequest


def _papers(request: HtmxHttpRequest) -> PaperQuerySet:
    return Paper.objects.for_listing().with_is_bookmarked(request.user)


def _serialize(request: HtmxHttpRequest, paper: Paper) -> dict:
    bookmarked = paper.is_bookmarked if request.user.is_authenticated else None
    return serialize_paper(paper, bookmarked=bookmarked)


@require_GET
def paper_list_api(request: HtmxHttpRequest) -> JsonResponse:
    # The reader lets `bookmarked` and `hide` apply to a signed-in reader; facet
    # links point at the list page, the API's HTML twin.
    result = browse(
        Scope(path=reverse("papers:list")),
        request.GET,
        Reader.of(request),
        filter_class=ApiPaperFilter,
    )
    if not result.valid:
        return api_error(
            400, "Some parameters are invalid.", errors=form_errors(result.errors)
        )
    page = result.page
    results = [_serialize(request, paper) for paper in page]
    if result.for_you is not None:
        # Sorted "for_you": each paper names the bookmark it is most like.
        for data, paper in zip(results, page, strict=True):
            data["because_of"] = serialize_suggestion(paper.suggestion)
    return JsonResponse(
        {
            "count": result.total,
            "page": page.number,
            "page_size": page.paginator.per_page,
            "num_pages": page.paginator.num_pages,
            "results": results,
            "facets": serialize_facets(result.facets),
        }
    )


@require_GET
def paper_detail_api(request: HtmxHttpRequest, key: str) -> JsonResponse:
    paper = _papers(request).filter(key=key).first()
    if paper is None:
        message = f"No paper has the key “{key}”."
        return api_error(404, message, errors={"key": [message]})
    data = _serialize(request, paper) | {
        "related": serialize_related(related_papers(paper))
    }
    return JsonResponse(data)
