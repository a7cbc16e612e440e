"""The list page, its pre-filtered twins (an author's, a tag's) and author suggestions.

One view serves both the full page and, for htmx, the `#browse` partial; every state
is in the query string, so the same URL works without JavaScript. The state itself
(results, facets, chips) comes from the browse engine, papers.browse.engine.browse().
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_cookie, vary_on_headers

from papers.browse.engine import Browse, Scope, browse, facet_search
from papers.browse.querystring import replace_url
from papers.browse.reader import Reader
from papers.clean_urls import redirect_to_clean_url
from papers.filters import LIST_SORTS, SORTS, TAG_MODES, PaperFilter
from papers.links import link_buttons
from papers.list_mode import ListMode, list_mode_for
from papers.models import Author, Tag, count_visible
from papers.query_language import highlight_words, parse_query
from papers.saved_searches import canonical_params
from papers.summaries import split_summary
from papers.titles import list_title, reader_labels
from papers.views import HtmxHttpRequest

TEMPLATE = "papers/paper_list.html"


def browse_context(
    request: HtmxHttpRequest, result: Browse, *, path: str, scope_name: str = ""
) -> dict:
    """What paper_list.html (and bookmark_list.html) show of a list state.

    `scope_name` (an author's or tag's name, "My bookmarks") starts the page title.

    With an invalid parameter there are no results: the errors are shown next to their
    fields and the selection is kept, so fixing one value restores the rest.
    The "For you" sort is offered to a logged-in reader only (it ranks by bookmarks).
    """
    context = {
        "browse": result,
        "form": result.form,
        "action": path,
        "sorts": LIST_SORTS if Reader.of(request).user else SORTS,
        "for_you": result.for_you,
        "tag_modes": TAG_MODES,
        "author_q": result.author_q,
        "tag_q": result.tag_q,
        "clear_url": result.clear_url,
        "facets": result.facets,
        "invalid": not result.valid,
        "list_mode": list_mode_for(request),
        "list_modes": ListMode.choices,
    }
    if not result.valid:
        return {**context, "page_title": list_title(scope=scope_name, count=None)}
    for paper in result.page:
        paper.summary_points = split_summary(paper.summary)
        paper.link_buttons = link_buttons(paper)
    page = result.page
    return {
        **context,
        "page": page,
        "page_range": result.page_range,
        "sort": result.sort,
        "tag_mode": result.tag_mode,
        "chips": result.chips,
        # Page 1 is the state's own address, without `page=1`.
        "first_page_url": replace_url(path, request.GET),
        "quick_ranges": result.quick_ranges,
        "page_title": list_title(
            scope=scope_name,
            chips=result.chips,
            # Anonymous requests ignore the reader's parameters.
            reader_filters=(
                reader_labels(result.data) if Reader.of(request).user else ()
            ),
            count=result.total,
            page=page.number,
            pages=page.paginator.num_pages,
        ),
        "search_highlight": highlight_words(parse_query(result.data.get("q") or "")),
    }


def _template(request: HtmxHttpRequest, template: str, partial: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


@require_GET
@vary_on_headers("HX-Request")
@vary_on_cookie  # the list_mode cookie picks the layout
@redirect_to_clean_url()
def paper_list(request: HtmxHttpRequest) -> HttpResponse:
    path = reverse("papers:list")
    result = browse(Scope(path=path), request.GET, Reader.of(request))
    context = browse_context(request, result, path=path)
    # "Save this search" (papers.views.saved_searches) offers the state as it
    # would be saved; an invalid state cannot be.
    context["save_search"] = True
    if result.valid:
        context["save_query"] = canonical_params(request.GET).urlencode()
    return render(request, _template(request, TEMPLATE, "browse"), context)


def _scoped_list(
    request: HtmxHttpRequest,
    *,
    scope: Scope,
    heading: str,
    heading_kind: str,
    scope_count: int,
) -> HttpResponse:
    """The list page limited to `scope`, headed by the author's or tag's name and its
    paper count; `heading_kind` ("author", "tag") picks the heading's wording."""
    result = browse(scope, request.GET, Reader.of(request))
    context = browse_context(request, result, path=request.path, scope_name=heading)
    context |= {
        "heading": heading,
        "heading_kind": heading_kind,
        "scope_count": scope_count,
    }
    return render(request, _template(request, TEMPLATE, "browse"), context)


@require_GET
@vary_on_headers("HX-Request")
@vary_on_cookie  # the list_mode cookie picks the layout
@redirect_to_clean_url()
def author_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The list page limited to one author's papers."""
    author = get_object_or_404(
        Author.objects.annotate(
            paper_count=count_visible("authorships", "authorships__paper__")
        ),
        pk=pk,
    )
    return _scoped_list(
        request,
        scope=Scope(path=request.path, author=author.name),
        heading=author.name,
        heading_kind="author",
        scope_count=author.paper_count,
    )


@require_GET
@vary_on_headers("HX-Request")
@vary_on_cookie  # the list_mode cookie picks the layout
@redirect_to_clean_url()
def tag_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The list page limited to the papers carrying one tag."""
    tag = get_object_or_404(
        Tag.objects.annotate(paper_count=count_visible("papers", "papers__")),
        slug=slug,
    )
    return _scoped_list(
        request,
        scope=Scope(path=request.path, tag=tag.name),
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
        contains = facet_search(params, "author_q")
    else:
        contains = facet_search(params, "q")
        params = params.copy()
        params.pop("q", None)
        params["author_q"] = contains
    list_url = reverse("papers:list")
    result = browse(Scope(path=list_url), params, Reader(), filter_class=PaperFilter)
    facet = result.facets.author if result.valid else None
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
        "form": result.form,
        "action": list_url,
        "hidden": hidden,
    }
    template = _template(request, "papers/author_suggest.html", "author-values")
    return render(request, template, context)
