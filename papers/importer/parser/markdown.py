"""Markdown digests: one or more days, each under a "Papers for YYYY-MM-DD" heading,
each with a table read by its header names.

One table reader serves every layout: the current six columns (Title, Authors,
Summary, Classification, GitHub URLs, HuggingFace URLs), the older three (links inside
the title cell), the earliest four (a Link column) and a many-day README holding any
of them, day after day. Anything outside a day section (a README's intro, badges,
other headings) is ignored. `sketch_days` looks at a file's days without reading it.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass

from papers.importer.parser.normalise import (
    EMPTY_CELL,
    Day,
    DigestParseError,
    Links,
    build_paper,
    check_date,
    clean_tags,
    collapse,
    dedupe,
    parse_date,
    read_classification,
    replace_line_breaks,
    split_authors,
)
from papers.importer.records import DigestRecord

# --- markdown cells -------------------------------------------------------------------

# A markdown link; its URL may hold one level of parentheses and, when the digest
# broke the line inside it, whitespace.
_MD_LINK_RE = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(((?:[^()]|\([^()]*\))*)\)")
_BARE_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>()\[\],]++"
    r"|(?<![\w.-])[\w-]++(?:\.[\w-]++)++/[^\s<>()\[\],]*+",
    re.IGNORECASE,
)
_TITLE_LINK_RE = re.compile(r"\[(?P<text>.*)\]\((?P<url>(?:[^()]|\([^()]*\))*)\)", re.S)
# The older layout: "Title (Read more on [arXiv](url) or [HuggingFace](url))". The
# pattern finds the "(" opening the links; the caller checks that the cell ends with
# ")". Text ends at a non-space and the quantifiers are possessive, so a long run of
# spaces or parentheses is scanned once, not once per starting point.
_TITLE_WITH_LINKS_RE = re.compile(
    r"(?P<text>(?:.*?\S)??)\s*+\((?=[^()]*\[[^\[\]]*+\]\((?:[^()]|\([^()]*+\))*+\))",
    re.S,
)
# A line break inside a cell with the spaces around it; starting only where a run of
# spaces starts keeps a long run from being rescanned from each of its spaces.
_LINE_BREAK_RE = re.compile(r"(?<![ \t])[ \t]*+\n\s*")
_TITLE_ESCAPE_RE = re.compile(r"\\([\[\]*_|`])")


def _cell_text(cell: str) -> str:
    return html.unescape(replace_line_breaks(cell, " ")).strip()


def link_cell(cell: str) -> Links:
    """URLs of a GitHub/HuggingFace/Link cell: "[Link](u), [Link](u)", bare, or N/A."""
    links = Links()
    text = cell.strip()
    if text.casefold() in EMPTY_CELL:
        return links
    rest = []
    position = 0
    for match in _MD_LINK_RE.finditer(text):
        rest.append(text[position : match.start()])
        links.add(match[2])
        position = match.end()
    rest.append(text[position:])
    for url in _BARE_URL_RE.findall(" ".join(rest)):
        links.add(url.rstrip(".;:"))
    return links


def _title_with_links(text: str) -> re.Match[str] | None:
    text = text.rstrip()
    return _TITLE_WITH_LINKS_RE.match(text) if text.endswith(")") else None


def _title_cell(cell: str) -> tuple[str, Links]:
    """The title text and the URLs the title cell links to."""
    text = cell.strip()
    if (match := _TITLE_LINK_RE.fullmatch(text)) and "](" not in match["text"]:
        title, urls = match["text"], [match["url"]]
    elif match := _title_with_links(text):
        title = match["text"]
        urls = [link[1] for link in _MD_LINK_RE.findall(text[match.end() : -1])]
    else:
        title, urls = text, []
    title = collapse(
        html.unescape(
            _TITLE_ESCAPE_RE.sub(r"\1", replace_line_breaks(title, " "))
            if "\\" in title
            else replace_line_breaks(title, " ")
        )
    )
    links = Links()
    for url in urls:
        links.add(url)
    return title, links


# --- markdown tables ------------------------------------------------------------------

# The closing "#"s of a heading and the "*"s around a day heading are stripped in
# Python: lazy groups followed by such runs would rescan a long run once per character.
_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_DAY_HEADING_RE = re.compile(r"^\**+papers\s++for\b\s*+:?\s*+(?P<rest>.*)$", re.I)
_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_PIPE_RE = re.compile(r"(?<!\\)\|")

# Header names (lowercase, single spaces) -> the field a column feeds.
_COLUMNS = {
    "title": "title",
    "paper": "title",
    "paper title": "title",
    "authors": "authors",
    "author": "authors",
    "summary": "summary",
    "abstract": "summary",
    "classification": "classification",
    "classifications": "classification",
    "tags": "classification",
    "categories": "classification",
    "github urls": "github",
    "github url": "github",
    "github": "github",
    "code": "github",
    "huggingface urls": "huggingface",
    "huggingface url": "huggingface",
    "hugging face urls": "huggingface",
    "huggingface": "huggingface",
    "hf urls": "huggingface",
    "link": "link",
    "links": "link",
    "url": "link",
    "paper link": "link",
    "arxiv": "link",
}


def _heading_text(text: str | None) -> str:
    """A heading's text without its optional closing run of "#"s."""
    text = (text or "").strip(" \t")
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):
        text = bare.rstrip(" \t")
    return text


def _header_name(cell: str) -> str:
    """A header cell as _COLUMNS knows it: "**GitHub  URLs**" -> "github urls"."""
    return collapse(cell).strip("*_ ").casefold()


def _split_row(text: str) -> list[str]:
    """The cells of a row, splitting on unescaped pipes and unescaping "\\|"."""
    body = text.strip()
    body = body.removeprefix("|")
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    if "\\|" not in body:  # no escaped pipe: a plain split says the same
        return body.split("|")
    return [cell.replace("\\|", "|") for cell in _PIPE_RE.split(body)]


MAX_TITLE_PIPES = 10


def _count_pipes(line: str) -> int:
    """Unescaped pipes: every "|" but those of "\\|"."""
    return line.count("|") - line.count("\\|")


def _is_row_line(line: str) -> bool:
    return line.lstrip().startswith("|")


def _row_is_complete(last_line: str, pipes: int, width: int) -> bool:
    """Whether a row whose lines hold `pipes` unescaped pipes ends at `last_line`.

    Counting per line keeps a row broken over many lines linear in its length.
    """
    stripped = last_line.rstrip()
    return stripped.endswith("|") and not stripped.endswith("\\|") and pipes > width


@dataclass
class _Table:
    names: list[str]  # the header's cells, lowercase
    columns: list[str | None]  # the field each column feeds, None when unknown
    line: int

    @property
    def width(self) -> int:
        return len(self.columns)

    def fit(self, cells: list[str]) -> list[str] | None:
        """Cells matched to the columns; unescaped pipes join the free-text cell.

        Columns left of the free-text column (Summary, else Title) take one cell each
        from the left, those right of it one each from the right; the title first
        takes as many cells as it needs to close its link when it has one.
        """
        extra = len(cells) - self.width
        if extra < 0:
            return None
        if extra == 0:
            return cells
        free = self._index("summary")
        if free is None:
            free = self._index("title")
        cells = list(cells)
        title = self._index("title")
        if title is not None and free is not None and title < free:
            taken = self._title_span(cells[title:], extra)
            cells[title : title + taken] = ["|".join(cells[title : title + taken])]
            extra -= taken - 1
        if free is None:
            free = self.width - 1
        end = free + extra + 1
        return [*cells[:free], "|".join(cells[free:end]), *cells[end:]]

    def _index(self, name: str) -> int | None:
        return self.columns.index(name) if name in self.columns else None

    def _title_span(self, cells: list[str], extra: int) -> int:
        """How many raw cells the title cell spans (1 unless a pipe split its link)."""
        # A title holds a few pipes at most; trying every split of a row with
        # thousands of stray pipes would take time quadratic in its length.
        extra = min(extra, MAX_TITLE_PIPES)
        first = cells[0].lstrip()
        if first.startswith("["):
            for taken in range(1, extra + 2):
                if _TITLE_LINK_RE.fullmatch("|".join(cells[:taken]).strip()):
                    return taken
        elif "link" not in self.columns and "](" not in first:
            # In the older layout the title cell ends with its links; authors and
            # summaries have none, so the first cell closing a link ends the title.
            for taken in range(2, extra + 2):
                if _title_with_links(cells[taken - 1]):
                    return taken
        return 1


class MarkdownReader:
    def __init__(self, text: str, source: str) -> None:
        self.lines = text.split("\n")
        self.source = source
        self.days: dict[datetime.date, Day] = {}
        self.day: Day | None = None
        self.day_level = 0
        self.table: _Table | None = None
        self.first_table_line: int | None = None

    def read(self) -> list[DigestRecord]:
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            if heading := _HEADING_RE.match(line):
                self._heading(len(heading[1]), _heading_text(heading[2]), index + 1)
                index += 1
            elif _is_row_line(line):
                if self.first_table_line is None:
                    self.first_table_line = index + 1
                index = self._table_block(index)
            else:
                if line.strip() and self.table is not None:
                    self.table = None  # a paragraph ends the table
                index += 1
        if not self.days:
            if self.first_table_line is not None:
                raise DigestParseError(
                    "found a table but no 'Papers for YYYY-MM-DD' heading above it",
                    self.first_table_line,
                )
            raise DigestParseError(
                "no digest found: expected a '## Papers for YYYY-MM-DD' heading "
                "followed by a table, or a JSON list of papers"
            )
        if not any(day.tables for day in self.days.values()):
            first = next(iter(self.days.values()))
            raise DigestParseError(
                f"no paper table under the heading 'Papers for {first.date}'",
                first.line,
            )
        for day in self.days.values():
            if not day.tables:
                day.warn(day.line, "no paper table under this heading")
        return [day.record(self.source) for day in self.days.values()]

    def _heading(self, level: int, text: str, line: int) -> None:
        text = text.strip()
        if text.endswith(")") and (link := re.fullmatch(r"\[(.*)\]\(.*\)", text)):
            text = link[1]  # "## [Papers for 2025-03-11](archive/...)"
        day_heading = _DAY_HEADING_RE.match(text)
        rest = day_heading["rest"].rstrip("*").rstrip() if day_heading else ""
        # "Papers for 2025-03-11" starts a day; "Papers for this week" does not.
        if not rest[:1].isdigit():
            # A subheading stays inside the day; a same-or-higher one ends it.
            if self.day is not None and level <= self.day_level:
                self._close_day()
            return
        self._close_day()
        try:
            date = parse_date(rest)
        except ValueError:
            raise DigestParseError(
                f"{rest.split()[0]!r} in the heading is not a real date", line
            ) from None
        if date is None:
            raise DigestParseError(
                f"cannot read the date in the heading {text!r} "
                "(expected 'Papers for YYYY-MM-DD')",
                line,
            )
        check_date(date, line)
        if date in self.days:
            self.day = self.days[date]
            self.day.warn(line, f"a second section for {date}; its papers were added")
        else:
            self.day = self.days[date] = Day(date=date, line=line)
        self.day_level = level

    def _close_day(self) -> None:
        self.day = None
        self.table = None

    def _table_block(self, index: int) -> int:
        """Read a run of table lines from `index`; return the index after it."""
        if self.day is None:
            # A table outside any day (a README's own tables): skip it.
            while index < len(self.lines) and _is_row_line(self.lines[index]):
                index += 1
            return index
        has_separator = index + 1 < len(self.lines) and _SEPARATOR_RE.match(
            self.lines[index + 1]
        )
        if self.table is None or has_separator:
            self.table = self._header(index, has_separator=bool(has_separator))
            index += 2 if has_separator else 1
        while index < len(self.lines):
            line = self.lines[index]
            if not _is_row_line(line):
                break
            start = index
            parts = [line]
            pipes = _count_pipes(line)
            index += 1
            while not _row_is_complete(parts[-1], pipes, self.table.width):
                if index >= len(self.lines):
                    break
                following = self.lines[index]
                if (
                    not following.strip()
                    or _is_row_line(following)
                    or _HEADING_RE.match(following)
                ):
                    break
                parts.append(following)
                pipes += _count_pipes(following)
                index += 1
            self._row("\n".join(parts), start + 1)
        return index

    def _header(self, index: int, *, has_separator: bool) -> _Table:
        line = index + 1
        names = [_header_name(cell) for cell in _split_row(self.lines[index])]
        columns = [_COLUMNS.get(name) for name in names]
        if "title" not in columns:
            raise DigestParseError(
                "the table header has no Title column (found: "
                + ", ".join(repr(name) for name in names)
                + ")",
                line,
            )
        assert self.day is not None
        self.day.tables += 1
        if not has_separator:
            self.day.warn(line, "table header without a |---| separator line")
        # A repeated column keeps its first occurrence.
        seen: set[str] = set()
        for position, column in enumerate(columns):
            if column in seen:
                columns[position] = None
            elif column:
                seen.add(column)
        return _Table(names=names, columns=columns, line=line)

    def _row(self, text: str, line: int) -> None:
        assert self.day is not None and self.table is not None
        if _SEPARATOR_RE.match(text):
            return
        raw = _split_row(text)
        cells = self.table.fit(raw)
        if cells is None:
            raise DigestParseError(
                f"table row has {len(raw)} cells but the header at line "
                f"{self.table.line} has {self.table.width}; is a '|' missing?",
                line,
            )
        if (
            _header_name(cells[0]) == self.table.names[0]
            and [_header_name(cell) for cell in cells] == self.table.names
        ):
            return  # the header repeated inside the table
        values = {
            column: cell
            for column, cell in zip(self.table.columns, cells, strict=True)
            if column
        }
        title, paper = _title_cell(values["title"])
        if not title:
            raise DigestParseError("table row has an empty Title cell", line)
        link = link_cell(values.get("link", ""))
        for url in link.urls:
            paper.add(url)
        paper.repaired += link.repaired
        tags, well_formed = read_classification(
            _cell_text(values.get("classification", ""))
        )
        if not well_formed:
            self.day.warn(
                line,
                "Classification is not a list literal; read it as "
                + repr(list(clean_tags(tags))),
            )
        github = link_cell(values.get("github", ""))
        huggingface = link_cell(values.get("huggingface", ""))
        # Line breaks inside a row render as spaces in markdown.
        summary = replace_line_breaks(values.get("summary", ""), "\n")
        if "\n" in summary:
            summary = _LINE_BREAK_RE.sub(" ", summary)
        build_paper(
            self.day,
            line=line,
            title=title,
            # Split names are collapsed already: only drop the empty and repeated.
            authors=dedupe(
                name
                for name in split_authors(_cell_text(values.get("authors", "")))
                if name
            ),
            summary=html.unescape(summary).strip(),
            paper=paper,
            tags=clean_tags(tags),
            github=github,
            huggingface=huggingface,
        )


# --- a quick look --------------------------------------------------------------------

_ANY_DATE_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")


def sketch_days(text: str) -> dict[datetime.date, int]:
    """A quick look at a markdown digest without parsing it: every date its
    headings could start a day for, each with about as many papers as there are
    table lines below it.

    The dates are a superset of the days `parse_digests` reads (a day's date always
    stands in a heading); the sizes are estimates, good for sizing write batches,
    never for a day's contents.
    """
    days: dict[datetime.date, int] = {}
    date: datetime.date | None = None
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("|"):
            if date is not None and not _SEPARATOR_RE.match(line):
                days[date] += 1
        elif stripped.startswith("#") and _HEADING_RE.match(line):
            for match in _ANY_DATE_RE.finditer(line):
                try:
                    date = datetime.date(*(int(group) for group in match.groups()))
                except ValueError:  # parsing reports it when the file's turn comes
                    continue
                days.setdefault(date, -1)  # less its header row
    return {date: max(rows, 0) for date, rows in days.items()}
