"""How to cite one paper: a page (works without JavaScript) and its BibTeX file."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from papers.citations import Citation, bibtex_key, plain_reference, to_bibtex
from papers.models import Paper
from papers.views import HtmxHttpRequest


def _citation(key: str) -> tuple[Paper, Citation]:
    paper = get_object_or_404(Paper.objects.for_listing(), key=key)
    return paper, Citation.from_paper(paper)


@require_safe
def paper_cite(request: HtmxHttpRequest, key: str) -> HttpResponse:
    paper, citation = _citation(key)
    texts = {"bibtex": to_bibtex([citation]), "plain": plain_reference(citation)}
    return render(
        request, "papers/paper_cite.html", {"paper": paper, "citation": texts}
    )


@require_safe
def paper_cite_bibtex(request: HtmxHttpRequest, key: str) -> HttpResponse:
    _, citation = _citation(key)
    response = HttpResponse(
        to_bibtex([citation]), content_type="application/x-bibtex; charset=utf-8"
    )
    filename = bibtex_key(citation).replace(":", "-").replace("/", "-")
    response["Content-Disposition"] = f'attachment; filename="{filename}.bib"'
    return response
