"""Read digest files into records: pure functions, no database, no file access.

Two families of input, told apart by content (never by file name), each read by its
own module over a shared normaliser:

- markdown (papers.importer.parser.markdown): one or more days under "Papers for
  YYYY-MM-DD" headings, each with a table in any of the layouts the digests have
  used (current, older, earliest, and many days in one README);
- JSON daily results (papers.importer.parser.json_days): a list of paper objects;
- papers.importer.parser.normalise: everything they share, from arXiv ids and
  author splitting to link repair, caps and duplicates.

Data-quality findings that do not stop an import become the day's warnings; input
that cannot be read raises DigestParseError with a line number.
"""

from __future__ import annotations

import datetime

from papers.importer.parser import markdown
from papers.importer.parser.json_days import looks_like_json, parse_json
from papers.importer.parser.markdown import MarkdownReader
from papers.importer.parser.normalise import (
    DigestParseError,
    arxiv_id_from_url,
    tag_slug,
)
from papers.importer.records import DigestRecord

__all__ = [
    "DigestParseError",
    "arxiv_id_from_url",
    "parse_digests",
    "sketch_days",
    "tag_slug",
]


def parse_digests(text: str, *, source: str) -> list[DigestRecord]:
    """Every digest day in one file's text, in file order.

    `source` (a path or "<stdin>") only labels the records and, for JSON papers
    without a date, supplies it from a ".../YYYY/MM/DD.json" path.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if looks_like_json(text):
        return parse_json(text, source)
    return MarkdownReader(text, source).read()


def sketch_days(text: str) -> dict[datetime.date, int] | None:
    """A markdown digest's days and their approximate sizes, without parsing it
    (papers.importer.parser.markdown.sketch_days); None for JSON, which is parsed
    instead."""
    text = text.removeprefix("\ufeff")
    if looks_like_json(text):
        return None
    return markdown.sketch_days(text)
