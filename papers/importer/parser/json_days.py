"""JSON daily results: a list of paper objects, each carrying its date (or taking it
from a ".../YYYY/MM/DD.json" source path)."""

from __future__ import annotations

import datetime
import html
import json
import re

from papers.importer.parser.markdown import link_cell
from papers.importer.parser.normalise import (
    Day,
    DigestParseError,
    Links,
    build_paper,
    check_date,
    clean_authors,
    clean_tags,
    collapse,
    parse_date,
    read_classification,
    split_authors,
)
from papers.importer.records import DigestRecord

_JSON_START_RE = re.compile(r"\s*(?:\{|\[\s*(?:[{\]\"]|$))")


def looks_like_json(text: str) -> bool:
    """Whether a digest's text is JSON. A markdown README may start with
    "[![badge](...)]", so "[" alone is not enough."""
    return _JSON_START_RE.match(text) is not None


# --- JSON daily results ---------------------------------------------------------------

_JSON_SPACE_RE = re.compile(r"[ \t\n\r]*")
_PATH_DATE_RE = re.compile(
    r"(\d{4})[/\\](\d{1,2})[/\\](\d{1,2})\.json$|(\d{4}-\d{1,2}-\d{1,2})\.json$"
)


# Where to point when json.loads gives up on nesting (about a thousand levels): the
# first line deeper than this, far beyond the three levels a digest uses.
JSON_MAX_DEPTH = 100
_JSON_TOKEN_RE = re.compile(r'"(?:[^"\\\n]|\\.)*+"|[\[\]{}\n]')


def _line_too_deep(text: str) -> int | None:
    """The line where the JSON first nests deeper than JSON_MAX_DEPTH levels."""
    depth, line = 0, 1
    for token in _JSON_TOKEN_RE.finditer(text):
        char = token[0]
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > JSON_MAX_DEPTH:
                return line
        elif char in "]}":
            depth -= 1
    return None


def _item_lines(text: str) -> list[int]:
    """The line each element of a (valid) top-level JSON list starts on."""
    decoder = json.JSONDecoder()
    lines = []
    index = _JSON_SPACE_RE.match(text).end() + 1  # past "["
    line, counted_to = 1, 0
    while True:
        index = _JSON_SPACE_RE.match(text, index).end()
        if text[index] == "]":
            return lines
        line += text.count("\n", counted_to, index)
        counted_to = index
        lines.append(line)
        _, index = decoder.raw_decode(text, index)
        index = _JSON_SPACE_RE.match(text, index).end()
        if text[index] == ",":
            index += 1


def _date_from_path(source: str) -> datetime.date | None:
    match = _PATH_DATE_RE.search(source)
    if not match:
        return None
    text = match[4] or "-".join(match.group(1, 2, 3))
    try:
        return parse_date(text)
    except ValueError:
        return None


def _json_links(value: object, links: Links, *, line: int, name: str) -> None:
    if value is None:
        return
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise DigestParseError(f"{name} must be a list of URLs", line)
    for item in value:
        if not isinstance(item, str):
            raise DigestParseError(f"{name} must be a list of URLs", line)
        found = link_cell(item) if "](" in item else None
        for url in found.urls if found else [item]:
            links.add(url)


def _json_text(obj: dict, name: str, line: int) -> str:
    value = obj.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DigestParseError(f"{name!r} must be a string", line)
    return value


def parse_json(text: str, source: str) -> list[DigestRecord]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DigestParseError(
            f"invalid JSON: {error.msg} (column {error.colno})", error.lineno
        ) from None
    except RecursionError:
        raise DigestParseError(
            "the JSON nests lists or objects too deeply to read "
            "(a digest needs three levels)",
            _line_too_deep(text),
        ) from None
    if not isinstance(data, list):
        raise DigestParseError(
            f"the JSON is a {type(data).__name__}; expected a list of paper objects", 1
        )
    path_date = _date_from_path(source)
    if not data:
        if path_date is None:
            raise DigestParseError("the JSON list is empty: no papers to import", 1)
        day = Day(date=check_date(path_date, 1), line=1)
        day.warn(1, "the JSON list has no papers")
        return [day.record(source)]
    days: dict[datetime.date, Day] = {}
    for number, (obj, line) in enumerate(zip(data, _item_lines(text), strict=True), 1):
        if not isinstance(obj, dict):
            raise DigestParseError(
                f"item {number} is a {type(obj).__name__}; expected a paper object",
                line,
            )
        date_text = obj.get("date")
        try:
            date = parse_date(date_text) if isinstance(date_text, str) else None
        except ValueError:
            raise DigestParseError(f"{date_text!r} is not a real date", line) from None
        if date is None:
            if date_text:
                raise DigestParseError(f"cannot read the date {date_text!r}", line)
            date = path_date
        if date is None:
            raise DigestParseError(
                "the paper has no 'date' and the file path does not end in "
                "YYYY/MM/DD.json",
                line,
            )
        check_date(date, line)
        day = days.setdefault(date, Day(date=date, line=line))
        title = collapse(html.unescape(_json_text(obj, "title", line)))
        if not title:
            raise DigestParseError(f"item {number} has no title", line)
        authors = obj.get("authors")
        if isinstance(authors, str):
            authors = split_authors(html.unescape(authors))
        elif not isinstance(authors, list | None) or not all(
            isinstance(a, str) for a in authors or []
        ):
            raise DigestParseError(
                "'authors' must be a string or a list of names", line
            )
        tags_value = obj.get("classification")
        if isinstance(tags_value, str):
            tags, well_formed = read_classification(tags_value)
            if not well_formed:
                day.warn(line, f"classification {tags_value!r} is not a list")
        elif isinstance(tags_value, list) and all(
            isinstance(t, str) for t in tags_value
        ):
            tags = tags_value
        elif tags_value is None:
            tags = []
        else:
            raise DigestParseError("'classification' must be a list of names", line)
        paper = Links()
        _json_links(obj.get("link") or obj.get("url"), paper, line=line, name="'link'")
        github, huggingface = Links(), Links()
        _json_links(obj.get("github_urls"), github, line=line, name="'github_urls'")
        if not github.urls:
            _json_links(obj.get("github_repo"), github, line=line, name="'github_repo'")
        _json_links(
            obj.get("huggingface_urls"),
            huggingface,
            line=line,
            name="'huggingface_urls'",
        )
        summary = _json_text(obj, "summary", line).replace("\r\n", "\n")
        build_paper(
            day,
            line=line,
            title=title,
            authors=clean_authors(authors or []),
            summary=html.unescape(summary).strip(),
            paper=paper,
            tags=clean_tags(tags),
            github=github,
            huggingface=huggingface,
        )
    return [day.record(source) for day in days.values()]
