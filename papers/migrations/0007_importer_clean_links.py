"""Clean links stored before the importer kept only http(s) URLs.

Earlier imports stored placeholder words where a digest had no link ("string",
which pages showed as the dead button "https://string" and counted as "has Hugging
Face links"), links that are not web pages ("javascript:alert(1)" as an arXiv URL,
which the admin then refused to save) and links written without a scheme. This
drops the first two and gives the last "https://", as the importer now does
(papers.importer.parser.web_link; the rule is copied here so this migration keeps
meaning what it meant when it was written). has_code and has_hf are generated
from the link lists, so they follow.
"""

import re
from urllib.parse import urlsplit

from django.db import migrations

PLACEHOLDER_WORDS = {
    "", "-", "--", "—", "n/a", "na", "none", "null", "[]", "#", "?", "coming soon",
    "link", "nan", "no", "none available", "not available", "str", "string", "tba",
    "tbd", "todo", "undefined", "unknown", "url",
}
SCHEME_RE = re.compile(r"[a-z][a-z0-9+.\-]*:(?!\d)", re.IGNORECASE)
BATCH = 500


def web_link(raw):
    """The link as an http(s) URL, or "" when it is a placeholder or not a web link."""
    url = raw.strip() if isinstance(raw, str) else ""
    if url.casefold() in PLACEHOLDER_WORDS:
        return ""
    if "://" in url:
        if url.split("://", 1)[0].casefold() not in ("http", "https"):
            return ""
    elif url.startswith("//"):
        url = "https:" + url
    elif SCHEME_RE.match(url):
        return ""
    else:
        url = "https://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return url if "." in host or ":" in host else ""


def clean_list(urls):
    cleaned = []
    for url in urls if isinstance(urls, list) else []:
        url = web_link(url)
        if url and url not in cleaned:
            cleaned.append(url)
    return cleaned


def clean_links(apps, schema_editor):
    Paper = apps.get_model("papers", "Paper")
    fields = ["arxiv_url", "github_urls", "huggingface_urls"]
    changed = []
    for paper in Paper.objects.only("pk", *fields).iterator(chunk_size=2000):
        arxiv_url = web_link(paper.arxiv_url) if paper.arxiv_url else ""
        github = clean_list(paper.github_urls)
        huggingface = clean_list(paper.huggingface_urls)
        if (arxiv_url, github, huggingface) != (
            paper.arxiv_url,
            paper.github_urls,
            paper.huggingface_urls,
        ):
            paper.arxiv_url = arxiv_url
            paper.github_urls = github
            paper.huggingface_urls = huggingface
            changed.append(paper)
        if len(changed) >= BATCH:
            Paper.objects.bulk_update(changed, fields, batch_size=100)
            changed = []
    Paper.objects.bulk_update(changed, fields, batch_size=100)


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0005_title_sort_index"),
    ]

    operations = [
        migrations.RunPython(clean_links, migrations.RunPython.noop),
    ]
