"""PaperFilter semantics on the real sample digests, against sets computed apart.

Runs on SQLite by default; to run it on PostgreSQL too:
DATABASE_URL=postgres://postgres@127.0.0.1:5432/digest_test_browse \\
    pytest tests/test_search.py tests/test_filters.py
"""

import datetime
from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from papers.filters import MAX_VALUES, ApiPaperFilter, PaperFilter
from papers.models import Paper
from tests.factories import PaperFactory
from tests.sample_corpus import keys

D = datetime.date


def bound(params, filter_class=PaperFilter) -> PaperFilter:
    if not isinstance(params, str):
        params = urlencode(params, doseq=True)
    return filter_class(QueryDict(params), queryset=Paper.objects.all())


def found(params) -> set[str]:
    filterset = bound(params)
    assert filterset.is_valid(), filterset.errors
    return keys(filterset.qs)


def expect(corpus, predicate) -> set[str]:
    return {key for key, paper in corpus.items() if predicate(paper)}


# --- The sample corpus as the tests see it ---


def test_the_sample_corpus_has_what_these_tests_rely_on(corpus):
    # Worked out by reading the digests: 11 days, 141 papers, eight of them on both
    # 2024-09-27 and 2024-09-28.
    assert len(corpus) == Paper.objects.count() == 141
    both_days = expect(corpus, lambda p: p.days == {D(2024, 9, 27), D(2024, 9, 28)})
    assert len(both_days) == 8
    assert len(expect(corpus, lambda p: "Robotics" in p.tags)) == 5


# --- Each parameter alone ---


def test_no_parameters_list_every_paper_newest_first(corpus):
    filterset = bound("")
    assert filterset.is_valid()
    papers = list(filterset.qs)
    assert keys(papers) == set(corpus)
    dates = [paper.last_digest_date for paper in papers]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("tag", ["Robotics", "Multimodal", "Audio", "Text-to-3D"])
def test_one_tag(corpus, tag):
    assert found({"tag": tag}) == expect(corpus, lambda p: tag in p.tags)


def test_several_tags_are_ored_by_default(corpus):
    tags = {"Robotics", "Audio"}
    expected = expect(corpus, lambda p: p.tags & tags)
    assert found({"tag": sorted(tags)}) == expected
    assert found({"tag": sorted(tags), "tag_mode": "any"}) == expected


def test_tag_mode_all_ands_the_tags(corpus):
    tags = {"Multimodal", "Robotics"}
    expected = expect(corpus, lambda p: tags <= p.tags)
    assert expected  # the sample has such papers
    assert found({"tag": sorted(tags), "tag_mode": "all"}) == expected
    assert expected < found({"tag": sorted(tags)})


def test_tag_not_drops_papers_with_any_of_the_tags(corpus):
    tags = {"Natural Language Processing", "Multimodal"}
    assert found({"tag_not": sorted(tags)}) == expect(
        corpus, lambda p: not p.tags & tags
    )


def test_tag_and_tag_not_combine(corpus):
    expected = expect(
        corpus, lambda p: "Multimodal" in p.tags and "Computer Vision" not in p.tags
    )
    assert found({"tag": "Multimodal", "tag_not": "Computer Vision"}) == expected


def test_an_unknown_tag_matches_nothing_and_is_no_error(corpus):
    assert found({"tag": "No such tag"}) == set()
    assert found({"tag": ["No such tag", "Robotics"]}) == found({"tag": "Robotics"})


def test_authors_are_ored(corpus):
    authors = {"Yu Cheng", "lwher1996"}
    expected = expect(corpus, lambda p: set(p.authors) & authors)
    assert len(expected) >= 3
    assert found({"author": sorted(authors)}) == expected


def test_date_bounds_are_inclusive(corpus):
    assert found({"date_from": "2025-03-12"}) == expect(
        corpus, lambda p: max(p.days) >= D(2025, 3, 12)
    )
    assert found({"date_to": "2024-09-27"}) == expect(
        corpus, lambda p: min(p.days) <= D(2024, 9, 27)
    )
    one_day = found({"date_from": "2025-03-04", "date_to": "2025-03-04"})
    assert one_day == expect(corpus, lambda p: D(2025, 3, 4) in p.days)
    assert len(one_day) == 17


def test_a_paper_on_two_days_matches_a_range_holding_either(corpus):
    both_days = expect(corpus, lambda p: len(p.days) == 2)
    assert both_days <= found({"date_from": "2024-09-28", "date_to": "2024-09-28"})
    assert both_days <= found({"date_from": "2024-09-27", "date_to": "2024-09-27"})


def test_a_range_between_digest_days_is_empty(corpus):
    assert found({"date_from": "2025-01-01", "date_to": "2025-02-28"}) == set()


@pytest.mark.django_db
def test_one_digest_day_must_fall_inside_both_bounds():
    PaperFactory(days=[D(2025, 1, 10), D(2025, 3, 10)])
    # One day is after the start and another before the end, but none in between.
    assert found({"date_from": "2025-02-01", "date_to": "2025-02-28"}) == set()


def test_has_code(corpus):
    assert found({"has_code": "1"}) == expect(corpus, lambda p: p.has_code)
    assert found({"has_code": "0"}) == expect(corpus, lambda p: not p.has_code)
    assert len(found({"has_code": "1"})) == 85


def test_has_hf(corpus):
    assert found({"has_hf": "1"}) == expect(corpus, lambda p: p.has_hf)
    assert found({"has_hf": "0"}) == expect(corpus, lambda p: not p.has_hf)
    assert len(found({"has_hf": "1"})) == 27


def test_search_is_anded_with_facets(corpus):
    searched = found({"q": "language"})
    assert searched
    assert found({"q": "language", "tag": "Multimodal"}) == searched & expect(
        corpus, lambda p: "Multimodal" in p.tags
    )


# --- Combinations ---


def test_different_facets_are_anded(corpus):
    params = {
        "tag": ["Multimodal", "Computer Vision"],
        "tag_not": "Robotics",
        "has_code": "1",
        "has_hf": "0",
        "date_from": "2025-03-01",
        "date_to": "2025-03-31",
    }
    expected = expect(
        corpus,
        lambda p: (
            bool(p.tags & {"Multimodal", "Computer Vision"})
            and "Robotics" not in p.tags
            and p.has_code
            and not p.has_hf
            and any(D(2025, 3, 1) <= day <= D(2025, 3, 31) for day in p.days)
        ),
    )
    assert expected
    assert found(params) == expected


def test_tag_mode_all_with_authors_and_code(corpus):
    params = {
        "tag": ["Natural Language Processing", "Question Answering"],
        "tag_mode": "all",
        "has_code": "0",
    }
    expected = expect(
        corpus,
        lambda p: (
            {"Natural Language Processing", "Question Answering"} <= p.tags
            and not p.has_code
        ),
    )
    assert expected
    assert found(params) == expected


# --- Sorting ---


def test_sorts(corpus):
    def ordered(params):
        return list(bound(params).qs)

    oldest = ordered({"sort": "oldest"})
    assert [p.first_digest_date for p in oldest] == sorted(
        p.first_digest_date for p in oldest
    )
    titles = [p.title.lower() for p in ordered({"sort": "title"})]
    assert titles == sorted(titles)


def test_relevance_is_the_default_when_searching(corpus):
    filterset = bound({"q": "reinforcement learning"})
    assert filterset.is_valid()
    assert filterset.effective_sort == "relevance"
    ranks = [paper.rank for paper in filterset.qs]
    assert ranks == sorted(ranks, reverse=True)
    without_search = bound({})
    assert without_search.is_valid()
    assert without_search.effective_sort == "newest"


def test_relevance_without_a_search_falls_back_to_newest(corpus):
    assert list(bound({"sort": "relevance"}).qs) == list(bound({}).qs)


# --- Invalid input: an error on the field, never a different query ---


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2025-13-01"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_from": "03/05/2025"}, "date_from"),
        ({"date_from": "2025-03-05", "date_to": "2025-03-01"}, "date_to"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page": "9" * 30}, "page"),
        ({"sort": "popular"}, "sort"),
        ({"tag_mode": "some"}, "tag_mode"),
        ({"has_code": "maybe"}, "has_code"),
        ({"has_hf": "true"}, "has_hf"),
        ({"q": "x" * 201}, "q"),
        ({"tag": [f"t{n}" for n in range(MAX_VALUES + 1)]}, "tag"),
        ({"author": ["x" * 256]}, "author"),
        ({"author": ["a\x00b"]}, "author"),
        ({"q": "robots\x00"}, "q"),
        ({"tag_not": [f"t{n}" for n in range(MAX_VALUES + 1)]}, "tag_not"),
    ],
)
def test_invalid_values_are_errors_on_their_field(params, field):
    filterset = bound(params)
    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]
    assert filterset.errors[field][0]


@pytest.mark.django_db
def test_the_error_messages_say_what_is_expected():
    errors = bound({"sort": "popular", "page": "0", "date_to": "x"}).errors
    assert "newest, oldest, title, relevance" in errors["sort"][0]
    assert "page number" in errors["page"][0]
    assert "YYYY-MM-DD" in errors["date_to"][0]


@pytest.mark.django_db
def test_valid_edge_values():
    assert bound({"page": "1", "tag": [f"t{n}" for n in range(MAX_VALUES)]}).is_valid()
    assert bound({"has_code": "", "sort": "", "tag_mode": "", "q": ""}).is_valid()
    assert bound({"unknown": "ignored"}).is_valid()


@pytest.mark.django_db
def test_repeated_values_count_once():
    filterset = bound("tag=Audio&tag=Audio&tag=%20Audio%20&tag=")
    assert filterset.is_valid()
    assert filterset.form.cleaned_data["tag"] == ["Audio"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["0", "101", "x"])
def test_the_api_page_size_is_1_to_100(value):
    assert not bound({"page_size": value}, ApiPaperFilter).is_valid()
    assert bound({"page_size": "100"}, ApiPaperFilter).is_valid()
