"""How to cite a paper: BibTeX (written by bibtexparser, LaTeX-escaped by pylatexenc)
and a plain-text reference.

`Citation.from_paper` copies what a citation needs out of a Paper fetched with
`Paper.objects.for_listing()` (author names and digest days included, so no further
queries); everything else here is pure.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.middlewares import AddEnclosingMiddleware
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat
from pylatexenc.latexencode import UnicodeToLatexEncoder

from papers.links import web_url

BIBTEX_FIELD_ORDER = (
    "title",
    "author",
    "year",
    "eprint",
    "archivePrefix",
    "url",
    "note",
)

# LaTeX specials become their macros (`\&`, `\{`, `\textbackslash{}`), accented
# letters their accent macros in braces, which classic BibTeX sorts and prints right.
# A character LaTeX has no name for (CJK) is kept as it is: biber reads UTF-8.
_LATEX = UnicodeToLatexEncoder(
    replacement_latex_protection="braces",
    unknown_char_policy="keep",
    unknown_char_warning=False,
)
# What a citation key may not contain (BibTeX and biber agree on these).
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_.:/+-]+")
_NEW_STYLE_ARXIV_ID = re.compile(r"(\d{2})(\d{2})\.\d{4,5}(v\d+)?")


@dataclass(frozen=True)
class Citation:
    key: str
    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    digest_dates: tuple[datetime.date, ...]
    url: str
    note: str = ""

    @classmethod
    def from_paper(cls, paper, *, note: str = "") -> Citation:
        """From a Paper fetched with `for_listing()` (no further queries)."""
        # The first web link: a digest may hold "javascript:" where a URL belongs,
        # and BibTeX readers turn the url field into a clickable link.
        web_urls = (web_url(url) for url in [paper.arxiv_url, *paper.github_urls])
        return cls(
            key=paper.key,
            arxiv_id=paper.arxiv_id,
            title=paper.title,
            authors=tuple(paper.author_names),
            digest_dates=tuple(paper.digest_dates),
            url=next((url for url in web_urls if url), ""),
            note=note,
        )

    @property
    def year(self) -> int | None:
        """Publication year: from a new-style arXiv id, else the first digest day."""
        match = _NEW_STYLE_ARXIV_ID.fullmatch(self.arxiv_id)
        if match:
            return 2000 + int(match.group(1))
        if self.digest_dates:
            return min(self.digest_dates).year
        return None


# The printable ASCII characters the encoder leaves as they are: text made only of
# them (most titles and names) skips it, as it walks a string one character at a
# time in Python (most of the time of a result page's twenty citations).
LATEX_PLAIN = frozenset(
    char for char in map(chr, range(32, 127)) if _LATEX.unicode_to_latex(char) == char
)


def latex_escape(text: str) -> str:
    """LaTeX for `text`, whitespace folded (a blank line would end a paragraph)."""
    folded = " ".join(text.split())
    if LATEX_PLAIN.issuperset(folded):
        return folded
    return _LATEX.unicode_to_latex(folded)


def bibtex_url(url: str) -> str:
    """URLs are read verbatim (biblatex, hyperref): percent-encode, never backslash."""
    for char, code in (("\\", "%5C"), ("{", "%7B"), ("}", "%7D"), (" ", "%20")):
        url = url.replace(char, code)
    return url


def bibtex_key(citation: Citation) -> str:
    """`arxiv:<id>` for arXiv papers, else `paper:<site key>`, made key-safe."""
    key = f"arxiv:{citation.arxiv_id}" if citation.arxiv_id else f"paper:{citation.key}"
    return _KEY_UNSAFE.sub("-", key).strip("-") or "paper"


def bibtex_author(names: Sequence[str]) -> str:
    # A name containing " and " or a comma would be split or reordered by BibTeX:
    # bracing it keeps it one name, as written.
    parts = []
    for name in names:
        escaped = latex_escape(name)
        if "," in name or re.search(r"\sand\s", name, flags=re.IGNORECASE):
            escaped = "{" + escaped + "}"
        parts.append(escaped)
    return " and ".join(parts)


def bibtex_entry(citation: Citation, *, key: str | None = None) -> Entry:
    values = {
        "title": latex_escape(citation.title),
        "author": bibtex_author(citation.authors),
        "year": str(citation.year) if citation.year else "",
        "eprint": latex_escape(citation.arxiv_id),
        "archivePrefix": "arXiv" if citation.arxiv_id else "",
        "url": bibtex_url(citation.url.strip()),
        "note": latex_escape(citation.note),
    }
    fields = [Field(name, values[name]) for name in BIBTEX_FIELD_ORDER if values[name]]
    return Entry("misc", key or bibtex_key(citation), fields)


_FORMAT = BibtexFormat()
_FORMAT.indent = "  "
_FORMAT.block_separator = "\n\n"
# Every value in braces (years too), so a "#" or a name never reads as a macro.
_ENCLOSE = AddEnclosingMiddleware(
    reuse_previous_enclosing=False, enclose_integers=True, default_enclosing="{"
)


def bibtex_entries(citations: Iterable[Citation]) -> Iterable[str]:
    """One BibTeX entry per citation, keys made unique, each ending in a newline;
    one at a time, so long exports stream."""
    # Only keys that are not arXiv ids can clash (two site keys that sanitise alike):
    # remembering just those keeps a million-paper export's memory flat.
    used: set[str] = set()
    for citation in citations:
        key = base = bibtex_key(citation)
        suffix = 2
        while key in used:
            key = f"{base}-{suffix}"
            suffix += 1
        if not citation.arxiv_id:
            used.add(key)
        library = Library([bibtex_entry(citation, key=key)])
        text = bibtexparser.write_string(
            library, unparse_stack=[_ENCLOSE], bibtex_format=_FORMAT
        )
        yield text.strip() + "\n"


def to_bibtex(citations: Iterable[Citation]) -> str:
    return "\n".join(bibtex_entries(citations))


def _author_list(names: Sequence[str]) -> str:
    if len(names) > 20:  # as APA: the first 19, an ellipsis, the last
        return ", ".join(names[:19]) + ", … " + names[-1]
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return names[0] if names else ""


def plain_reference(citation: Citation) -> str:
    """`Authors (Year). Title. arXiv:ID. URL` as one line of text."""
    parts = []
    authors = _author_list(citation.authors)
    year = f"({citation.year})" if citation.year else ""
    if authors or year:
        parts.append(" ".join(part for part in (authors, year) if part) + ".")
    title = " ".join(citation.title.split())
    parts.append(title if title.endswith(("?", "!", ".")) else title + ".")
    if citation.arxiv_id:
        parts.append(f"arXiv:{citation.arxiv_id}.")
    if citation.url:
        parts.append(citation.url)
    return " ".join(parts)
