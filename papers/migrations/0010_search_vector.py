"""PostgreSQL: the weighted search document stored in a column, not recomputed per row.

Migration 0002 indexed the expression papers.search.paper_search_vector() with GIN, so
matching used the index, but ranking (ts_rank) and the recheck of every candidate row
still ran to_tsvector over the paper's title, id, author names and summary: at a
million papers, a one-word search spent seconds there. The document is now a stored
generated column, `papers_paper.search_vector`, with the GIN index on it. PostgreSQL
recomputes it whenever a row's title, summary, arXiv id or author names change, so
every writer keeps it in step without knowing about it: the importer's bulk writer
(which sets author_names itself), the author-name triggers of migration 0002, the
admin and any other ORM save.

Like author_names, the column is absent from the model on purpose: the ORM never
reads or writes it, papers.search refers to it by name. SQLite and other databases
are left as they are (SQLite searches its FTS5 table).
"""

import importlib

from django.db import migrations

# The expression of migration 0002's index (papers.search.paper_search_vector()),
# written out so that this migration keeps meaning what it meant when written.
DOCUMENT = """
    setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(arxiv_id, '')::text), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(author_names, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'C')
"""

# Also what bench/archive.py re-creates after filling a million rows without it.
INDEX = "CREATE INDEX paper_search_vector ON papers_paper USING gin (search_vector)"

FORWARD = [
    "DROP INDEX IF EXISTS paper_search",
    f"""
    ALTER TABLE papers_paper ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS ({DOCUMENT}) STORED
    """,
    INDEX,
]

BACKWARD = [
    "DROP INDEX IF EXISTS paper_search_vector",
    "ALTER TABLE papers_paper DROP COLUMN IF EXISTS search_vector",
]


def store_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def compute_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)
    # Back to migration 0002's index on the expression.
    search = importlib.import_module("papers.migrations.0002_search")
    schema_editor.add_index(*search.search_index(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0009_saved_search"),
    ]

    operations = [
        migrations.RunPython(store_vector, compute_vector),
    ]
