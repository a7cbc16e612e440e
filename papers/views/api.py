"""The JSON twin of the list page: same parameters, same papers, plus `page_size`."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from papers.api_errors import api_error, form_errors
from papers.count_cache import SharedCountPaginator
from papers.facets import compute_facets
from papers.filters import DEFAULT_PAGE_SIZE, ApiPaperFilter
from papers.models import Paper, PaperQuerySet
from papers.related import related_papers, serialize_related
from papers.serializers import serialize_facets, serialize_paper
from papers.views import HtmxHttpRequest


def _papers(request: HtmxHttpRequest) -> PaperQuerySet:
    return Paper.objects.for_listing().with_is_bookmarked(request.user)


def _serialize(request: HtmxHttpRequest, paper: Paper) -> dict:
    bookmarked = paper.is_bookmarked if request.user.is_authenticated else None
    return serialize_paper(paper, bookmarked=bookmarked)


@require_GET
def paper_list_api(request: HtmxHttpRequest) -> JsonResponse:
    # The request lets `bookmarked` and `hide` apply to a signed-in reader.
    filterset = ApiPaperFilter(request.GET, queryset=_papers(request), request=request)
    if not filterset.is_valid():
        return api_error(
            400, "Some parameters are invalid.", errors=form_errors(filterset.errors)
        )
    data = filterset.form.cleaned_data
    shared = filterset.counts_are_shared
    page_size = data["page_size"] or DEFAULT_PAGE_SIZE
    if shared:
        paginator = SharedCountPaginator(
            filterset.qs, page_size, count_from=filterset.qs_for_counting()
        )
    else:
        paginator = Paginator(filterset.qs, page_size)
    page = paginator.get_page(data["page"])
    facets = compute_facets(
        filterset, path=reverse("papers:list"), params=request.GET, shared=shared
    )
    return JsonResponse(
        {
            "count": paginator.count,
            "page": page.number,
            "page_size": paginator.per_page,
            "num_pages": paginator.num_pages,
            "results": [_serialize(request, paper) for paper in page],
            "facets": serialize_facets(facets),
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
