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
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

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

# LaTeX's special characters, each as something both BibTeX and LaTeX read back as
# the character itself. Braces are escaped too, so an unbalanced "{" in a title
# cannot end the field early.
_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\^{}",
}
_LATEX_SPECIAL = re.compile("|".join(re.escape(char) for char in _LATEX_ESCAPES))
# What a citation key may not contain (BibTeX and biber agree on these).
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_.:/+-]+")
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
        # The first web link: a digest may hold "javascript:" where a URL belongs,
        # and BibTeX readers turn the url field into a clickable link.
        web_urls = (web_url(url) for url in [paper.arxiv_url, *paper.github_urls])
        return cls(
            key=paper.key,
            arxiv_id=paper.arxiv_id,
            title=paper.title,
            authors=tuple(a.author.name for a in paper.authorships.all()),
            tags=tuple(tag.name for tag in paper.tags.all()),
            digest_dates=tuple(a.date for a in paper.appearances.all()),
            url=next((url for url in web_urls if url), ""),
            status=bookmark.status,
            note=bookmark.note,
            lists=tuple(
                sorted(reading_list.name for reading_list in bookmark.lists.all())
            ),
            bookmarked_at=bookmark.created_at,
        )

    @property
    def year(self) -> int | None:
        """Publication year: from a new-style arXiv id, else the first digest day."""
        match = re.fullmatch(r"(\d{2})(\d{2})\.\d{4,5}(v\d+)?", self.arxiv_id)
        if match:
            return 2000 + int(match.group(1))
        if self.digest_dates:
            return min(self.digest_dates).year
        return None


def latex_escape(text: str) -> str:
    """Escape LaTeX specials; fold whitespace (a blank line ends a paragraph)."""
    text = " ".join(text.split())
    return _LATEX_SPECIAL.sub(lambda match: _LATEX_ESCAPES[match.group(0)], text)


def bibtex_url(url: str) -> str:
    """URLs are read verbatim (biblatex, hyperref): percent-encode, never backslash."""
    for char, code in (("\\", "%5C"), ("{", "%7B"), ("}", "%7D"), (" ", "%20")):
        url = url.replace(char, code)
    return url


def bibtex_key(record: ExportedBookmark) -> str:
    """`arxiv:<id>` for arXiv papers, else `paper:<site key>`, made key-safe."""
    key = f"arxiv:{record.arxiv_id}" if record.arxiv_id else f"paper:{record.key}"
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


def bibtex_entry(record: ExportedBookmark, *, key: str | None = None) -> str:
    fields = {
        "title": latex_escape(record.title),
        "author": bibtex_author(record.authors),
        "year": str(record.year) if record.year else "",
        "eprint": latex_escape(record.arxiv_id),
        "archivePrefix": "arXiv" if record.arxiv_id else "",
        "url": bibtex_url(record.url.strip()),
        "note": latex_escape(record.note),
    }
    lines = [f"@misc{{{key or bibtex_key(record)},"]
    lines += [
        f"  {name} = {{{fields[name]}}}," for name in BIBTEX_FIELD_ORDER if fields[name]
    ]
    lines.append("}")
    return "\n".join(lines)


def to_bibtex(records: Iterable[ExportedBookmark]) -> str:
    entries = []
    used: set[str] = set()
    for record in records:
        key = base = bibtex_key(record)
        suffix = 2
        while key in used:  # two papers whose keys sanitise alike
            key = f"{base}-{suffix}"
            suffix += 1
        used.add(key)
        entries.append(bibtex_entry(record, key=key))
    return "\n\n".join(entries) + ("\n" if entries else "")


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
