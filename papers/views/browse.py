"""The list page, its pre-filtered twins (an author's, a tag's) and author suggestions.

One view serves both the full page and, for htmx, the `#browse` partial; every state
is in the query string, so the same URL works without JavaScript.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.test import RequestFactory
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from papers.count_cache import SharedCountPaginator
from papers.facets import (
    MAX_FACET_SEARCH,
    active_filters,
    author_facet,
    clear_all_url,
    compute_facets,
    quick_ranges,
    selection_facets,
)
from papers.filters import DEFAULT_PAGE_SIZE, SORTS, TAG_MODES, PaperFilter
from papers.links import link_buttons
from papers.middleware import new_since
from papers.models import Author, Digest, Paper, PaperQuerySet, Tag
from papers.query_language import highlight_words, parse_query
from papers.summaries import split_summary
from papers.views import HtmxHttpRequest

TEMPLATE = "papers/paper_list.html"


def _facet_search(params: QueryDict, name: str) -> str:
    """A facet's own search box ("find an author"): narrows the values it lists."""
    return params.get(name, "").replace("\x00", "").strip()[:MAX_FACET_SEARCH]


def browse_context(
    request: HtmxHttpRequest,
    *,
    scope: PaperQuerySet,
    path: str,
    filter_class: type[PaperFilter] = PaperFilter,
) -> dict:
    """Everything paper_list.html shows for `scope` filtered by the query string.

    "My bookmarks" passes its own scope and `filter_class` (papers.views.bookmarks).

    With an invalid parameter there are no results: the errors are shown next to their
    fields and the selection is kept, so fixing one value restores the rest.
    """
    params = request.GET
    filterset = filter_class(params, queryset=scope.for_listing(), request=request)
    author_q = _facet_search(params, "author_q")
    tag_q = _facet_search(params, "tag_q")
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "action": path,
        "sorts": SORTS,
        "tag_modes": TAG_MODES,
        "author_q": author_q,
        "tag_q": tag_q,
        "clear_url": clear_all_url(path, params),
    }
    if not filterset.is_valid():
        return {
            **context,
            "invalid": True,
            "facets": selection_facets(filterset.form, path=path, params=params),
        }

    data = filterset.form.cleaned_data
    papers = (
        filterset.qs.with_is_bookmarked(request.user)
        .with_is_dismissed(request.user)
        .with_is_new(new_since(request))
    )
    shared = filterset.counts_are_shared
    if shared:
        paginator = SharedCountPaginator(
            papers, DEFAULT_PAGE_SIZE, count_from=filterset.qs_for_counting()
        )
    else:
        paginator = Paginator(papers, DEFAULT_PAGE_SIZE)
    page = paginator.get_page(data["page"])
    for paper in page:
        paper.summary_points = split_summary(paper.summary)
        paper.link_buttons = link_buttons(paper)
    latest = Digest.objects.aggregate(latest=Max("date"))["latest"]
    return {
        **context,
        "invalid": False,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(
            page.number, on_each_side=2, on_ends=1
        ),
        "sort": data.get("sort") or "",
        "tag_mode": filterset.tag_match,
        "facets": compute_facets(
            filterset,
            path=path,
            params=params,
            author_contains=author_q,
            tag_contains=tag_q,
            shared=shared,
        ),
        "chips": active_filters(data, path=path, params=params),
        "search_highlight": highlight_words(parse_query(data.get("q") or "")),
        "quick_ranges": quick_ranges(latest, data, path=path, params=params),
    }


def _template(request: HtmxHttpRequest, template: str, partial: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def warm_list_page_counts() -> None:
    """Count the list page as a visitor without filters sees it, into the shared
    count cache (papers.count_cache).

    An import invalidates the cache, and over a large archive these counts take
    seconds; the importer calls this so that no visitor waits for them. The global
    counts are also each facet's own counts when only that facet is selected (one
    tag, one author), so those states get faster too. The request is built here
    rather than received, so the counts are computed by the view's own code.
    """
    request = RequestFactory().get(reverse("papers:list"))
    request.user = AnonymousUser()
    request.htmx = HtmxDetails(request)
    browse_context(request, scope=Paper.objects.all(), path=reverse("papers:list"))


@require_GET
@vary_on_headers("HX-Request")
def paper_list(request: HtmxHttpRequest) -> HttpResponse:
    context = browse_context(
        request, scope=Paper.objects.all(), path=reverse("papers:list")
    )
    return render(request, _template(request, TEMPLATE, "browse"), context)


def _scoped_list(
    request: HtmxHttpRequest,
    *,
    scope: PaperQuerySet,
    heading: str,
    heading_kind: str,
    scope_count: int,
) -> HttpResponse:
    """The list page limited to `scope`, headed by the author's or tag's name and its
    paper count; `heading_kind` ("author", "tag") picks the heading's wording."""
    context = browse_context(request, scope=scope, path=request.path)
    context |= {
        "heading": heading,
        "heading_kind": heading_kind,
        "scope_count": scope_count,
    }
    return render(request, _template(request, TEMPLATE, "browse"), context)


@require_GET
@vary_on_headers("HX-Request")
def author_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The list page limited to one author's papers."""
    author = get_object_or_404(
        Author.objects.annotate(paper_count=Count("authorships")), pk=pk
    )
    return _scoped_list(
        request,
        scope=Paper.objects.by_authors(author.name),
        heading=author.name,
        heading_kind="author",
        scope_count=author.paper_count,
    )


@require_GET
@vary_on_headers("HX-Request")
def tag_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The list page limited to the papers carrying one tag."""
    tag = get_object_or_404(
        Tag.objects.annotate(paper_count=Count("papers")), slug=slug
    )
    return _scoped_list(
        request,
        scope=Paper.objects.tagged_any(tag.name),
        heading=tag.name,
        heading_kind="tag",
        scope_count=tag.paper_count,
    )


@require_GET
@vary_on_headers("HX-Request")
def author_suggest(request: HtmxHttpRequest) -> HttpResponse:
    """Authors whose name contains `author_q` (or `q`), with their paper counts.

    The list page's author box sends `author_q` together with the page's filters (whose
    `q` is the text search), and the counts respect those filters. A request without
    `author_q` reads the name from `q`, for a plain `/authors/suggest?q=...`.
    For htmx the answer is the fragment that replaces the author facet's values;
    otherwise a small page with a form back to the list.
    """
    params = request.GET
    if "author_q" in params:
        contains = _facet_search(params, "author_q")
    else:
        contains = _facet_search(params, "q")
        params = params.copy()
        params.pop("q", None)
        params["author_q"] = contains
    list_url = reverse("papers:list")
    filterset = PaperFilter(params, queryset=Paper.objects.all())
    facet = None
    if filterset.is_valid():
        facet = author_facet(filterset, path=list_url, params=params, contains=contains)
    # What the plain page's form carries back to the list besides the author boxes.
    hidden = [
        (key, value)
        for key, values in params.lists()
        if key not in ("author", "author_q", "page")
        for value in values
    ]
    context = {
        "facet": facet,
        "author_q": contains,
        "form": filterset.form,
        "action": list_url,
        "hidden": hidden,
    }
    template = _template(request, "papers/author_suggest.html", "author-values")
    return render(request, template, context)
