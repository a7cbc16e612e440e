"""The search language on the database in use: each query finds exactly the papers
listed, so running this file on SQLite and on PostgreSQL shows that the same input
gives the same ids on both:

DATABASE_URL=postgres://postgres@127.0.0.1:5432/digestsite_features \
    .venv/bin/python -m pytest tests/test_search_language.py
"""

import pytest

from papers.models import Paper
from tests.factories import PaperFactory
from tests.test_query_language import HOSTILE

pytestmark = pytest.mark.django_db

PAPERS = {
    "world": dict(
        title="World models for robots",
        summary="- A world model predicts the next frame.",
        authors=["Grace Hopper", "Alan Turing"],
        tags=["Robotics"],
    ),
    "drones": dict(
        title="Drones that learn to fly",
        summary="- Reinforcement learning for aerial robots.",
        authors=["Ada Lovelace"],
        tags=["Robotics", "Reinforcement Learning"],
    ),
    "survey": dict(
        title="A survey of diffusion models",
        summary="- We review diffusion for images and the world of video.",
        authors=["Alan Turing"],
        tags=["Computer Vision"],
    ),
    "hopper": dict(
        title="Hopper: jumping robots",
        summary="- Legged locomotion on rough ground.",
        authors=["Edwin Hubble"],
        tags=["Robotics"],
    ),
    "language": dict(
        title="Large language model agents",
        summary="- Agents plan with a model of the world, step by step.",
        authors=["Grace Hopper"],
        tags=["LLM-Agents"],
    ),
}

QUERIES = {
    # Words are AND'ed, case and word endings do not matter.
    "robots": {"world", "drones", "hopper"},
    "world robots": {"world"},
    "MODEL world": {"world", "survey", "language"},
    # An exact phrase, quotes unbalanced or not.
    '"world model"': {"world"},
    '"model of the world"': {"language"},
    '"world model': {"world"},
    # Exclusions, of words and phrases.
    "world -robots": {"survey", "language"},
    'world -"world model"': {"survey", "language"},
    "-robots": {"survey", "language"},
    "-robots -agents": {"survey"},
    # OR between words, AND'ed with the rest.
    "drones OR diffusion": {"drones", "survey"},
    "robots OR agents world": {"world", "language"},
    # The last word is a prefix while typing; earlier words are not.
    "diffus": {"survey"},
    "locomot": {"hopper"},
    "locom robots": set(),
    # author: scopes a word to the authors' names (Hopper is also a title word).
    "hopper": {"world", "hopper", "language"},
    "author:hopper": {"world", "language"},
    "author:turing -author:hopper": {"survey"},
    'author:"grace hopper" agents': {"language"},
    "author:hop": {"world", "language"},
    # tag: scopes to a tag's name or slug.
    "tag:robotics": {"world", "drones", "hopper"},
    'tag:"reinforcement learning"': {"drones"},
    "tag:llm-agents": {"language"},
    "tag:robotics -tag:reinforcement-learning robots": {"world", "hopper"},
    "tag:comp": {"survey"},
    "tag:robotics OR diffusion": {"world", "drones", "hopper", "survey"},
    "-tag:robotics": {"survey", "language"},
    # Stop words alone are ignored on both databases.
    "the robots": {"world", "drones", "hopper"},
    # Operators of either database's own syntax are only words.
    "robots & !drones": {"drones"},
    "NEAR(world robots)": set(),
}


@pytest.fixture
def papers():
    return {name: PaperFactory(**fields) for name, fields in PAPERS.items()}


@pytest.mark.parametrize(("query", "expected"), QUERIES.items())
def test_each_query_finds_the_same_papers_on_every_database(papers, query, expected):
    ids = {paper.pk for paper in Paper.objects.search(query)}
    assert ids == {papers[name].pk for name in expected}


def test_exclusions_alone_rank_nothing_but_still_filter(papers):
    found = list(Paper.objects.search("-robots").order_by("-rank", "pk"))
    assert {paper.rank for paper in found} == {0.0}


def test_a_scoped_search_composes_with_filters_and_subqueries(papers):
    found = Paper.objects.tagged_any("Robotics").search("tag:robotics author:hopper")
    assert list(Paper.objects.filter(pk__in=found.values("pk"))) == [papers["world"]]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_input_never_raises(papers, query):
    list(Paper.objects.search(query).order_by("-rank"))


# --- The list page ---


def test_the_list_page_marks_matched_words_and_escapes_the_rest(client):
    PaperFactory(title="<b>World</b> models", summary="- A world of robots.")
    PaperFactory(title="Unrelated", summary="- Nothing.")
    response = client.get("/", {"q": "world"})
    html = response.content.decode()
    assert "&lt;b&gt;<mark>World</mark>&lt;/b&gt; models" in html
    assert "A <mark>world</mark> of robots." in html
    assert "<b>World</b>" not in html
    htmx = client.get("/", {"q": "world"}, headers={"HX-Request": "true"})
    assert "<mark>World</mark>" in htmx.content.decode()


def test_the_compact_list_marks_matched_words_in_titles(client):
    PaperFactory(title="<b>World</b> models", summary="- A world of robots.")
    client.post("/preferences/list-mode/", {"list_mode": "compact", "next": "/"})
    html = client.get("/", {"q": "world"}).content.decode()
    assert 'class="paper-row"' in html
    assert "&lt;b&gt;<mark>World</mark>&lt;/b&gt; models" in html


def test_without_a_search_nothing_is_marked(client):
    PaperFactory(title="World models")
    assert "<mark>" not in client.get("/").content.decode().split("</details>", 1)[1]


def test_the_list_page_documents_the_syntax_without_javascript(client):
    html = client.get("/").content.decode()
    assert '<details class="search-syntax">' in html
    for example in ('"world model"', "-survey", "OR", "author:", "tag:"):
        assert example in html.split('class="search-syntax"', 1)[1]


@pytest.mark.parametrize("query", ['"', "-", "NEAR(", "tag:", 'author:"x'])
def test_hostile_searches_render_the_page(client, query):
    PaperFactory(title="World models")
    assert client.get("/", {"q": query}).status_code == 200
    assert client.get("/api/papers", {"q": query}).status_code == 200


def test_random_hostile_input_never_raises(papers):
    """Seeded random strings from the characters both query languages treat
    specially, words and operators: every one runs (and the same seed gives the
    same strings on either database)."""
    import random

    rng = random.Random(20251129)
    pieces = [
        *"\"-*:()^{}[]&|!<>'\\+~",
        " ",
        " OR ",
        "NEAR",
        "AND",
        "NOT",
        "author:",
        "tag:",
        "robots",
        "world",
        "é",
        "\x00",
        "_",
        "2503.01785",
        "the",
    ]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        list(Paper.objects.search(text).order_by("-rank").values_list("pk"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("world -robots", {"survey", "language"}),
        ("drones OR diffusion", {"drones", "survey"}),
        ('author:"grace hopper"', {"world", "language"}),
        ('"world model" -hopper', set()),
    ],
)
def test_other_databases_read_the_same_language_as_substrings(papers, query, expected):
    from papers.query_language import parse_query
    from papers.search import _match_fallback

    parsed = parse_query(query)
    found = _match_fallback(Paper.objects.all(), parsed.clauses, parsed.excluded)
    assert {paper.pk for paper in found} == {papers[name].pk for name in expected}


def test_fts5_only_says_when_the_index_alone_can_answer():
    from papers.search import fts5_only

    assert fts5_only("world -robots") == '("world") NOT ("robots")'
    assert fts5_only('author:hopper "world model"') == (
        'authors : "hopper" AND "world model"'
    )
    # A tag filter, exclusions alone and no words need search_papers' joins.
    assert fts5_only("tag:robotics world") is None
    assert fts5_only("-robots") is None
    assert fts5_only("the") is None
