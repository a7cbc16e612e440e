"""Every page of the layout is escaped and obeys our Content-Security-Policy.

The CSP (settings.SECURE_CSP) forbids inline script and inline style, so a page that
relied on either would silently break in browsers: these tests parse each page's HTML.
"""

import datetime
from html.parser import HTMLParser

import pytest

from tests.factories import PaperFactory, TagFactory

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
DAY = datetime.date(2025, 3, 4)

PAGES = [
    "/papers/2503.99999/",
    "/days/2025-03-04/",
    "/weeks/2025-W10/",
    "/months/2025-03/",
    "/archive/",
]


class CspAuditor(HTMLParser):
    """Collects what our CSP would block: inline scripts, inline styles, handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts = 0
        self.style_elements = 0
        self.style_attributes: list[str] = []
        self.handlers: list[str] = []
        self.script_srcs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("src"):
                self.script_srcs.append(attributes["src"])
            else:
                self.inline_scripts += 1
        if tag == "style":
            self.style_elements += 1
        if "style" in attributes:
            self.style_attributes.append(tag)
        self.handlers += [
            f"{tag}[{name}]" for name in attributes if name.startswith(("on", "hx-on"))
        ]
        for name in ("href", "src", "action"):
            if (attributes.get(name) or "").lower().startswith("javascript:"):
                self.handlers.append(f"{tag}[{name}=javascript:]")


class AttributeCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.values += [value.strip() for _, value in attrs if value]


def attribute_values(html: str) -> list[str]:
    """Every attribute value in the page, unescaped (hrefs, meta contents, ...)."""
    collector = AttributeCollector()
    collector.feed(html)
    return collector.values


def audit(html: str) -> CspAuditor:
    auditor = CspAuditor()
    auditor.feed(html)
    return auditor


@pytest.fixture
def evil_paper(db):
    TagFactory(name=EVIL, slug="script-alert-1")  # the importer slugifies names
    return PaperFactory(
        key="2503.99999",
        title=EVIL,
        summary=f"- {EVIL} - Second point {EVIL}.",
        authors=[EVIL, "Plain Author"],
        tags=[EVIL],
        days=[DAY],
        github_urls=["https://github.com/owner/<script>"],
    )


@pytest.mark.parametrize("url", PAGES)
def test_hostile_digest_text_is_escaped(client, evil_paper, url):
    response = client.get(url)

    assert response.status_code == 200
    assert EVIL not in response.text
    assert "<script>alert" not in response.text
    if url != "/archive/":  # the archive shows counts, not titles
        assert ESCAPED in response.text


def test_hostile_text_is_escaped_in_citation_meta_tags(client, evil_paper):
    html = client.get("/papers/2503.99999/").text

    assert f'<meta name="citation_title" content="{ESCAPED}">' in html
    assert f'<meta name="citation_author" content="{ESCAPED}">' in html


@pytest.mark.parametrize("url", [*PAGES, "/no-such-page/", "/days/2031-01-01/"])
def test_pages_send_a_csp_and_need_no_inline_script_or_style(client, evil_paper, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    auditor = audit(response.text)

    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert auditor.inline_scripts == 0
    assert auditor.style_elements == 0
    assert auditor.style_attributes == []
    assert auditor.handlers == []
    # Scripts come from our own static files: htmx vendored, nothing from a CDN.
    assert auditor.script_srcs
    assert all(src.startswith("/static/") for src in auditor.script_srcs)


def test_layout_has_landmarks_skip_link_and_theme_toggle(client, evil_paper):
    html = client.get("/archive/").text

    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav class="site-nav" aria-label="Main">' in html
    assert 'id="theme-toggle"' in html
    assert '<span class="visually-hidden">Dark theme</span>' in html
    assert 'aria-live="polite"' in html
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "/static/js/theme.js" in html and "/static/js/site.js" in html


def test_htmx_is_configured_for_the_csp(client, evil_paper):
    html = client.get("/archive/").text

    assert '"includeIndicatorStyles": false' in html
    # Settling copies attributes with setAttribute: a "style" one would be blocked.
    assert '"attributesToSettle": ["class", "width", "height"]' in html
    assert '"allowEval": false' in html


def test_body_sends_the_csrf_token_to_htmx_as_json(client, evil_paper):
    response = client.get("/archive/")
    token = response.context["csrf_token"]

    assert f"""<body hx-headers='{{"X-CSRFToken": "{token}"}}'>""" in response.text


@pytest.mark.parametrize(
    "arxiv_url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,hi"]
)
@pytest.mark.parametrize(
    "url",
    ["/", "/papers/2503.88888/", "/days/2025-03-04/", "/weeks/2025-W10/"],
)
def test_a_non_web_arxiv_url_becomes_no_link(client, db, arxiv_url, url):
    PaperFactory(key="2503.88888", arxiv_url=arxiv_url, days=[DAY])

    response = client.get(url)
    values = attribute_values(response.text)

    assert response.status_code == 200
    assert "link-arxiv" not in response.text
    assert not [value for value in values if arxiv_url.strip() in value]
    assert not [value for value in values if value.lower().startswith("javascript")]
