"""Search triggers the importer can switch off, and links cleaned of placeholders.

1. The per-row search triggers of migration 0002 made a bulk import slow: on SQLite
   every authorship insert re-aggregates its paper's author names (quadratic in a
   paper's authors), on PostgreSQL every authorship insert rewrites its paper's row
   and GIN entry. The triggers now stand aside while the importer's own transaction
   says so (SQLite: a row in `papers_search_bulk`, inserted and deleted inside that
   transaction, so no other connection ever sees it; PostgreSQL: the
   transaction-local setting `papers.search_bulk`), and the importer writes each
   paper's search document once (papers.importer.writer). Every other write (the
   admin, a shell) still keeps the index in step through the triggers.

2. Clean links stored before the importer kept only http(s) URLs.

Earlier imports stored placeholder words where a digest had no link ("string",
which pages showed as the dead button "https://string" and counted as "has Hugging
Face links"), links that are not web pages ("javascript:alert(1)" as an arXiv URL,
which the admin then refused to save) and links written without a scheme. This
drops the first two and gives the last "https://", as the importer now does
(papers.importer.parser.normalise.web_link; the rule is copied here so this migration keeps
meaning what it meant when it was written). has_code and has_hf are generated
from the link lists, so they follow.
"""

import importlib
import re
from urllib.parse import urlsplit

from django.db import migrations

# The author-names SQL of migration 0002, which the triggers keep using.
author_names_sql = importlib.import_module("papers.migrations.0002_search").author_names

BULK = "NOT EXISTS (SELECT 1 FROM papers_search_bulk)"


def sqlite_triggers(guard):
    """The 0002 triggers, each also firing only when `guard` holds ("1": always)."""
    names = author_names_sql
    return [
        f"""
        CREATE TRIGGER papers_paper_fts_insert AFTER INSERT ON papers_paper
        WHEN {guard} BEGIN
            INSERT INTO papers_paper_fts (rowid, title, summary, authors, arxiv_id)
            VALUES (new.id, new.title, new.summary, '', new.arxiv_id);
        END
        """,
        f"""
        CREATE TRIGGER papers_paper_fts_update AFTER UPDATE OF title, summary, arxiv_id
        ON papers_paper
        WHEN ({guard}) AND (new.title IS NOT old.title
            OR new.summary IS NOT old.summary
            OR new.arxiv_id IS NOT old.arxiv_id)
        BEGIN
            UPDATE papers_paper_fts
            SET title = new.title, summary = new.summary, arxiv_id = new.arxiv_id
            WHERE rowid = new.id;
        END
        """,
        f"""
        CREATE TRIGGER papers_paper_fts_delete AFTER DELETE ON papers_paper
        WHEN {guard} BEGIN
            DELETE FROM papers_paper_fts WHERE rowid = old.id;
        END
        """,
        f"""
        CREATE TRIGGER papers_authorship_fts_insert AFTER INSERT ON papers_authorship
        WHEN {guard} BEGIN
            UPDATE papers_paper_fts SET authors = {names("new.paper_id")}
            WHERE rowid = new.paper_id;
        END
        """,
        f"""
        CREATE TRIGGER papers_authorship_fts_delete AFTER DELETE ON papers_authorship
        WHEN {guard} BEGIN
            UPDATE papers_paper_fts SET authors = {names("old.paper_id")}
            WHERE rowid = old.paper_id;
        END
        """,
        f"""
        CREATE TRIGGER papers_authorship_fts_update AFTER UPDATE ON papers_authorship
        WHEN {guard} BEGIN
            UPDATE papers_paper_fts SET authors = {names("papers_paper_fts.rowid")}
            WHERE rowid IN (old.paper_id, new.paper_id);
        END
        """,
    ]


SQLITE_TRIGGER_NAMES = [
    "papers_paper_fts_insert",
    "papers_paper_fts_update",
    "papers_paper_fts_delete",
    "papers_authorship_fts_insert",
    "papers_authorship_fts_delete",
    "papers_authorship_fts_update",
]


def authorship_function(guard):
    return f"""
    CREATE OR REPLACE FUNCTION papers_authorship_search_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        {guard}
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE papers_paper SET author_names = papers_paper_author_names(NEW.paper_id)
            WHERE id = NEW.paper_id;
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE papers_paper SET author_names = papers_paper_author_names(OLD.paper_id)
            WHERE id = OLD.paper_id;
        END IF;
        RETURN NULL;
    END
    $$
    """


POSTGRES_GUARD = (
    "IF current_setting('papers.search_bulk', true) = 'on' THEN RETURN NULL; END IF;"
)


def switchable_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE TABLE papers_search_bulk (id integer NOT NULL PRIMARY KEY)"
        )
        for name in SQLITE_TRIGGER_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in sqlite_triggers(BULK):
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.execute(authorship_function(POSTGRES_GUARD))


def plain_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in SQLITE_TRIGGER_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in sqlite_triggers("1"):
            schema_editor.execute(statement)
        schema_editor.execute("DROP TABLE IF EXISTS papers_search_bulk")
    elif vendor == "postgresql":
        schema_editor.execute(authorship_function(""))

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
        ("papers", "0006_reader_list_mode"),
    ]

    operations = [
        migrations.RunPython(switchable_triggers, plain_triggers),
        migrations.RunPython(clean_links, migrations.RunPython.noop),
    ]
