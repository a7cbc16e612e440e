from django import template

from papers.citations import Citation, plain_reference, to_bibtex

register = template.Library()


class CitationTexts:
    """What the citation templates show: the BibTeX entry and the plain reference."""

    def __init__(self, citation: Citation) -> None:
        self.bibtex = to_bibtex([citation])
        self.plain = plain_reference(citation)


@register.simple_tag
def paper_citation(paper) -> CitationTexts:
    """`{% paper_citation paper as citation %}` for a Paper from for_listing()
    (authorships and appearances prefetched: no queries)."""
    return CitationTexts(Citation.from_paper(paper))
