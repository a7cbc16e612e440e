"""Any list state as a download: BibTeX, CSV, JSON or the digest's markdown tables.

Each writer is a generator of text chunks over papers fetched with
`Paper.objects.for_listing()` (or appearances with their papers), so a view can stream
a whole archive: no writer holds more than one paper. Pure: no queries of its own.

The markdown is the digest's current layout (one `## Papers for DATE` section per day,
six columns), written so that `import_digest` reads it back to the same papers.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import json
from collections.abc import Iterable, Iterator

from papers.citations import Citation, bibtex_entries
from papers.serializers import serialize_paper

CSV_COLUMNS = (
    "arxiv_id",
    "title",
    "authors",
    "summary",
    "tags",
    "digest_dates",
    "arxiv_url",
    "github_urls",
    "huggingface_urls",
)
# Spreadsheets run cells starting like this as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MARKDOWN_HEADER = (
    "| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n"
    "|-------|---------|---------|----------------|-------------|------------------|\n"
)
# What the digest parser unescapes in a title ("\[", "\|", ...).
_MARKDOWN_SPECIALS = str.maketrans({char: "\\" + char for char in "[]*_`|"})


def bibtex_chunks(papers: Iterable) -> Iterator[str]:
    for number, entry in enumerate(
        bibtex_entries(Citation.from_paper(paper) for paper in papers)
    ):
        yield ("\n" if number else "") + entry


def _csv_cell(value: str) -> str:
    # A quote in front makes a spreadsheet show the text instead of running it.
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_line(values: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([_csv_cell(value) for value in values])
    return out.getvalue()


def csv_chunks(papers: Iterable) -> Iterator[str]:
    """One row per paper; lists of values are joined with "; "."""
    yield _csv_line(CSV_COLUMNS)
    for paper in papers:
        yield _csv_line(
            [
                paper.arxiv_id,
                paper.title,
                "; ".join(paper.author_names),
                paper.summary,
                "; ".join(paper.tag_names),
                "; ".join(day.isoformat() for day in paper.digest_dates),
                paper.arxiv_url,
                "; ".join(paper.github_urls),
                "; ".join(paper.huggingface_urls),
            ]
        )


def json_chunks(papers: Iterable) -> Iterator[str]:
    """`{"papers": [...]}`, each paper as the API shows it."""
    yield '{"papers": ['
    for number, paper in enumerate(papers):
        yield (
            ("," if number else "")
            + "\n"
            + json.dumps(serialize_paper(paper), ensure_ascii=False)
        )
    yield "\n]}\n"


def _text_cell(text: str) -> str:
    # The parser HTML-unescapes cells and reads "<br>" as a line break: escape "&"
    # and "<" so text comes back as written; a table row is one line.
    escaped = html.escape(" ".join(text.split()), quote=False)
    return escaped.replace("|", "\\|")


def _title_cell(title: str, url: str) -> str:
    text = html.escape(" ".join(title.split()), quote=False)
    text = text.translate(_MARKDOWN_SPECIALS)
    if not url:
        return text
    return f"[{text}]({url.replace(' ', '%20').replace(')', '%29')})"


def _links_cell(urls: Iterable[str]) -> str:
    links = [f"[Link]({url.replace(' ', '%20')})" for url in urls if url]
    return ", ".join(links).replace("|", "%7C") or "N/A"


def markdown_row(paper) -> str:
    cells = [
        _title_cell(paper.title, paper.arxiv_url),
        _text_cell(", ".join(paper.author_names)),
        _text_cell(paper.summary),
        _text_cell(repr(paper.tag_names)),
        _links_cell(paper.github_urls),
        _links_cell(paper.huggingface_urls),
    ]
    return "| " + " | ".join(cells) + " |\n"


def markdown_chunks(appearances: Iterable) -> Iterator[str]:
    """Appearances ordered by day, then position (each with its paper, fetched
    for_listing): a `## Papers for DATE` section and table per day."""
    day: datetime.date | None = None
    for appearance in appearances:
        if appearance.date != day:
            day = appearance.date
            yield f"\n## Papers for {day.isoformat()}\n\n" + MARKDOWN_HEADER
        yield markdown_row(appearance.paper)
