"""Full-text search structures, per database (see papers/search.py).

SQLite: the FTS5 table `papers_paper_fts` (rowid = paper id; columns title, summary,
authors, arxiv_id) and triggers keeping it in step with papers, authorships and author
names.

PostgreSQL: the column `papers_paper.author_names` (absent from the model on purpose:
the ORM never writes it, so a paper's save() cannot blank it), triggers filling it from
authorships and author names, and a GIN index on the exact search vector papers/search.py
queries.

Other databases get nothing; papers/search.py falls back to substring matching there.
"""

from django.db import migrations


def author_names(paper_id: str) -> str:
    """SQLite SQL for the author names of the paper whose id is the SQL expression
    `paper_id`, in digest order: the FTS `authors` column. SQLite has no stored
    functions, so each trigger (and bench/run.py) inlines this."""
    return f"""(
        SELECT coalesce(group_concat(name, ', '), '') FROM (
            SELECT author.name FROM papers_authorship AS authorship
            JOIN papers_author AS author ON author.id = authorship.author_id
            WHERE authorship.paper_id = {paper_id}
            ORDER BY authorship.position
        )
    )"""


SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE papers_paper_fts USING fts5(
        title, summary, authors, arxiv_id,
        tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER papers_paper_fts_insert AFTER INSERT ON papers_paper BEGIN
        INSERT INTO papers_paper_fts (rowid, title, summary, authors, arxiv_id)
        VALUES (new.id, new.title, new.summary, '', new.arxiv_id);
    END
    """,
    """
    CREATE TRIGGER papers_paper_fts_update AFTER UPDATE OF title, summary, arxiv_id
    ON papers_paper
    WHEN new.title IS NOT old.title
        OR new.summary IS NOT old.summary
        OR new.arxiv_id IS NOT old.arxiv_id
    BEGIN
        UPDATE papers_paper_fts
        SET title = new.title, summary = new.summary, arxiv_id = new.arxiv_id
        WHERE rowid = new.id;
    END
    """,
    """
    CREATE TRIGGER papers_paper_fts_delete AFTER DELETE ON papers_paper BEGIN
        DELETE FROM papers_paper_fts WHERE rowid = old.id;
    END
    """,
    f"""
    CREATE TRIGGER papers_authorship_fts_insert AFTER INSERT ON papers_authorship
    BEGIN
        UPDATE papers_paper_fts SET authors = {author_names("new.paper_id")}
        WHERE rowid = new.paper_id;
    END
    """,
    f"""
    CREATE TRIGGER papers_authorship_fts_delete AFTER DELETE ON papers_authorship
    BEGIN
        UPDATE papers_paper_fts SET authors = {author_names("old.paper_id")}
        WHERE rowid = old.paper_id;
    END
    """,
    f"""
    CREATE TRIGGER papers_authorship_fts_update AFTER UPDATE ON papers_authorship
    BEGIN
        UPDATE papers_paper_fts SET authors = {author_names("papers_paper_fts.rowid")}
        WHERE rowid IN (old.paper_id, new.paper_id);
    END
    """,
    f"""
    CREATE TRIGGER papers_author_fts_update AFTER UPDATE OF name ON papers_author
    WHEN new.name IS NOT old.name
    BEGIN
        UPDATE papers_paper_fts SET authors = {author_names("papers_paper_fts.rowid")}
        WHERE rowid IN (
            SELECT paper_id FROM papers_authorship WHERE author_id = new.id
        );
    END
    """,
    # Index the papers that exist already.
    f"""
    INSERT INTO papers_paper_fts (rowid, title, summary, authors, arxiv_id)
    SELECT paper.id, paper.title, paper.summary, {author_names("paper.id")},
        paper.arxiv_id
    FROM papers_paper AS paper
    """,
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS papers_author_fts_update",
    "DROP TRIGGER IF EXISTS papers_authorship_fts_update",
    "DROP TRIGGER IF EXISTS papers_authorship_fts_delete",
    "DROP TRIGGER IF EXISTS papers_authorship_fts_insert",
    "DROP TRIGGER IF EXISTS papers_paper_fts_delete",
    "DROP TRIGGER IF EXISTS papers_paper_fts_update",
    "DROP TRIGGER IF EXISTS papers_paper_fts_insert",
    "DROP TABLE IF EXISTS papers_paper_fts",
]

POSTGRESQL_FORWARD = [
    "ALTER TABLE papers_paper ADD COLUMN author_names text NOT NULL DEFAULT ''",
    """
    CREATE FUNCTION papers_paper_author_names(paper bigint) RETURNS text
    LANGUAGE sql STABLE AS $$
        SELECT coalesce(string_agg(author.name, ', ' ORDER BY authorship.position), '')
        FROM papers_authorship AS authorship
        JOIN papers_author AS author ON author.id = authorship.author_id
        WHERE authorship.paper_id = paper
    $$
    """,
    """
    CREATE FUNCTION papers_authorship_search_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
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
    """,
    """
    CREATE TRIGGER papers_authorship_search
    AFTER INSERT OR UPDATE OR DELETE ON papers_authorship
    FOR EACH ROW EXECUTE FUNCTION papers_authorship_search_sync()
    """,
    """
    CREATE FUNCTION papers_author_search_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE papers_paper SET author_names = papers_paper_author_names(id)
        WHERE id IN (SELECT paper_id FROM papers_authorship WHERE author_id = NEW.id);
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER papers_author_search
    AFTER UPDATE OF name ON papers_author
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION papers_author_search_sync()
    """,
    "UPDATE papers_paper SET author_names = papers_paper_author_names(id)",
]

POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS papers_author_search ON papers_author",
    "DROP FUNCTION IF EXISTS papers_author_search_sync()",
    "DROP TRIGGER IF EXISTS papers_authorship_search ON papers_authorship",
    "DROP FUNCTION IF EXISTS papers_authorship_search_sync()",
    "DROP FUNCTION IF EXISTS papers_paper_author_names(bigint)",
    "ALTER TABLE papers_paper DROP COLUMN IF EXISTS author_names",
]


def search_index(apps):
    # Built from the very expression papers.search queries, so the planner can use it.
    from django.contrib.postgres.indexes import GinIndex

    from papers.search import paper_search_vector

    return apps.get_model("papers", "Paper"), GinIndex(
        paper_search_vector(), name="paper_search"
    )


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for statement in POSTGRESQL_FORWARD:
            schema_editor.execute(statement)
        schema_editor.add_index(*search_index(apps))


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        schema_editor.remove_index(*search_index(apps))
        for statement in POSTGRESQL_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
