"""A reader's bookmarks as BibTeX, CSV and JSON downloads, and all their data as JSON.

`ExportedBookmark.from_bookmark` copies what an export needs out of a Bookmark fetched
with `Bookmark.objects.for_export()`; everything else here works on those plain records
and touches no database.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from papers import citations
from papers.citations import Citation, bibtex_key, latex_escape

__all__ = ["bibtex_key", "latex_escape", "to_bibtex"]

CSV_COLUMNS = (
    "arxiv_id",
    "title",
    "authors",
    "year",
    "tags",
    "digest_dates",
    "url",
    "status",
    "note",
    "lists",
    "bookmarked_at",
)

# Spreadsheets run cells starting like this as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportedBookmark:
    key: str
    arxiv_id: str
    title: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    digest_dates: tuple[datetime.date, ...]
    url: str
    status: str
    note: str
    lists: tuple[str, ...]
    bookmarked_at: datetime.datetime

    @classmethod
    def from_bookmark(cls, bookmark) -> ExportedBookmark:
        """Copy a Bookmark from `Bookmark.objects.for_export()` (no further queries)."""
        paper = bookmark.paper
        # The paper's part (first web link included) is what its citation holds.
        cited = Citation.from_paper(paper)
        return cls(
            key=cited.key,
            arxiv_id=cited.arxiv_id,
            title=cited.title,
            authors=cited.authors,
            tags=tuple(paper.tag_names),
            digest_dates=cited.digest_dates,
            url=cited.url,
            status=bookmark.status,
            note=bookmark.note,
            lists=tuple(
                sorted(reading_list.name for reading_list in bookmark.lists.all())
            ),
            bookmarked_at=bookmark.created_at,
        )

    @property
    def year(self) -> int | None:
        return citation(self).year


def citation(record: ExportedBookmark) -> Citation:
    return Citation(
        key=record.key,
        arxiv_id=record.arxiv_id,
        title=record.title,
        authors=record.authors,
        digest_dates=record.digest_dates,
        url=record.url,
        note=record.note,
    )


def to_bibtex(records: Iterable[ExportedBookmark]) -> str:
    """BibTeX by papers.citations (bibtexparser, pylatexenc); the note is kept."""
    return citations.to_bibtex(citation(record) for record in records)


def _csv_cell(value: str) -> str:
    # Prefix a quote so a spreadsheet shows the text instead of running a formula.
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(records: Iterable[ExportedBookmark]) -> str:
    """One row per bookmark; lists of values are joined with "; "."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        row = {
            "arxiv_id": record.arxiv_id,
            "title": record.title,
            "authors": "; ".join(record.authors),
            "year": str(record.year or ""),
            "tags": "; ".join(record.tags),
            "digest_dates": "; ".join(day.isoformat() for day in record.digest_dates),
            "url": record.url,
            "status": record.status,
            "note": record.note,
            "lists": "; ".join(record.lists),
            "bookmarked_at": record.bookmarked_at.isoformat(),
        }
        writer.writerow([_csv_cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def record_as_json(record: ExportedBookmark) -> dict:
    data = asdict(record)
    data["authors"] = list(record.authors)
    data["tags"] = list(record.tags)
    data["lists"] = list(record.lists)
    data["digest_dates"] = [day.isoformat() for day in record.digest_dates]
    data["bookmarked_at"] = record.bookmarked_at.isoformat()
    data["year"] = record.year
    return data


def to_json(records: Iterable[ExportedBookmark]) -> str:
    bookmarks = [record_as_json(record) for record in records]
    return json.dumps(
        {"count": len(bookmarks), "bookmarks": bookmarks}, ensure_ascii=False, indent=2
    )


def _isoformat(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def user_data_json(
    *,
    user: dict,
    profile: dict,
    records: Iterable[ExportedBookmark],
    lists: Iterable[dict],
    dismissals: Iterable[dict],
    exported_at: datetime.datetime,
) -> str:
    """Everything the site keeps about a reader, as one JSON document.

    `user`, `profile`, `lists` and `dismissals` are plain dicts; datetimes in them are
    written in ISO 8601.
    """

    def plain(data: dict) -> dict:
        return {
            name: _isoformat(value) if isinstance(value, datetime.datetime) else value
            for name, value in data.items()
        }

    document = {
        "exported_at": exported_at.isoformat(),
        "user": plain(user),
        "profile": plain(profile),
        "bookmarks": [record_as_json(record) for record in records],
        "lists": [plain(reading_list) for reading_list in lists],
        "dismissals": [plain(dismissal) for dismissal in dismissals],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
