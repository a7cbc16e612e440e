"""The list page: every paper, newest digest first."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from papers.models import Paper
from papers.views import HtmxHttpRequest


@require_GET
def paper_list(request: HtmxHttpRequest):
    page = Paginator(Paper.objects.for_listing(), 20).get_page(request.GET.get("page"))
    return render(request, "papers/paper_list.html", {"page": page})
