"""Full-text search: the safe FTS5 query, and search on whichever database runs.

Runs on SQLite by default; to run it on PostgreSQL too:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/digest_test_browse \
    pytest tests/test_search.py tests/test_filters.py
"""

import datetime

import pytest
from django.db import connection

from papers.models import Author, Authorship, Paper
from papers.search import search_papers
from tests.factories import PaperFactory
from tests.sample_corpus import keys, load_corpus

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5")
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL"
)

HOSTILE_INPUT = [
    'foo"bar',
    '"',
    '""',
    "AND (",
    "OR",
    "NOT x",
    "-x",
    "x -",
    "NEAR(a b)",
    "title:diffusion",
    "summary : x",
    "*",
    "a*",
    "^start",
    "a & b | !c <-> d",
    "'; DROP TABLE papers_paper; --",
    "(((",
    "{title summary}: x",
    "\x00nul",
    "emoji 🤖 robots",
    "x" * 500,
]


# --- Search on the database in use ---


@pytest.mark.django_db
def test_search_covers_title_summary_authors_and_arxiv_id():
    by_title = PaperFactory(title="Diffusion policies", summary="- Other.")
    by_summary = PaperFactory(title="Untitled", summary="- We train diffusion models.")
    by_author = PaperFactory(title="Another", authors=["Grace Hopper"])
    by_id = PaperFactory(key="2503.01785", title="Numbers")
    PaperFactory(title="Unrelated", summary="- Nothing here.")

    def found(query):
        return set(Paper.objects.search(query))

    assert found("diffusion") == {by_title, by_summary}
    assert found("hopper") == {by_author}
    assert found("2503.01785") == {by_id}


@pytest.mark.django_db
def test_search_is_an_and_of_the_terms():
    both = PaperFactory(title="Diffusion for robots")
    PaperFactory(title="Diffusion for images")
    assert list(Paper.objects.search("diffusion robots")) == [both]


@pytest.mark.django_db
def test_author_and_topic_terms_combine():
    paper = PaperFactory(title="Diffusion policies", authors=["Grace Hopper"])
    PaperFactory(title="Diffusion images", authors=["Alan Turing"])
    assert list(Paper.objects.search("hopper diffusion")) == [paper]


@pytest.mark.django_db
def test_title_hits_rank_above_summary_hits():
    in_summary = PaperFactory(
        title="A survey", summary="- It mentions transformers once."
    )
    in_title = PaperFactory(title="Transformers", summary="- Something else.")
    ranked = list(Paper.objects.search("transformers").order_by("-rank"))
    assert ranked == [in_title, in_summary]
    assert ranked[0].rank > ranked[1].rank


@pytest.mark.django_db
def test_search_ignores_case_and_word_endings():
    paper = PaperFactory(title="Diffusion Models")
    assert list(Paper.objects.search("DIFFUSION model")) == [paper]


@pytest.mark.django_db
@on_sqlite
def test_on_sqlite_search_ignores_accents():
    paper = PaperFactory(title="Modèles de diffusion")
    assert list(Paper.objects.search("modeles")) == [paper]


@pytest.mark.django_db
def test_the_index_follows_edits_of_papers_authors_and_authorships():
    paper = PaperFactory(title="First title", authors=["Ada Lovelace"])
    Paper.objects.filter(pk=paper.pk).update(title="Second title")
    assert list(Paper.objects.search("second")) == [paper]
    assert not Paper.objects.search("first").exists()

    Author.objects.filter(name="Ada Lovelace").update(name="Ada King")
    assert list(Paper.objects.search("king")) == [paper]
    assert not Paper.objects.search("lovelace").exists()

    Authorship.objects.filter(paper=paper).delete()
    assert not Paper.objects.search("king").exists()
    Authorship.objects.create(
        paper=paper, author=Author.objects.create(name="Grace Hopper"), position=1
    )
    assert list(Paper.objects.search("hopper")) == [paper]

    paper.delete()
    assert not Paper.objects.search("second").exists()


@pytest.mark.django_db
def test_saving_a_paper_keeps_its_authors_searchable():
    paper = PaperFactory(title="Robots", authors=["Grace Hopper"])
    paper.title = "Robots again"
    paper.save()
    assert list(Paper.objects.search("hopper")) == [paper]


@pytest.mark.django_db
@pytest.mark.parametrize("query", HOSTILE_INPUT)
def test_hostile_input_never_raises(query):
    PaperFactory(title="Diffusion for robots", summary="- x marks the spot.")
    list(Paper.objects.search(query).order_by("-rank"))


@pytest.mark.django_db
def test_input_without_a_word_matches_nothing():
    PaperFactory(title="Anything")
    assert list(Paper.objects.search("( - *")) == []


@pytest.mark.django_db
def test_search_composes_with_other_filters_and_subqueries():
    tagged = PaperFactory(title="Robots", tags=["Robotics"])
    PaperFactory(title="Robots too", tags=["Audio"])
    found = Paper.objects.tagged_any("Robotics").search("robots")
    assert list(found) == [tagged]
    # As a subquery the rank's correlation must follow the outer table's alias.
    assert list(Paper.objects.filter(pk__in=found.values("pk"))) == [tagged]


@pytest.mark.django_db
def test_search_papers_works_on_any_queryset():
    paper = PaperFactory(title="Robots")
    assert list(search_papers(Paper.objects.filter(pk=paper.pk), "robots")) == [paper]


@pytest.mark.django_db
@on_sqlite
def test_on_sqlite_the_last_term_matches_as_a_prefix():
    paper = PaperFactory(title="Diffusion for robots")
    assert list(Paper.objects.search("robots diffus")) == [paper]


@pytest.mark.django_db
@pytest.mark.postgres
@on_postgres
def test_on_postgresql_search_uses_the_gin_index():
    PaperFactory(title="Diffusion for robots")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # Unordered: on a tiny table the planner would rather walk the date index.
        plan = Paper.objects.search("robots").order_by().explain()
    # The GIN index on the stored vector (migration 0010).
    assert "paper_search_vector" in plan


@pytest.mark.django_db
def test_search_on_the_sample_corpus():
    corpus = load_corpus()
    expected = {
        paper.key for paper in corpus.values() if "reinforcement" in paper.title.lower()
    }
    found = keys(Paper.objects.search("reinforcement"))
    # Every title hit is found; summaries add more.
    assert expected
    assert expected <= found
    assert keys(Paper.objects.search("2503.00865")) == {"2503.00865"}
    assert datetime.date(2025, 3, 6) in corpus["2503.00865"].days
