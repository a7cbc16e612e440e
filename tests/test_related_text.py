"""Related papers by what they say (papers.similar_text) combined with shared authors
and tags (papers.related.related_papers), on the page and in the JSON twin."""

import datetime
import threading

import pytest

from papers import similar_text
from papers.browse.index import facet_index
from papers.models import Paper
from papers.related import related_papers
from papers.similar_text import candidate_terms, similar_by_text, stems
from tests.factories import PaperFactory

D = datetime.date


# Terms, without a database.


def test_stop_words_and_boilerplate_are_not_terms():
    assert stems("We propose a novel method for the robots") == ["robot"]


def test_title_terms_come_first_then_summary_terms_by_frequency():
    terms = candidate_terms(
        "Quadruped Locomotion", "- Gaits and gaits.\n- Terrain, gaits, terrain."
    )
    assert list(terms) == ["quadrup", "locomot", "gait", "terrain"]
    assert terms["gait"] == "gaits"  # searched as written; the index stems it


# The smallest cases.


DAY = D(2025, 3, 3)


def make(title, summary, *, authors=(), tags=(), day=DAY):
    return PaperFactory(
        title=title, summary=summary, authors=authors, tags=tags, days=[day]
    )


@pytest.fixture
def papers(db):
    make("Cooking recipes", "- Pasta and sauces.")  # shares nothing
    return {
        "self": make(
            "Quadruped locomotion on rough terrain",
            "- Legged robots learn gaits for stairs.",
        ),
        "twin": make(
            "Learning gaits for legged robots", "- Quadruped locomotion on stairs."
        ),
        "half": make("Stairs everywhere", "- Climbing stairs with legged machines."),
        "author": make("Protein folding", "- Amino acids.", authors=["Ada"]),
        "noise": make("Gardening tips", "- Terrain for tomatoes."),
    }


def test_papers_saying_the_same_things_are_related_best_first(papers):
    matches = similar_by_text(papers["self"])
    ids = [match.paper_id for match in matches]
    assert ids[:2] == [papers["twin"].pk, papers["half"].pk]
    assert papers["author"].pk not in ids
    twin = matches[0]
    assert 0.5 < twin.similarity <= 1
    assert {"quadruped", "locomotion", "gaits"} <= set(twin.shared_terms)


def test_words_in_too_many_papers_are_not_distinctive(papers, monkeypatch):
    # With a cap of 1, every word another paper also uses is too common to count.
    monkeypatch.setattr(similar_text, "DF_CAP", 1)
    assert similar_by_text(papers["self"]) == []


def test_text_adds_to_shared_authors_and_tags(db):
    me = make("Sparse attention kernels", "- Faster attention.", authors=["Ann"])
    coauthor = make("Protein design", "- Folding.", authors=["Ann"])
    same_words = make("Sparse attention for long context", "- Kernels for attention.")
    related = related_papers(me)
    assert [item.paper for item in related] == [same_words, coauthor]
    assert related[1].shared_authors == 1 and related[1].similarity == 0
    assert related[0].shared_authors == 0 and related[0].similarity > 0.5


def test_search_syntax_in_a_title_is_only_words(db):
    me = make('"Quoted" OR NEAR(x) -minus * {title}: AND', "- ( ) ^ : '")
    make("Quoted minus title", "- Near.")
    # No error from the full-text syntax; the words still match.
    assert similar_by_text(me)


def test_the_paper_page_explains_text_matches(client, papers):
    html = client.get(papers["self"].get_absolute_url()).text
    section = html[html.index('id="related-heading"') :]
    assert section.index("Learning gaits for legged robots") < section.index(
        "Stairs everywhere"
    )
    reason = section[section.index("Learning gaits") :].split("</li>")[0]
    assert "also about" in reason and "quadruped" in reason
    assert "Cooking recipes" not in section


def test_the_paper_page_costs_a_bounded_number_of_queries(
    client, papers, django_assert_max_num_queries
):
    # The paper with prefetches (5), the data version the browse index is of (1),
    # the papers related by links (1), and by text (2), with shared authors and
    # tags of text matches (2); none grows with the terms. The index of the data is
    # there already, as in any process that has served a list page.
    facet_index()
    with django_assert_max_num_queries(11):
        client.get(papers["self"].get_absolute_url())


def test_the_json_twin_lists_related_papers(client, papers):
    data = client.get(f"/api/papers/{papers['self'].key}").json()
    first = data["related"][0]
    assert first["key"] == papers["twin"].key
    assert first["url"] == papers["twin"].get_absolute_url()
    assert first["text_similarity"] > 0.5
    assert {"shared_authors", "shared_tags", "score", "shared_terms"} <= set(first)


# Hand-picked real examples from the shipped sample, where the answer is obvious.


def related_keys(key, limit=5):
    return [item.paper.key for item in related_papers(Paper.objects.get(key=key))][
        :limit
    ]


@pytest.mark.parametrize(
    ("key", "expected", "why"),
    [
        # MM-Eureka reports a visual "aha moment"; so does the R1-Zero paper.
        ("2503.07365", "2503.05132", "aha moment"),
        # HumanEval Pro and MBPP Pro; KodCode evaluates on HumanEval and MBPP.
        ("2412.21199", "2503.02951", "humaneval"),
        # LLaVE (multimodal embeddings, MMEB) and ABC (multimodal embeddings).
        ("2503.04812", "2503.00329", "mmeb"),
        # Babel (multilingual LLMs) and EuroBERT (multilingual encoders).
        ("2503.00865", "2503.05500", "multilingual"),
        # Two audio-visual speech recognition (AVSR) papers.
        ("2503.06362", "2503.06273", "avsr"),
    ],
)
def test_obviously_related_sample_papers_come_first(corpus, key, expected, why):
    related = related_papers(Paper.objects.get(key=key))
    assert related[0].paper.key == expected
    assert why.split()[0] in related[0].shared_terms


def test_speech_recognition_papers_find_each_other_by_text_alone(corpus):
    # LiteASR shares no author with the AVSR paper, only words.
    assert "2502.20583" in related_keys("2503.06362")


def test_stemming_gives_the_same_words_on_many_threads_at_once():
    # A threaded web server stems several papers at once (gunicorn's gthread workers).
    text = " ".join(
        ["generalization", "conditional", "rationalization", "operational"] * 50
    )
    expected = stems(text)
    results: list[list[str]] = []
    errors: list[Exception] = []

    def stem_repeatedly() -> None:
        try:
            for _ in range(50):
                results.append(stems(text))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=stem_repeatedly) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert all(result == expected for result in results)
