"""What a digest's code and model links point at, so pages can label them.

Pure functions shared by the parser (placeholder warnings) and the web views/API
(link labels, hiding placeholders, the link buttons of a paper's card and page). A
link's kind depends on its host and path, and for sites that are neither a code host
nor Hugging Face, on the digest column it came from: a non-repository site in the
GitHub URLs column is a project page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from papers.models import Paper

KINDS = (
    "repo",
    "project_page",
    "hf_model",
    "hf_dataset",
    "hf_space",
    "hf_paper",
    "other",
    "placeholder",
)
KIND_LABELS = {
    "repo": "Code",
    "project_page": "Project page",
    "hf_model": "Model",
    "hf_dataset": "Dataset",
    "hf_space": "Space",
    "hf_paper": "Paper page",
    "other": "Link",
    "placeholder": "Link",
}
COLUMNS = ("github", "huggingface")

_CODE_HOSTS = {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "gitee.com"}
_HF_HOSTS = {"huggingface.co", "hf.co"}
# Site pages of the code hosts and Hugging Face: on their own they point at no
# repository or model ("https://github.com/features", "https://huggingface.co/docs").
_CODE_HOST_PAGES = {
    "about",
    "explore",
    "features",
    "join",
    "login",
    "marketplace",
    "pricing",
    "search",
    "settings",
    "signup",
    "topics",
    "trending",
}
_HF_SITE_PAGES = {
    "blog",
    "chat",
    "collections",
    "datasets",
    "diffusers",
    "docs",
    "enterprise",
    "join",
    "learn",
    "login",
    "models",
    "organizations",
    "papers",
    "posts",
    "pricing",
    "search",
    "settings",
    "spaces",
    "tasks",
    "transformers",
    "welcome",
}
_HF_REPO_TYPES = {"datasets": "hf_dataset", "spaces": "hf_space", "papers": "hf_paper"}
# Sites that are neither code nor a project's own page, whatever column they sit in.
_NEUTRAL_HOSTS = {
    "arxiv.org",
    "export.arxiv.org",
    "doi.org",
    "dx.doi.org",
    "openreview.net",
    "aclanthology.org",
    "youtube.com",
    "youtu.be",
    "twitter.com",
    "x.com",
}
_DUMMY_HOSTS = {"example.com", "example.org", "example.net", "localhost"}
# The button style for each kind of link but "placeholder", which gets no button.
_BUTTON_CLASSES = {
    "repo": "link-github",
    "project_page": "link-project",
    "hf_model": "link-hf",
    "hf_dataset": "link-hf",
    "hf_space": "link-hf",
    "hf_paper": "link-hf",
    "other": "link-other",
}


@dataclass(frozen=True)
class Link:
    url: str  # exactly as the digest gives it
    kind: str  # one of KINDS

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def href(self) -> str:
        return absolute_url(self.url)

    @property
    def is_placeholder(self) -> bool:
        return self.kind == "placeholder"


def absolute_url(url: str) -> str:
    """The URL with "https://" in front when the digest left the scheme out.

    Some rows give "github.com/owner/repo"; as an href that would be a relative link.
    """
    url = url.strip()
    if url and "://" not in url and not url.startswith(("mailto:", "//")):
        return "https://" + url
    return url


def web_url(url: str) -> str:
    """The URL as an href if it is a web page (http or https), else "".

    A digest may hold any text where a URL belongs: "javascript:" or "data:" must
    never become a link. A URL without a scheme is made absolute, as `absolute_url`.
    """
    url = url.strip()
    try:
        if urlsplit(url).scheme not in ("", "http", "https"):
            return ""
        href = absolute_url(url)
        parts = urlsplit(href)
    except ValueError:
        return ""  # not a usable URL, e.g. "https://[broken"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return href


def web_urls(urls: Iterable[str]) -> list[str]:
    """The web pages among `urls`, in order, each as `web_url` gives it; the rest
    ("javascript:", "data:", broken text) left out. For output that a client may
    turn into links without checking, as the JSON API's."""
    return [href for url in urls if (href := web_url(url))]


def classify_link(url: str, *, column: str) -> str:
    """The kind of a link from the digest's "github" or "huggingface" column."""
    if column not in COLUMNS:
        raise ValueError(f"column must be one of {COLUMNS}, not {column!r}")
    try:
        parts = urlsplit(absolute_url(url))
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return "placeholder"  # not a usable URL, e.g. "https://[broken"
    if parts.scheme not in ("http", "https"):
        # Not a web page ("javascript:", "ftp:", "data:"): never made into a button.
        return "placeholder"
    if "." not in host or host in _DUMMY_HOSTS:
        return "placeholder"
    segments = [segment for segment in parts.path.split("/") if segment]

    if host in _HF_HOSTS:
        return _classify_hugging_face(segments)
    if host.endswith(".hf.space"):
        return "hf_space"
    if host in _CODE_HOSTS:
        if not segments or (len(segments) == 1 and segments[0] in _CODE_HOST_PAGES):
            return "placeholder"
        # A user or organisation profile, a topic page: not one repository.
        if len(segments) == 1 or segments[0] in _CODE_HOST_PAGES:
            return "other"
        return "repo"
    if host == "anonymous.4open.science" and len(segments) >= 2 and segments[0] == "r":
        return "repo"  # anonymised GitHub repositories for double-blind review
    if host.endswith((".github.io", ".gitlab.io")):
        return "project_page"
    if host in _NEUTRAL_HOSTS:
        return "other"
    return "project_page" if column == "github" else "other"


def _classify_hugging_face(segments: list[str]) -> str:
    if not segments:
        return "placeholder"
    first = segments[0]
    if first in _HF_REPO_TYPES:
        return _HF_REPO_TYPES[first] if len(segments) >= 2 else "placeholder"
    if first in _HF_SITE_PAGES:
        # "huggingface.co/transformers" on its own is the library's landing page.
        return "placeholder" if len(segments) == 1 else "other"
    if len(segments) == 1:
        return "other"  # a user or organisation page
    return "hf_model"


def is_placeholder(url: str, *, column: str) -> bool:
    return classify_link(url, column=column) == "placeholder"


def classify_links(urls: Iterable[str], *, column: str) -> list[Link]:
    return [Link(url, classify_link(url, column=column)) for url in urls]


@dataclass(frozen=True)
class LinkButton:
    href: str
    label: str
    css_class: str
    detail: str = ""  # e.g. "owner/repo", to tell several buttons of a kind apart


def link_buttons(paper: Paper) -> list[LinkButton]:
    """arXiv and PDF, then the digest's code and Hugging Face links; placeholders
    and anything but web links (`web_url`) left out."""
    buttons = []
    for url, label, css_class in (
        (paper.arxiv_url, "arXiv", "link-arxiv"),
        (paper.pdf_url, "PDF", "link-pdf"),
    ):
        if href := web_url(url):
            buttons.append(LinkButton(href, label, css_class))
    links: list[Link] = [
        *classify_links(paper.github_urls, column="github"),
        *classify_links(paper.huggingface_urls, column="huggingface"),
    ]
    for link in links:
        href = web_url(link.url)
        if link.is_placeholder or not href:
            continue
        parts = urlsplit(href)
        detail = parts.path.strip("/") or parts.hostname or ""
        if link.kind in ("project_page", "other"):
            detail = (parts.hostname or "").removeprefix("www.")
        buttons.append(LinkButton(href, link.label, _BUTTON_CLASSES[link.kind], detail))
    return buttons
