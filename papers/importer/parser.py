"""Read digest files into records: pure functions, no database, no file access.

Two families of input, told apart by content (never by file name):

- Markdown: one or more days, each under a "Papers for YYYY-MM-DD" heading, each with
  a table read by its header names. One table reader serves every layout: the current
  six columns (Title, Authors, Summary, Classification, GitHub URLs, HuggingFace URLs),
  the older three (links inside the title cell) and the earliest four (a Link column).
  Anything outside a day section (a README's intro, badges, other headings) is ignored.
- JSON daily results: a list of paper objects, each carrying its date (or taking it
  from a ".../YYYY/MM/DD.json" source path).

All normalisation happens here: arXiv ids, paper keys, author splitting, tags, URL
repair. Data-quality findings that do not stop an import become the day's warnings;
input that cannot be read raises DigestParseError with a line number.
"""

from __future__ import annotations

import ast
import datetime
import functools
import hashlib
import html
import json
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit, urlunsplit

from django.utils.text import slugify

from papers.importer.records import DataWarning, DigestRecord, PaperRecord
from papers.links import classify_link

__all__ = [
    "DigestParseError",
    "arxiv_id_from_url",
    "parse_digests",
    "sketch_days",
    "tag_slug",
]


class DigestParseError(ValueError):
    """Input the importer cannot read; `line` is 1-based, None for the whole file."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message, line)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


# --- small normalisers ----------------------------------------------------------------

# New-style ids (2503.07365, 0704.0001) and old-style ones (hep-th/9901001,
# math.GT/0309136); an optional "arXiv:" prefix, version and ".pdf" are dropped.
_ARXIV_ID = r"(?:arxiv:)?(?P<id>\d{4}\.\d{4,5}|[a-z][a-z\-]{0,19}(?:\.[a-z]{2})?/\d{7})"
_ARXIV_URL_RE = re.compile(
    r"(?:^|[/.@])(?:arxiv\.org/(?:abs|pdf|html|format)"
    r"|(?:huggingface|hf)\.co/papers)/" + _ARXIV_ID + r"(?!\d)",
    re.IGNORECASE,
)
_HF_PAPER_RE = re.compile(r"(?:^|[/.@])(?:huggingface|hf)\.co/papers/", re.IGNORECASE)
_OLD_STYLE_ARCHIVE_RE = re.compile(r"^([a-z\-]+)(\.[a-z]{2})?/", re.IGNORECASE)
# URLs hold no whitespace; a zero-width space counts too.
_URL_SPACE_RE = re.compile(r"[\s\u200b]+")
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
NAME_MAX_LENGTH = 255  # author and tag names, as the database stores them
_EMPTY_CELL = {"", "-", "--", "—", "n/a", "na", "none", "null", "[]"}
# Words publishers write where a link belongs when there is none (the JSON's schema
# placeholder "string" above all). They are never stored: a stored "string" became
# the link button "https://string" and made its paper count as having links.
PLACEHOLDER_WORDS = _EMPTY_CELL | {
    "#",
    "?",
    "coming soon",
    "link",
    "nan",
    "no",
    "none available",
    "not available",
    "str",
    "string",
    "tba",
    "tbd",
    "todo",
    "undefined",
    "unknown",
    "url",
}
_SCHEME_RE = re.compile(r"[a-z][a-z0-9+.\-]*:(?!\d)", re.IGNORECASE)

# Caps on one row: a digest row has a handful of each, and a runaway row (50,000
# tags, 100,000 authors) would otherwise make every page listing its paper huge.
# The row is kept, cut to the cap, with a warning.
MAX_AUTHORS = 200
MAX_TAGS = 50
MAX_LINKS = 20  # per column
MAX_TITLE_LENGTH = 2_000
MAX_SUMMARY_LENGTH = 20_000


def _without_spaces(text: str) -> str:
    """The text without whitespace (zero-width spaces included), as URLs need."""
    if " " not in text and text.isprintable():  # nothing to remove: the usual case
        return text
    return _URL_SPACE_RE.sub("", text)


def _br(text: str, replacement: str) -> str:
    """`<br>` tags replaced (cells break lines with them)."""
    return _BR_RE.sub(replacement, text) if "<" in text else text


def arxiv_id_from_url(url: str) -> str:
    """The arXiv id an arxiv.org or huggingface.co/papers URL names ("" if none)."""
    match = _ARXIV_URL_RE.search(_without_spaces(url))
    if not match:
        return ""
    arxiv_id = match["id"]
    # Old-style ids keep their subject class in its usual case: "math.GT/0309136".
    if old := _OLD_STYLE_ARCHIVE_RE.match(arxiv_id):
        archive = old[1].lower() + (old[2].upper() if old[2] else "")
        arxiv_id = archive + arxiv_id[old.end() - 1 :]
    return arxiv_id


@functools.lru_cache(maxsize=65_536)  # an archive repeats a few hundred tags
def tag_slug(name: str) -> str:
    """The URL slug of a tag; names without Latin letters get a short stable hash."""
    slug = slugify(name)[:80].strip("-")
    return slug or "tag-" + _short_hash(_collapse(name).casefold(), 10)


def _short_hash(text: str, length: int = 16) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:length]


# Whitespace that collapsing would change: at either end, two in a row, or any but a
# plain space (\s and str.split agree on what whitespace is).
_UNCOLLAPSED_RE = re.compile(r"^\s|\s\s|[^\S ]|\s$")


def _collapse(text: str) -> str:
    # Most values are collapsed already: one scan in C instead of split and join.
    if _UNCOLLAPSED_RE.search(text) is None:
        return text
    return " ".join(text.split())


def _normalise_url(url: str) -> str:
    """The form of a URL used for its hash key: same page, same key."""
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return url.split("#")[0].rstrip("/")
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, "")
    ).rstrip("/")


# Characters that would make urlsplit read a host otherwise.
_ODD_HOST_CHARACTERS = frozenset("[]@:?#\\")


def web_link(raw: str) -> tuple[str, str]:
    """A digest's link as the http(s) URL to store, and what was wrong with it.

    Returns (url, problem): problem is "" for a good link, "scheme" when "https://"
    was added to a link written without one ("github.com/a/b"), "placeholder" for a
    word standing in for a missing link ("string", "N/A", "https://TBD"), and
    "not-web" for anything that is not a web page ("javascript:", "data:", "ftp:").
    The url is "" for the last two: such a link is dropped.
    """
    url = raw.strip()
    if url.startswith(("https://", "http://")):
        # The usual case, checked without urlsplit: a host with a dot and no
        # characters that would make urlsplit read it otherwise.
        host = url.split("://", 1)[1].split("/", 1)[0]
        if "." in host and _ODD_HOST_CHARACTERS.isdisjoint(host):
            return url, ""
    if url.casefold() in PLACEHOLDER_WORDS:
        return "", "placeholder"
    problem = ""
    if "://" in url:
        if url.split("://", 1)[0].casefold() not in ("http", "https"):
            return "", "not-web"
    elif url.startswith("//"):
        url, problem = "https:" + url, "scheme"
    elif _SCHEME_RE.match(url):
        return "", "not-web"  # javascript:alert(1), data:..., mailto:...
    else:
        url, problem = "https://" + url, "scheme"
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # e.g. an unbalanced "[" in the host
        return "", "not-web"
    if "." not in host and ":" not in host:
        # "https://string", "https://N/A": a placeholder given a scheme.
        return "", "placeholder"
    return url, problem


def _paper_key(arxiv_id: str, url: str, title: str) -> str:
    if arxiv_id:
        return arxiv_id
    if url:
        return "url-" + _short_hash(_normalise_url(url))
    return "title-" + _short_hash(_collapse(title).casefold())


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _split_authors(text: str) -> list[str]:
    # In a collapsed cell, stripping each part collapses it: one scan, not one per
    # name.
    collapse = str.strip if _UNCOLLAPSED_RE.search(text) is None else _collapse
    names = []
    for part in text.split(","):
        name = collapse(part)
        # "A, B, and C": the "and" after a comma is a separator, not part of a name.
        if name[:4].casefold() == "and " and len(name) > 4:
            name = name[4:].lstrip()
        names.append(name)
    return names


def _distinct_values(values: Iterable[str]) -> tuple[str, ...]:
    """The values that are not blank, without repeats."""
    return _dedupe(value for value in values if value.strip())


def _clean_authors(names: Iterable[str]) -> tuple[str, ...]:
    return _dedupe(name for name in (_collapse(n) for n in names) if name)


def _clean_tags(names: Iterable[str]) -> tuple[str, ...]:
    # Tags are keyed by slug downstream, so "NLP" and "nlp" in one row are one tag.
    tags: dict[str, str] = {}
    for raw in names:
        name = _collapse(html.unescape(raw)).strip("'\"").strip()
        if name:
            tags.setdefault(tag_slug(name), name)
    return tuple(tags.values())


# Digest days the site accepts. arXiv opened in 1991; the upper bound is a fixed year
# rather than "today" because the parser has no clock, and it keeps dates far from
# datetime.date.max, which the archive and week pages would overflow when they add a
# week or a month to a day.
EARLIEST_DATE = datetime.date(1991, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)


def _check_date(date: datetime.date, line: int) -> datetime.date:
    if not EARLIEST_DATE <= date <= LATEST_DATE:
        raise DigestParseError(
            f"the date {date.isoformat()} is outside the digest range "
            f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}",
            line,
        )
    return date


def _parse_date(text: str) -> datetime.date | None:
    """A date from "YYYY-MM-DD" (also 2025-3-4, 2025/03/04); None if none is there.

    Raises ValueError for a well-formed but impossible date such as 2025-02-30.
    """
    match = re.match(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)", text)
    if not match:
        return None
    year, month, day = (int(group) for group in match.groups())
    return datetime.date(year, month, day)


# Lone surrogates ("\ud800" is a valid JSON escape) cannot be encoded for any
# database, so such input is refused. C0 control characters other than tab, newline
# and carriage return (NUL above all, which PostgreSQL refuses in text) carry no
# meaning in a title, name, summary or link, so they are dropped with a warning.
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _storable(day: _Day, line: int, name: str, value: str) -> str:
    """`value` without control characters; DigestParseError for a lone surrogate."""
    if value.isprintable():  # the usual case: neither a control nor a surrogate
        return value
    if match := _SURROGATE_RE.search(value):
        raise DigestParseError(
            f"invalid character U+{ord(match[0]):04X} in the {name} "
            "(a lone surrogate, which cannot be stored as text)",
            line,
        )
    if match := _CONTROL_RE.search(value):
        day.warn(
            line,
            f"removed control characters (U+{ord(match[0]):04X}) from the {name}",
        )
        value = _CONTROL_RE.sub("", value)
    return value


def _storable_names(
    day: _Day,
    line: int,
    name: str,
    values: tuple[str, ...],
    clean: Callable[[Iterable[str]], tuple[str, ...]],
) -> tuple[str, ...]:
    """Clean names (authors, tags) made storable; cleaned again only if that changed
    one of them (the usual names are printable and pass as they are)."""
    if all(map(str.isprintable, values)):  # what _storable passes unchanged
        return values
    storable = [_storable(day, line, name, value) for value in values]
    if all(new is old for new, old in zip(storable, values, strict=True)):
        return values
    return clean(storable)


# --- collecting a day's papers --------------------------------------------------------


@dataclass
class _Day:
    """A day's papers and warnings while its file is being read.

    A paper listed twice on a day is kept at its first row, here and only here.
    """

    date: datetime.date
    line: int
    papers: list[PaperRecord] = field(default_factory=list)
    warnings: list[DataWarning] = field(default_factory=list)
    tables: int = 0
    seen: dict[str, int] = field(default_factory=dict)  # key -> line of first row

    def warn(self, line: int, message: str, *, kind: str = "data") -> None:
        self.warnings.append(DataWarning(line=line, kind=kind, text=message))

    def add(self, paper: PaperRecord) -> None:
        if paper.key in self.seen:
            self.warn(
                paper.line,
                f"duplicate of the paper on line {self.seen[paper.key]} "
                f"({paper.key}); kept the first",
                kind="duplicate",
            )
            return
        self.seen[paper.key] = paper.line
        self.papers.append(paper)

    def record(self, source: str) -> DigestRecord:
        return DigestRecord(
            date=self.date,
            papers=tuple(self.papers),
            source=source,
            line=self.line,
            warnings=tuple(replace(w, source=source) for w in self.warnings),
        )


@dataclass
class _Links:
    """URLs gathered for one column, with what had to be repaired on the way.

    Only http(s) URLs are kept (see `web_link`); what was dropped or given a scheme
    is remembered so the row can warn about it.
    """

    urls: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    schemed: list[str] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (raw, problem)

    def add(self, raw: str) -> None:
        url = _without_spaces(raw)
        if url != raw.strip():
            self.repaired.append(url)
        url, problem = web_link(url)
        if problem == "scheme":
            self.schemed.append(url)
        elif problem:
            self.dropped.append((raw.strip()[:200], problem))
        if url and url not in self.urls:
            self.urls.append(url)


def _build_paper(
    day: _Day,
    *,
    line: int,
    title: str,
    authors: tuple[str, ...],
    summary: str,
    paper: _Links,
    tags: tuple[str, ...],
    github: _Links,
    huggingface: _Links,
) -> None:
    """Pick the paper's link and key, check its links, and add it to the day.

    The callers give the title collapsed and the authors and tags cleaned; they are
    cleaned again only where dropping control characters changed them.
    """
    storable = _storable(day, line, "title", title)
    title = title if storable is title else _collapse(storable)
    if not title:
        raise DigestParseError("the title is empty", line)
    title = _capped_text(day, line, "title", title, MAX_TITLE_LENGTH)
    summary = _capped_text(
        day,
        line,
        "summary",
        _storable(day, line, "summary", summary),
        MAX_SUMMARY_LENGTH,
    )
    authors = _capped(
        day,
        line,
        "authors",
        _storable_names(day, line, "authors", authors, _clean_authors),
        MAX_AUTHORS,
    )
    tags = _capped(
        day,
        line,
        "tags",
        _storable_names(
            day,
            line,
            "classification",
            tags,
            _distinct_values,
        ),
        MAX_TAGS,
    )
    for label, links in (
        ("paper link", paper),
        ("GitHub URLs", github),
        ("HuggingFace URLs", huggingface),
    ):
        # Gathered by _Links.add: distinct and never empty until made storable.
        links.urls = list(
            _storable_names(day, line, label, tuple(links.urls), _distinct_values)
        )
        if label != "paper link":
            links.urls = list(_capped(day, line, label, links.urls, MAX_LINKS))
    for kind, names in (("an author", authors), ("a tag", tags)):
        longest = max(map(len, names), default=0)
        if longest > NAME_MAX_LENGTH:
            raise DigestParseError(
                f"{kind} name is {longest} characters long; is a ',' or '|' missing?",
                line,
            )
    arxiv_id = arxiv_url = hf_paper_url = ""
    for url in paper.urls:
        found = arxiv_id_from_url(url)
        if found and _HF_PAPER_RE.search(url):
            hf_paper_url = hf_paper_url or url
        elif found and not arxiv_url:
            arxiv_url = url
        arxiv_id = arxiv_id or found
    if hf_paper_url and not arxiv_url:
        # The older layout links the Hugging Face paper page beside the arXiv link in
        # the title. It is not an entry of the HuggingFace URLs column (has_hf means
        # that column), and every arXiv paper has one, so only the id is kept from it.
        arxiv_url = f"https://arxiv.org/abs/{arxiv_id}"
    if not arxiv_url and paper.urls:
        arxiv_url = paper.urls[0]  # not arXiv, but still the paper's own link

    key = _paper_key(arxiv_id, arxiv_url, title)
    if not arxiv_id:
        day.warn(line, f"no arXiv link for {title!r}; keyed as {key}", kind="no-arxiv")
    _warn_links(day, line, "the paper link", paper)
    for column, label, links in (
        ("github", "GitHub URLs", github),
        ("huggingface", "HuggingFace URLs", huggingface),
    ):
        _warn_links(day, line, f"a link in {label}", links)
        for url in links.urls:
            if _may_be_placeholder(url) and classify_link(url, column=column) == (
                "placeholder"
            ):
                day.warn(line, f"placeholder link in {label}: {url}", kind="link")
    day.add(
        PaperRecord(
            key=key,
            arxiv_id=arxiv_id,
            title=title,
            authors=authors,
            summary=summary,
            arxiv_url=arxiv_url,
            tags=tags,
            github_urls=tuple(github.urls),
            huggingface_urls=tuple(huggingface.urls),
            line=line,
            position=len(day.papers) + 1,
        )
    )


# Hosts whose bare or site pages classify_link calls placeholders; a link elsewhere
# (already checked to be http(s) with a dotted host) never is one.
_PLACEHOLDER_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org")
_PLACEHOLDER_HOSTS += ("gitee.com", "huggingface.co", "hf.co", "example.com")
_PLACEHOLDER_HOSTS += ("example.org", "example.net")


def _may_be_placeholder(url: str) -> bool:
    """False when classify_link cannot call the link a placeholder: a dotted host
    other than a code host or Hugging Face, or a path of two or more segments
    (a repository, a model, a dataset)."""
    host, _, path = url.split("://", 1)[-1].partition("/")
    host = host.casefold().removeprefix("www.")
    if "." not in host:
        return True
    segments = [segment for segment in path.split("?")[0].split("/") if segment]
    return host in _PLACEHOLDER_HOSTS and len(segments) < 2


_DROPPED = {
    "placeholder": "dropped the placeholder {what}: {raw!r}",
    "not-web": "dropped {what} that is not an http(s) URL: {raw!r}",
}


def _warn_links(day: _Day, line: int, what: str, links: _Links) -> None:
    """Report what reading a cell's links repaired or dropped."""
    for url in links.repaired:
        day.warn(line, f"removed whitespace inside {what}: {url}", kind="link")
    for url in links.schemed:
        day.warn(
            line, f"added https:// to {what} written without it: {url}", kind="link"
        )
    for raw, problem in links.dropped:
        day.warn(line, _DROPPED[problem].format(what=what, raw=raw), kind=problem)


def _capped[T](
    day: _Day, line: int, name: str, values: Iterable[T], cap: int
) -> tuple[T, ...]:
    values = tuple(values)
    if len(values) > cap:
        day.warn(
            line, f"{len(values)} {name} in one row; kept the first {cap}", kind="cap"
        )
        values = values[:cap]
    return values


def _capped_text(day: _Day, line: int, name: str, text: str, cap: int) -> str:
    if len(text) > cap:
        day.warn(
            line,
            f"the {name} is {len(text)} characters long; kept the first {cap}",
            kind="cap",
        )
        text = text[:cap]
    return text


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
    return html.unescape(_br(cell, " ")).strip()


def _link_cell(cell: str) -> _Links:
    """URLs of a GitHub/HuggingFace/Link cell: "[Link](u), [Link](u)", bare, or N/A."""
    links = _Links()
    text = cell.strip()
    if text.casefold() in _EMPTY_CELL:
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


def _title_cell(cell: str) -> tuple[str, _Links]:
    """The title text and the URLs the title cell links to."""
    text = cell.strip()
    if (match := _TITLE_LINK_RE.fullmatch(text)) and "](" not in match["text"]:
        title, urls = match["text"], [match["url"]]
    elif match := _title_with_links(text):
        title = match["text"]
        urls = [link[1] for link in _MD_LINK_RE.findall(text[match.end() : -1])]
    else:
        title, urls = text, []
    title = _collapse(
        html.unescape(
            _TITLE_ESCAPE_RE.sub(r"\1", _br(title, " "))
            if "\\" in title
            else _br(title, " ")
        )
    )
    links = _Links()
    for url in urls:
        links.add(url)
    return title, links


_SIMPLE_LIST_RE = re.compile(r"\[\s*+'[^'\\]*+'(?:\s*+,\s*+'[^'\\]*+')*+\s*+,?\s*+\]")
_QUOTED_RE = re.compile(r"'([^'\\]*)'")


def _classification(text: str) -> tuple[list[str], bool]:
    """Tag names from a Python list literal; (names, well_formed)."""
    text = text.strip()
    if text.casefold() in _EMPTY_CELL:
        return [], True
    if _SIMPLE_LIST_RE.fullmatch(text):  # ['A', 'B']: read without the compiler
        return _QUOTED_RE.findall(text), True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning: invalid escape
            value = ast.literal_eval(text) if len(text) < 5000 else None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        value = None
    if isinstance(value, str):
        return [value], True
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value), True
    # Tolerant reading of "[Multimodal, 'Robotics" and the like.
    return re.split(r"\s*[,;]\s*", text.strip("[]() ")), False


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
    return _collapse(cell).strip("*_ ").casefold()


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


class _MarkdownReader:
    def __init__(self, text: str, source: str) -> None:
        self.lines = text.split("\n")
        self.source = source
        self.days: dict[datetime.date, _Day] = {}
        self.day: _Day | None = None
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
            date = _parse_date(rest)
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
        _check_date(date, line)
        if date in self.days:
            self.day = self.days[date]
            self.day.warn(line, f"a second section for {date}; its papers were added")
        else:
            self.day = self.days[date] = _Day(date=date, line=line)
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
        link = _link_cell(values.get("link", ""))
        for url in link.urls:
            paper.add(url)
        paper.repaired += link.repaired
        tags, well_formed = _classification(
            _cell_text(values.get("classification", ""))
        )
        if not well_formed:
            self.day.warn(
                line,
                "Classification is not a list literal; read it as "
                + repr(list(_clean_tags(tags))),
            )
        github = _link_cell(values.get("github", ""))
        huggingface = _link_cell(values.get("huggingface", ""))
        # Line breaks inside a row render as spaces in markdown.
        summary = _br(values.get("summary", ""), "\n")
        if "\n" in summary:
            summary = _LINE_BREAK_RE.sub(" ", summary)
        _build_paper(
            self.day,
            line=line,
            title=title,
            # Split names are collapsed already: only drop the empty and repeated.
            authors=_dedupe(
                name
                for name in _split_authors(_cell_text(values.get("authors", "")))
                if name
            ),
            summary=html.unescape(summary).strip(),
            paper=paper,
            tags=_clean_tags(tags),
            github=github,
            huggingface=huggingface,
        )


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
        return _parse_date(text)
    except ValueError:
        return None


def _json_links(value: object, links: _Links, *, line: int, name: str) -> None:
    if value is None:
        return
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise DigestParseError(f"{name} must be a list of URLs", line)
    for item in value:
        if not isinstance(item, str):
            raise DigestParseError(f"{name} must be a list of URLs", line)
        found = _link_cell(item) if "](" in item else None
        for url in found.urls if found else [item]:
            links.add(url)


def _json_text(obj: dict, name: str, line: int) -> str:
    value = obj.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DigestParseError(f"{name!r} must be a string", line)
    return value


def _parse_json(text: str, source: str) -> list[DigestRecord]:
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
        day = _Day(date=_check_date(path_date, 1), line=1)
        day.warn(1, "the JSON list has no papers")
        return [day.record(source)]
    days: dict[datetime.date, _Day] = {}
    for number, (obj, line) in enumerate(zip(data, _item_lines(text), strict=True), 1):
        if not isinstance(obj, dict):
            raise DigestParseError(
                f"item {number} is a {type(obj).__name__}; expected a paper object",
                line,
            )
        date_text = obj.get("date")
        try:
            date = _parse_date(date_text) if isinstance(date_text, str) else None
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
        _check_date(date, line)
        day = days.setdefault(date, _Day(date=date, line=line))
        title = _collapse(html.unescape(_json_text(obj, "title", line)))
        if not title:
            raise DigestParseError(f"item {number} has no title", line)
        authors = obj.get("authors")
        if isinstance(authors, str):
            authors = _split_authors(html.unescape(authors))
        elif not isinstance(authors, list | None) or not all(
            isinstance(a, str) for a in authors or []
        ):
            raise DigestParseError(
                "'authors' must be a string or a list of names", line
            )
        tags_value = obj.get("classification")
        if isinstance(tags_value, str):
            tags, well_formed = _classification(tags_value)
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
        paper = _Links()
        _json_links(obj.get("link") or obj.get("url"), paper, line=line, name="'link'")
        github, huggingface = _Links(), _Links()
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
        _build_paper(
            day,
            line=line,
            title=title,
            authors=_clean_authors(authors or []),
            summary=html.unescape(summary).strip(),
            paper=paper,
            tags=_clean_tags(tags),
            github=github,
            huggingface=huggingface,
        )
    return [day.record(source) for day in days.values()]


# --- entry point ----------------------------------------------------------------------

_ANY_DATE_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")


def sketch_days(text: str) -> dict[datetime.date, int] | None:
    """A quick look at a markdown digest without parsing it: every date its
    headings could start a day for, each with about as many papers as there are
    table lines below it. None for JSON, which is parsed instead.

    The dates are a superset of the days `parse_digests` reads (a day's date always
    stands in a heading); the sizes are estimates, good for sizing write batches,
    never for a day's contents.
    """
    text = text.removeprefix("\ufeff")
    if _JSON_START_RE.match(text):
        return None
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


_JSON_START_RE = re.compile(r"\s*(?:\{|\[\s*(?:[{\]\"]|$))")


def parse_digests(text: str, *, source: str) -> list[DigestRecord]:
    """Every digest day in one file's text, in file order.

    `source` (a path or "<stdin>") only labels the records and, for JSON papers
    without a date, supplies it from a ".../YYYY/MM/DD.json" path.
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    # A markdown README may start with "[![badge](...)]", so "[" alone is not JSON.
    if _JSON_START_RE.match(text):
        return _parse_json(text, source)
    return _MarkdownReader(text, source).read()
