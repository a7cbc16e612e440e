"""The JSON API serves only web links (http, https), whatever a digest stored."""

import pytest

from papers.links import web_urls
from tests.factories import PaperFactory

HOSTILE = [
    "javascript:alert(document.cookie)",
    " JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "https://[broken",
]


def test_web_urls_keeps_web_pages_in_order_and_drops_the_rest():
    urls = ["https://github.com/a/b", *HOSTILE, "github.com/c/d"]
    assert web_urls(urls) == ["https://github.com/a/b", "https://github.com/c/d"]


@pytest.mark.django_db
def test_the_api_serves_no_link_but_http_and_https(client):
    # As an import could have stored them before links were checked on output.
    PaperFactory(
        key="2599.00002",
        github_urls=["https://github.com/org/repo", *HOSTILE],
        huggingface_urls=[*HOSTILE, "huggingface.co/org/model"],
    )

    paper = client.get("/api/papers/2599.00002").json()

    assert paper["github_urls"] == ["https://github.com/org/repo"]
    assert paper["huggingface_urls"] == ["https://huggingface.co/org/model"]
    assert paper["links"] == [
        {"url": "https://github.com/org/repo", "kind": "repo"},
        {"url": "https://huggingface.co/org/model", "kind": "hf_model"},
    ]
    listed = client.get("/api/papers").json()["results"]
    assert [p["github_urls"] for p in listed] == [["https://github.com/org/repo"]]
