"""PostgreSQL's stored search vector (migration 0010): every writer keeps it equal to
the document computed from the paper and its authors, and search reads it instead of
recomputing to_tsvector per row. On SQLite the migration leaves the schema alone.

DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME pytest tests/test_search_vector.py
"""

import pytest
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection

from papers.models import Author, Authorship, Paper
from papers.search import PG_CONFIG, paper_search_vector
from tests.factories import PaperFactory
from tests.sample_corpus import load_corpus

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL"
)

# The document built independently of the author_names column: from the authorships
# themselves, in order. A stored vector that differs missed a write somewhere.
STALE_VECTORS = """
    SELECT paper.key FROM papers_paper AS paper
    WHERE paper.search_vector IS DISTINCT FROM (
        setweight(to_tsvector('english', paper.title), 'A')
        || setweight(to_tsvector('english', paper.arxiv_id), 'A')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(author.name, ', ' ORDER BY authorship.position)
            FROM papers_authorship AS authorship
            JOIN papers_author AS author ON author.id = authorship.author_id
            WHERE authorship.paper_id = paper.id
        ), '')), 'B')
        || setweight(to_tsvector('english', paper.summary), 'C')
    )
"""


def stale_vectors() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(STALE_VECTORS)
        return [key for (key,) in cursor.fetchall()]


def paper_columns() -> set[str]:
    with connection.cursor() as cursor:
        return {
            column.name
            for column in connection.introspection.get_table_description(
                cursor, "papers_paper"
            )
        }


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite")
def test_on_sqlite_papers_get_no_search_vector_column():
    assert "search_vector" not in paper_columns()


@pytest.mark.django_db
@on_postgres
def test_the_importer_stores_each_papers_vector_with_its_authors():
    load_corpus()
    assert Paper.objects.count() > 100
    assert stale_vectors() == []


@pytest.mark.django_db
@on_postgres
def test_single_edits_keep_the_stored_vector_in_step():
    paper = PaperFactory(title="First title", authors=["Ada Lovelace", "Alan Turing"])
    other = PaperFactory(title="Other", authors=["Alan Turing"])
    assert stale_vectors() == []

    paper.summary = "- A new summary about robots."
    paper.save()  # what the admin's change form does
    Author.objects.filter(name="Alan Turing").update(name="Alan M. Turing")
    Authorship.objects.filter(paper=paper, position=1).delete()
    Authorship.objects.create(
        paper=other, author=Author.objects.create(name="Grace Hopper"), position=2
    )
    assert stale_vectors() == []
    assert list(Paper.objects.search("robots")) == [paper]
    assert list(Paper.objects.search("author:hopper")) == [other]
    assert not Paper.objects.search("lovelace").exists()


@pytest.mark.django_db
@on_postgres
def test_search_matches_and_ranks_the_stored_column():
    PaperFactory(title="Diffusion for robots")
    sql = str(Paper.objects.search("diffusion").query)
    assert "search_vector" in sql
    assert "to_tsvector" not in sql
    # The GIN index on the column: test_search.py checks the plan.


@pytest.mark.django_db
@on_postgres
def test_ranks_equal_the_ranks_of_the_computed_document():
    load_corpus()
    query = SearchQuery("model", search_type="raw", config=PG_CONFIG)
    document = paper_search_vector()
    computed = dict(
        Paper.objects.annotate(document=document, rank=SearchRank(document, query))
        .filter(document=query)
        .values_list("key", "rank")
    )
    # Quoted: the bare last word would also match as a prefix ("model:*").
    stored = dict(Paper.objects.search('"model"').values_list("key", "rank"))
    assert len(stored) > 10
    assert stored == computed
