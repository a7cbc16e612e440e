"""The "For you" page of a logged-in reader: /for-you/?<the list page's filters>."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from papers.for_you import suggest, suggested_papers
from papers.links import link_buttons
from papers.list_state import list_state
from papers.models import Paper
from papers.summaries import split_summary
from papers.views import HtmxHttpRequest
from papers.views.accounts import reader_required


@require_safe
@reader_required
def for_you_page(request: HtmxHttpRequest) -> HttpResponse:
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    context = {
        "list_url": reverse("papers:list") + (f"?{query}" if query else ""),
        "filtered": bool(query),
    }
    state = list_state(params, request=request)
    if not state.is_valid:
        context["errors"] = state.errors
        return render(request, "papers/for_you.html", context, status=400)
    for_you = suggest(request.user, within=state.papers)
    papers = suggested_papers(
        for_you,
        Paper.objects.for_listing()
        .with_is_bookmarked(request.user)
        .with_is_dismissed(request.user),
    )
    for paper in papers:
        paper.summary_points = split_summary(paper.summary)
        paper.link_buttons = link_buttons(paper)
    context |= {"has_bookmarks": for_you.has_bookmarks, "papers": papers}
    return render(request, "papers/for_you.html", context)
