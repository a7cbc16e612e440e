"""Facet rules of the browse engine, on cases small enough that the counts are obvious.

Three papers, two tags:  P1 RL (code)   P2 RL + Vision   P3 Vision (code, HF)
"""

import datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import numpy as np
import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from papers.browse.engine import Scope, browse
from papers.browse.facets import AUTHOR_LIMIT, AuthorFacet, FacetRequest
from papers.browse.index import Links
from papers.browse.reader import Reader
from tests.factories import PaperFactory

D = datetime.date
pytestmark = pytest.mark.django_db


def run(params=None, scope=None, reader=None):
    result = browse(
        scope or Scope(path="/"),
        QueryDict(urlencode(params or {}, doseq=True)),
        reader or Reader(),
    )
    assert result.valid, result.errors
    return result


def counts(facet) -> dict[str, int]:
    return {value.value: value.count for value in facet.values}


def titles(result) -> list[str]:
    return [paper.title for paper in result.page]


@pytest.fixture
def three():
    code = ["https://github.com/a/b"]
    PaperFactory(title="P1", tags=["RL"], days=[D(2025, 3, 1)], github_urls=code)
    PaperFactory(title="P2", tags=["RL", "Vision"], days=[D(2025, 3, 2)])
    PaperFactory(
        title="P3",
        tags=["Vision"],
        days=[D(2025, 4, 1)],
        github_urls=code,
        huggingface_urls=["https://huggingface.co/x"],
    )


def test_tag_counts_without_filters(three):
    assert counts(run().facets.tag) == {"RL": 2, "Vision": 2}


def test_tag_counts_ignore_the_tag_selection_but_not_other_filters(three):
    result = run({"tag": "RL", "has_code": "1"})
    assert titles(result) == ["P1"]
    # P1 and P3 have code: what ticking each tag would give with has_code kept.
    assert counts(result.facets.tag) == {"RL": 1, "Vision": 1}


def test_tag_counts_drill_down_with_tag_mode_all(three):
    result = run({"tag": "RL", "tag_mode": "all"})
    assert counts(result.facets.tag) == {"RL": 2, "Vision": 1}
    assert run({"tag": ["RL", "Vision"], "tag_mode": "all"}).total == 1
    assert run({"tag": ["RL", "Vision"]}).total == 3


def test_excluded_tags_are_listed_apart_and_apply_to_the_other_counts(three):
    result = run({"tag_not": "RL"})
    assert titles(result) == ["P3"]
    assert counts(result.facets.tag) == {"Vision": 1}
    assert [(v.value, v.count, v.excluded) for v in result.facets.tag.excluded] == [
        ("RL", 0, True)
    ]


def test_a_selected_tag_without_papers_stays_listed(three):
    result = run({"tag": "Nowhere"})
    assert result.total == 0
    assert counts(result.facets.tag) == {"Nowhere": 0, "RL": 2, "Vision": 2}
    assert [v.value for v in result.facets.tag.values if v.selected] == ["Nowhere"]


def test_tag_links_toggle_one_tag_and_keep_the_rest(three):
    result = run({"has_code": "1", "page": "1"})
    rl = next(v for v in result.facets.tag.values if v.value == "RL")
    assert parse_qs(urlsplit(rl.toggle_url).query) == {"has_code": ["1"], "tag": ["RL"]}
    assert parse_qs(urlsplit(rl.exclude_url).query) == {
        "has_code": ["1"],
        "tag_not": ["RL"],
    }


def test_tag_search_narrows_the_values_but_not_the_results(three):
    result = run({"tag_q": "vis"})
    assert counts(result.facets.tag) == {"Vision": 2}
    assert result.total == 3


def test_boolean_facets_count_yes_and_no_ignoring_their_own_selection(three):
    result = run({"has_code": "1"})
    assert counts(result.facets.has_code) == {"1": 2, "0": 1}
    assert counts(result.facets.has_hf) == {"1": 1, "0": 1}  # among P1, P3
    selected = [v.value for v in result.facets.has_code.values if v.selected]
    assert selected == ["1"]


def test_month_counts_ignore_the_date_range(three):
    result = run({"date_from": "2025-04-01", "date_to": "2025-04-30"})
    assert titles(result) == ["P3"]
    assert counts(result.facets.month) == {"2025-03": 2, "2025-04": 1}
    assert [v.value for v in result.facets.month.values if v.selected] == ["2025-04"]


def test_a_paper_counts_once_per_month_and_in_each_of_its_months():
    PaperFactory(days=[D(2025, 3, 1), D(2025, 3, 9), D(2025, 4, 2)])
    assert counts(run().facets.month) == {"2025-03": 1, "2025-04": 1}


def test_a_date_range_needs_one_digest_day_inside_it():
    PaperFactory(title="Around", days=[D(2025, 3, 1), D(2025, 3, 20)])
    PaperFactory(title="Inside", days=[D(2025, 3, 10)])
    assert titles(run({"date_from": "2025-03-05", "date_to": "2025-03-15"})) == [
        "Inside"
    ]
    assert titles(run({"date_from": "2025-03-15"})) == ["Around"]


def test_author_counts_ignore_the_author_selection():
    PaperFactory(authors=["Ada", "Bo"])
    PaperFactory(authors=["Bo"])
    result = run({"author": "Ada"})
    assert result.total == 1
    assert counts(result.facets.author) == {"Bo": 2, "Ada": 1}


def test_the_author_facet_lists_the_top_authors_and_flags_truncation():
    for n in range(AUTHOR_LIMIT + 1):
        PaperFactory(authors=[f"Author {n:02d}", "Prolific"])
    PaperFactory(authors=["Prolific", "Second"])
    PaperFactory(authors=["Second"])
    facet = run().facets.author
    assert facet.truncated
    assert len(facet.values) == AUTHOR_LIMIT
    assert [(v.value, v.count) for v in facet.values[:2]] == [
        ("Prolific", 22),
        ("Second", 2),
    ]
    # Ties are broken by who came first, then listed by name.
    assert facet.values[-1].value == f"Author {AUTHOR_LIMIT - 3:02d}"


def test_a_selected_author_is_listed_even_outside_the_top():
    for n in range(AUTHOR_LIMIT + 2):
        PaperFactory(authors=[f"Author {n:02d}", "Prolific"])
    result = run({"author": f"Author {AUTHOR_LIMIT + 1:02d}"})
    listed = counts(result.facets.author)
    assert listed[f"Author {AUTHOR_LIMIT + 1:02d}"] == 1
    assert listed["Prolific"] == AUTHOR_LIMIT + 2
    assert counts(run({"author": "Nobody"}).facets.author)["Nobody"] == 0


def test_author_search_narrows_the_values():
    PaperFactory(authors=["Ada Lovelace", "Bo"])
    assert counts(run({"author_q": "LOVE"}).facets.author) == {"Ada Lovelace": 1}


def test_the_scope_applies_to_every_count(three):
    result = run(scope=Scope(path="/tags/rl/", tag="RL"))
    assert sorted(titles(result)) == ["P1", "P2"]
    assert counts(result.facets.tag) == {"RL": 2, "Vision": 1}
    assert all(v.toggle_url.startswith("/tags/rl/?") for v in result.facets.tag.values)


def test_an_invalid_parameter_counts_nothing_and_keeps_the_selection(
    three, django_assert_num_queries
):
    params = QueryDict("tag=RL&has_code=maybe")
    with django_assert_num_queries(0):
        result = browse(Scope(path="/"), params, Reader())
    assert not result.valid
    assert "has_code" in result.errors
    assert [(v.value, v.count) for v in result.facets.tag.values] == [("RL", None)]


def test_pages_past_the_end_fall_back_to_the_last_page(three):
    result = browse(Scope(path="/"), QueryDict("page=9"), Reader(), filter_class=None)
    assert result.page.number == 1
    assert result.total == 3


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    share=st.floats(0.07, 1.0),
    selected=st.lists(st.integers(0, 1999), max_size=3, unique=True),
)
def test_the_author_facet_stops_counting_early_with_the_same_top_authors(
    seed, share, selected
):
    """With many papers in the mask, AuthorFacet counts authors by descending total
    and stops early; what it lists must equal a full count's listing."""
    rng = np.random.default_rng(seed)
    papers, authors = 5000, 2000
    pairs = np.unique(
        np.column_stack(
            (
                np.repeat(np.arange(papers), 3),
                (authors * rng.random(papers * 3) ** 3).astype(int),
            )
        ),
        axis=0,
    )
    links = Links.from_pairs(pairs[:, 0], pairs[:, 1], papers, authors)
    present = set(pairs[:, 1].tolist())
    selected = [value for value in selected if value in present]
    index = SimpleNamespace(authors=links)
    mask = rng.random(papers) < share
    request = FacetRequest(
        data={},
        path="/",
        params=QueryDict(),
        author_values={str(v): v for v in selected},
    )
    facet = AuthorFacet()
    pruned = facet.counts(index, mask, request)
    full = links.counts(mask)
    assert list(facet.top_values(pruned, selected)) == list(
        facet.top_values(full, selected)
    )
    top = facet.top_values(full, selected)
    assert (pruned[top] == full[top]).all()
    assert (pruned[selected] == full[selected]).all()


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    papers=st.integers(1, 60),
    size=st.integers(1, 40),
    links=st.integers(0, 200),
)
def test_links_list_each_rows_values_and_each_values_rows_in_ascending_order(
    seed, papers, size, links
):
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, papers, links)
    values = rng.integers(0, size, links)
    built = Links.from_pairs(rows, values, papers, size)
    for row in range(papers):
        start, end = built.paper_starts[row], built.paper_starts[row + 1]
        assert built.values[start:end].tolist() == sorted(values[rows == row].tolist())
        assert built.lengths[row] == end - start
    for value in range(size):
        start, end = built.value_starts[value], built.value_starts[value + 1]
        assert built.rows[start:end].tolist() == sorted(rows[values == value].tolist())
        assert built.totals[value] == end - start
    assert built.values.dtype == built.rows.dtype == np.int32
