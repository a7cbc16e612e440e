"""Any list state (list, author or tag page, same query string) as a streamed file."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe

from papers import list_exports
from papers.list_state import InvalidListState, ListScope, list_scope, state_papers
from papers.models import Appearance, Authorship, PaperQuerySet
from papers.views import HtmxHttpRequest

# Papers fetched (and their authors, tags and days prefetched) per round trip: the
# memory an export holds, whatever the size of the archive.
CHUNK_SIZE = 500

FORMATS = {
    "bib": ("application/x-bibtex; charset=utf-8", list_exports.bibtex_chunks),
    "csv": ("text/csv; charset=utf-8", list_exports.csv_chunks),
    "json": ("application/json", list_exports.json_chunks),
    "md": ("text/markdown; charset=utf-8", list_exports.markdown_chunks),
}


def _appearances(papers: PaperQuerySet):
    """The state's digest days, newest first, each with its paper as a card needs."""
    return (
        Appearance.objects.filter(paper__in=papers.order_by().values("pk"))
        .select_related("paper")
        .prefetch_related(
            Prefetch(
                "paper__authorships",
                queryset=Authorship.objects.in_order(),
            ),
            "paper__tags",
        )
        .order_by("-date", "position", "pk")
    )


def _export(request: HtmxHttpRequest, scope: ListScope, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        names = ", ".join(sorted(FORMATS))
        return HttpResponse(
            f"Unknown export format “{fmt}”: use one of {names}.\n",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    try:
        papers = state_papers(request, scope)
    except InvalidListState as invalid:
        return invalid.as_response()
    content_type, write = FORMATS[fmt]
    rows = _appearances(papers) if fmt == "md" else papers
    response = StreamingHttpResponse(
        write(rows.iterator(chunk_size=CHUNK_SIZE)), content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="papers.{fmt}"'
    return response


@require_safe
def paper_list_export(request: HtmxHttpRequest, fmt: str) -> HttpResponse:
    return _export(request, list_scope(), fmt)


@require_safe
def author_export(request: HtmxHttpRequest, pk: int, fmt: str) -> HttpResponse:
    return _export(request, list_scope(author_pk=pk), fmt)


@require_safe
def tag_export(request: HtmxHttpRequest, slug: str, fmt: str) -> HttpResponse:
    return _export(request, list_scope(tag_slug=slug), fmt)
