"""What every digest layout shares: turning raw values into a paper's fields.

The readers (papers.importer.parser.markdown and .json_days) find the values of a
row; this module cleans them, once: arXiv ids and paper keys, author splitting, tags,
links (only http(s) kept, placeholders dropped, schemes repaired), dates, the caps on
a row's size, and the day a paper joins (duplicates kept at their first row). What
it had to change or drop becomes a warning naming the line; input that cannot be
read raises DigestParseError.
"""

from __future__ import annotations

import ast
import datetime
import functools
import hashlib
import html
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit, urlunsplit

from django.utils.text import slugify

from papers.importer.records import DataWarning, DigestRecord, PaperRecord
from papers.links import classify_link


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
EMPTY_CELL = {"", "-", "--", "—", "n/a", "na", "none", "null", "[]"}
# Words publishers write where a link belongs when there is none (the JSON's schema
# placeholder "string" above all). They are never stored: a stored "string" became
# the link button "https://string" and made its paper count as having links.
PLACEHOLDER_WORDS = EMPTY_CELL | {
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


def replace_line_breaks(text: str, replacement: str) -> str:
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
# Remembered: an import asks for the same few thousand names' slugs about twice per
# tagged row, and slugify costs a few microseconds each time.
@functools.lru_cache(maxsize=65_536)
def tag_slug(name: str) -> str:
    """The URL slug of a tag; names without Latin letters get a short stable hash."""
    slug = slugify(name)[:80].strip("-")
    return slug or "tag-" + _short_hash(collapse(name).casefold(), 10)


def _short_hash(text: str, length: int = 16) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:length]


# Whitespace that collapsing would change: at either end, two in a row, or any but a
# plain space (\s and str.split agree on what whitespace is).
_UNCOLLAPSED_RE = re.compile(r"^\s|\s\s|[^\S ]|\s$")


def collapse(text: str) -> str:
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
    return "title-" + _short_hash(collapse(title).casefold())


def dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def split_authors(text: str) -> list[str]:
    # In a collapsed cell, stripping each part collapses it: one scan, not one per
    # name.
    clean = str.strip if _UNCOLLAPSED_RE.search(text) is None else collapse
    names = []
    for part in text.split(","):
        name = clean(part)
        # "A, B, and C": the "and" after a comma is a separator, not part of a name.
        if name[:4].casefold() == "and " and len(name) > 4:
            name = name[4:].lstrip()
        names.append(name)
    return names


def _distinct_values(values: Iterable[str]) -> tuple[str, ...]:
    """The values that are not blank, without repeats."""
    return dedupe(value for value in values if value.strip())


def clean_authors(names: Iterable[str]) -> tuple[str, ...]:
    return dedupe(name for name in (collapse(n) for n in names) if name)


def clean_tags(names: Iterable[str]) -> tuple[str, ...]:
    # Tags are keyed by slug downstream, so "NLP" and "nlp" in one row are one tag.
    tags: dict[str, str] = {}
    for raw in names:
        name = collapse(html.unescape(raw)).strip("'\"").strip()
        if name:
            tags.setdefault(tag_slug(name), name)
    return tuple(tags.values())


# Digest days the site accepts. arXiv opened in 1991; the upper bound is a fixed year
# rather than "today" because the parser has no clock, and it keeps dates far from
# datetime.date.max, which the archive and week pages would overflow when they add a
# week or a month to a day.
EARLIEST_DATE = datetime.date(1991, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)


def check_date(date: datetime.date, line: int) -> datetime.date:
    if not EARLIEST_DATE <= date <= LATEST_DATE:
        raise DigestParseError(
            f"the date {date.isoformat()} is outside the digest range "
            f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}",
            line,
        )
    return date


def parse_date(text: str) -> datetime.date | None:
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


def _storable(day: Day, line: int, name: str, value: str) -> str:
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
    day: Day,
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
class Day:
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
class Links:
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


def build_paper(
    day: Day,
    *,
    line: int,
    title: str,
    authors: tuple[str, ...],
    summary: str,
    paper: Links,
    tags: tuple[str, ...],
    github: Links,
    huggingface: Links,
) -> None:
    """Pick the paper's link and key, check its links, and add it to the day.

    The callers give the title collapsed and the authors and tags cleaned; they are
    cleaned again only where dropping control characters changed them.
    """
    storable = _storable(day, line, "title", title)
    title = title if storable is title else collapse(storable)
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
        _storable_names(day, line, "authors", authors, clean_authors),
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
        # Gathered by Links.add: distinct and never empty until made storable.
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


def _warn_links(day: Day, line: int, what: str, links: Links) -> None:
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
    day: Day, line: int, name: str, values: Iterable[T], cap: int
) -> tuple[T, ...]:
    values = tuple(values)
    if len(values) > cap:
        day.warn(
            line, f"{len(values)} {name} in one row; kept the first {cap}", kind="cap"
        )
        values = values[:cap]
    return values


def _capped_text(day: Day, line: int, name: str, text: str, cap: int) -> str:
    if len(text) > cap:
        day.warn(
            line,
            f"the {name} is {len(text)} characters long; kept the first {cap}",
            kind="cap",
        )
        text = text[:cap]
    return text


# --- classification lists -----------------------------------------------------------

_SIMPLE_LIST_RE = re.compile(r"\[\s*+'[^'\\]*+'(?:\s*+,\s*+'[^'\\]*+')*+\s*+,?\s*+\]")
_QUOTED_RE = re.compile(r"'([^'\\]*)'")


def read_classification(text: str) -> tuple[list[str], bool]:
    """Tag names from a Python list literal; (names, well_formed)."""
    text = text.strip()
    if text.casefold() in EMPTY_CELL:
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
