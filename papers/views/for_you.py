"""The "For you" page of a logged-in reader: /for-you/?<the list page's filters>.

The first page of the list sorted "for_you" (the browse engine ranks it), in a page
of its own that explains the sort and links to the whole list.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from papers.browse.engine import Scope, browse
from papers.browse.reader import Reader
from papers.filters import FOR_YOU
from papers.links import link_buttons
from papers.summaries import split_summary
from papers.views import HtmxHttpRequest
from papers.views.accounts import reader_required


@require_safe
@reader_required
def for_you_page(request: HtmxHttpRequest) -> HttpResponse:
    params = request.GET.copy()
    params.pop("page", None)
    filtered = bool(params.urlencode())
    params["sort"] = FOR_YOU
    list_path = reverse("papers:list")
    context = {
        "list_url": f"{list_path}?{params.urlencode()}",
        "filtered": filtered,
    }
    result = browse(Scope(path=list_path), params, Reader.of(request))
    if not result.valid:
        context["errors"] = result.errors
        return render(request, "papers/for_you.html", context, status=400)
    papers = list(result.page)
    for paper in papers:
        paper.summary_points = split_summary(paper.summary)
        paper.link_buttons = link_buttons(paper)
    context |= {
        "has_bookmarks": result.for_you.has_bookmarks,
        "papers": papers,
        "total": result.total,
    }
    return render(request, "papers/for_you.html", context)
