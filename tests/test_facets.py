"""Facet counts on the sample digests, and facet links (tested without a database)."""

import datetime
from collections import Counter
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.http import QueryDict

from papers.facets import (
    AUTHOR_LIMIT,
    active_filters,
    author_facet,
    boolean_facet,
    clear_all_url,
    compute_facets,
    month_facet,
    quick_ranges,
    replace_url,
    selection_facets,
    tag_facet,
    toggle_url,
)
from papers.filters import PaperFilter
from papers.models import Paper
from tests.factories import PaperFactory
from tests.sample_corpus import corpus_for_module

D = datetime.date


@pytest.fixture(scope="module")
def loaded_corpus(django_db_setup, django_db_blocker):
    yield from corpus_for_module(django_db_blocker)


@pytest.fixture
def corpus(loaded_corpus, db):
    return loaded_corpus


def bound(params=None) -> PaperFilter:
    query = QueryDict(urlencode(params or {}, doseq=True))
    filterset = PaperFilter(query, queryset=Paper.objects.all())
    assert filterset.is_valid(), filterset.errors
    return filterset


def counts(facet) -> dict[str, int]:
    return {value.value: value.count for value in facet.values}


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --- Links, without a database ---


def test_toggle_adds_a_value_and_drops_the_page():
    params = QueryDict("tag=Audio&page=3&q=x")
    url = toggle_url("/", params, "tag", "Robotics")
    assert url.startswith("/?")
    assert query(url) == {"tag": ["Audio", "Robotics"], "q": ["x"]}


def test_toggle_removes_a_present_value():
    url = toggle_url("/", QueryDict("tag=Audio&tag=Robotics"), "tag", "Audio")
    assert query(url) == {"tag": ["Robotics"]}


def test_toggling_the_last_value_leaves_the_bare_path():
    assert toggle_url("/authors/3/", QueryDict("tag=Audio"), "tag", "Audio") == (
        "/authors/3/"
    )


def test_including_a_tag_drops_its_exclusion_and_the_other_way_round():
    params = QueryDict("tag_not=Audio&tag=Robotics")
    assert query(toggle_url("/", params, "tag", "Audio", also_remove_from=["tag_not"]))[
        "tag"
    ] == ["Robotics", "Audio"]
    assert "tag_not" not in query(
        toggle_url("/", params, "tag", "Audio", also_remove_from=["tag_not"])
    )
    excluded = toggle_url("/", params, "tag_not", "Robotics", also_remove_from=["tag"])
    assert query(excluded) == {"tag_not": ["Audio", "Robotics"]}


def test_toggle_leaves_the_request_parameters_alone():
    params = QueryDict("tag=Audio&page=2")
    toggle_url("/", params, "tag", "Robotics")
    assert params.getlist("tag") == ["Audio"] and params["page"] == "2"


def test_values_are_url_encoded():
    url = toggle_url("/", QueryDict(""), "author", "Zoë & Co?")
    assert url == "/?author=Zo%C3%AB+%26+Co%3F"


def test_replace_sets_and_removes_single_values():
    params = QueryDict("has_code=1&page=4&date_from=2025-01-01")
    assert query(replace_url("/", params, has_code="0")) == {
        "has_code": ["0"],
        "date_from": ["2025-01-01"],
    }
    assert replace_url("/", params, has_code=None, date_from=None) == "/"


def test_chips_remove_one_filter_each():
    params = QueryDict(
        "q=robots&tag=Audio&tag_not=Robotics&author=Ada&date_from=2025-03-01"
        "&date_to=2025-03-31&has_code=1&has_hf=0&sort=title&page=2"
    )
    data = {
        "q": "robots",
        "tag": ["Audio"],
        "tag_not": ["Robotics"],
        "author": ["Ada"],
        "date_from": D(2025, 3, 1),
        "date_to": D(2025, 3, 31),
        "has_code": "1",
        "has_hf": "0",
    }
    chips = active_filters(data, path="/", params=params)
    labels = [chip.label for chip in chips]
    assert labels == [
        "“robots”",
        "Audio",
        "not Robotics",
        "by Ada",
        "Mar 1–31, 2025",
        "With code",
        "Without Hugging Face links",
    ]
    removed = {chip.label: query(chip.remove_url) for chip in chips}
    assert "q" not in removed["“robots”"]
    assert "tag" not in removed["Audio"]
    assert "tag_not" not in removed["not Robotics"]
    assert "date_from" not in removed["Mar 1–31, 2025"]
    assert "date_to" not in removed["Mar 1–31, 2025"]
    assert all(chip_query["sort"] == ["title"] for chip_query in removed.values())
    assert all("page" not in chip_query for chip_query in removed.values())


def test_clear_all_keeps_only_a_valid_sort():
    assert clear_all_url("/", QueryDict("tag=Audio&sort=title&page=2")) == (
        "/?sort=title"
    )
    assert clear_all_url("/tags/audio/", QueryDict("sort=bogus&q=x")) == (
        "/tags/audio/"
    )


def test_quick_ranges_are_relative_to_the_newest_digest_day():
    ranges = quick_ranges(
        D(2025, 3, 12),
        {"date_from": D(2025, 3, 6), "date_to": D(2025, 3, 12)},
        path="/",
        params=QueryDict("tag=Audio"),
    )
    assert [(r.label, r.selected) for r in ranges] == [
        ("Latest week (Mar 6–12, 2025)", True),
        ("Latest month (March 2025)", False),
    ]
    assert query(ranges[1].url) == {
        "tag": ["Audio"],
        "date_from": ["2025-03-01"],
        "date_to": ["2025-03-31"],
    }
    assert quick_ranges(None, {}, path="/", params=QueryDict("")) == []


def test_quick_ranges_stop_at_the_first_day_of_the_calendar():
    (week, _) = quick_ranges(D(1, 1, 3), {}, path="/", params=QueryDict(""))
    assert query(week.url) == {"date_from": ["0001-01-01"], "date_to": ["0001-01-03"]}


def test_a_week_across_months_is_spelled_out():
    (week, _) = quick_ranges(D(2025, 3, 3), {}, path="/", params=QueryDict(""))
    assert week.label == "Latest week (Feb 25–Mar 3, 2025)"


@pytest.mark.django_db
def test_selection_facets_keep_the_choice_without_counting(django_assert_num_queries):
    params = QueryDict("tag=Audio&tag_not=Robotics&author=Ada&has_code=maybe")
    filterset = PaperFilter(params, queryset=Paper.objects.none())
    with django_assert_num_queries(0):
        assert not filterset.is_valid()
        facets = selection_facets(filterset.form, path="/", params=params)
    assert [(v.value, v.count, v.selected) for v in facets.tag.values] == [
        ("Audio", None, True)
    ]
    assert [v.value for v in facets.tag.excluded] == ["Robotics"]
    assert [v.value for v in facets.author.values] == ["Ada"]
    assert not any(v.selected for v in facets.has_code.values)


# --- Counts on the sample corpus ---


def tag_counts(corpus, predicate=lambda paper: True) -> Counter:
    return Counter(
        tag for paper in corpus.values() if predicate(paper) for tag in paper.tags
    )


def test_tag_counts_without_filters(corpus):
    facet = tag_facet(bound(), path="/", params=QueryDict(""))
    assert counts(facet) == tag_counts(corpus)
    assert counts(facet)["Robotics"] == 5
    # By count, then name.
    order = [(-v.count, v.label.lower()) for v in facet.values]
    assert order == sorted(order)


def test_tag_counts_ignore_the_tag_selection_but_not_other_filters(corpus):
    params = {"tag": ["Robotics"], "has_code": "1"}
    facet = tag_facet(
        bound(params), path="/", params=QueryDict(urlencode(params, doseq=True))
    )
    assert counts(facet) == tag_counts(corpus, lambda p: p.has_code)
    selected = [v.value for v in facet.values if v.selected]
    assert selected == ["Robotics"]


def test_tag_counts_drill_down_with_tag_mode_all(corpus):
    params = {"tag": ["Multimodal"], "tag_mode": "all"}
    facet = tag_facet(
        bound(params), path="/", params=QueryDict(urlencode(params, doseq=True))
    )
    expected = tag_counts(corpus, lambda p: "Multimodal" in p.tags)
    assert counts(facet) == expected
    assert counts(facet)["Multimodal"] == len(
        [p for p in corpus.values() if "Multimodal" in p.tags]
    )


def test_tag_counts_respect_exclusions_and_list_excluded_tags_apart(corpus):
    params = {"tag_not": ["Natural Language Processing"]}
    facet = tag_facet(
        bound(params), path="/", params=QueryDict(urlencode(params, doseq=True))
    )
    assert counts(facet) == tag_counts(
        corpus, lambda p: "Natural Language Processing" not in p.tags
    )
    assert [v.value for v in facet.excluded] == ["Natural Language Processing"]
    (excluded,) = facet.excluded
    assert excluded.excluded and "tag_not" not in query(excluded.exclude_url)


def test_a_selected_tag_without_papers_stays_listed(corpus):
    params = {"tag": ["No such tag"]}
    facet = tag_facet(
        bound(params), path="/", params=QueryDict(urlencode(params, doseq=True))
    )
    assert counts(facet)["No such tag"] == 0


def test_tag_links(corpus):
    params = QueryDict("tag=Audio&page=2")
    facet = tag_facet(bound(params), path="/", params=params)
    robotics = next(v for v in facet.values if v.value == "Robotics")
    assert query(robotics.toggle_url) == {"tag": ["Audio", "Robotics"]}
    assert query(robotics.exclude_url) == {"tag": ["Audio"], "tag_not": ["Robotics"]}
    audio = next(v for v in facet.values if v.value == "Audio")
    assert audio.toggle_url == "/"


def test_tag_search_narrows_the_values(corpus):
    facet = tag_facet(bound(), path="/", params=QueryDict(""), contains="text")
    assert facet.values
    assert all("text" in v.label.lower() for v in facet.values)


def test_author_facet_lists_the_top_authors_and_flags_truncation(corpus):
    facet = author_facet(bound(), path="/", params=QueryDict(""))
    expected = Counter(a for paper in corpus.values() for a in paper.authors)
    assert len(facet.values) == AUTHOR_LIMIT
    assert facet.truncated
    for value in facet.values:
        assert value.count == expected[value.value]
    assert min(v.count for v in facet.values) >= max(
        count
        for name, count in expected.items()
        if name not in {v.value for v in facet.values}
    )


def test_selected_authors_are_always_listed(corpus):
    expected = Counter(a for paper in corpus.values() for a in paper.authors)
    rare = sorted(name for name, count in expected.items() if count == 1)[-1]
    params = {"author": [rare, "Nobody at all"]}
    facet = author_facet(
        bound(params), path="/", params=QueryDict(urlencode(params, doseq=True))
    )
    listed = {v.value: v for v in facet.values}
    assert listed[rare].selected and listed[rare].count == 1
    assert listed["Nobody at all"].count == 0
    assert len(facet.values) == AUTHOR_LIMIT + 2


def test_author_search_narrows_the_values(corpus):
    facet = author_facet(bound(), path="/", params=QueryDict(""), contains="yu")
    assert facet.values
    assert all("yu" in v.label.lower() for v in facet.values)


def test_author_counts_ignore_the_author_selection(corpus):
    params = {"author": ["Yu Cheng"], "tag": ["Multimodal"]}
    facet = author_facet(
        bound(params), path="/", params=QueryDict(urlencode(params, doseq=True))
    )
    expected = Counter(
        a for p in corpus.values() if "Multimodal" in p.tags for a in p.authors
    )
    for value in facet.values:
        assert value.count == expected[value.value]


def test_boolean_facets_from_one_query_match_the_expected_counts(corpus):
    params = {"tag": ["Multimodal"]}
    facets = compute_facets(
        bound(params), path="/", params=QueryDict(urlencode(params, doseq=True))
    )
    multimodal = [p for p in corpus.values() if "Multimodal" in p.tags]
    assert counts(facets.has_code) == {
        "1": sum(p.has_code for p in multimodal),
        "0": sum(not p.has_code for p in multimodal),
    }
    assert counts(facets.has_hf) == {
        "1": sum(p.has_hf for p in multimodal),
        "0": sum(not p.has_hf for p in multimodal),
    }


def test_boolean_facets_count_yes_and_no_ignoring_their_own_selection(corpus):
    params = {"has_code": "1", "tag": ["Multimodal"]}
    filterset = bound(params)
    facet = boolean_facet(
        filterset, "has_code", path="/", params=QueryDict(urlencode(params, doseq=True))
    )
    multimodal = [p for p in corpus.values() if "Multimodal" in p.tags]
    assert counts(facet) == {
        "1": sum(p.has_code for p in multimodal),
        "0": sum(not p.has_code for p in multimodal),
    }
    yes = next(v for v in facet.values if v.value == "1")
    assert yes.selected and "has_code" not in query(yes.toggle_url)

    hf = boolean_facet(filterset, "has_hf", path="/", params=QueryDict(""))
    with_code = [p for p in multimodal if p.has_code]
    assert counts(hf) == {
        "1": sum(p.has_hf for p in with_code),
        "0": sum(not p.has_hf for p in with_code),
    }


def test_month_counts_ignore_the_date_range(corpus):
    params = {"date_from": "2025-03-01", "date_to": "2025-03-31"}
    facet = month_facet(
        bound(params), path="/", params=QueryDict(urlencode(params, doseq=True))
    )
    assert counts(facet) == {"2025-03": 126, "2024-09": 8, "2024-12": 7}
    march = next(v for v in facet.values if v.value == "2025-03")
    assert march.selected and march.label == "March 2025"
    assert march.toggle_url == "/"
    september = next(v for v in facet.values if v.value == "2024-09")
    assert query(september.toggle_url) == {
        "date_from": ["2024-09-01"],
        "date_to": ["2024-09-30"],
    }
    assert [v.value for v in facet.newest_first] == ["2025-03", "2024-12", "2024-09"]


@pytest.mark.django_db
def test_a_paper_on_days_in_two_months_counts_in_both():
    PaperFactory(days=[D(2025, 1, 31), D(2025, 2, 1), D(2025, 2, 2)])
    facet = month_facet(bound(), path="/", params=QueryDict(""))
    # (Other tests of this module may have the sample corpus loaded: no 2025-01/02.)
    assert counts(facet)["2025-01"] == counts(facet)["2025-02"] == 1


def test_facets_take_a_fixed_number_of_queries(corpus, django_assert_num_queries):
    params = {"q": "language", "tag": ["Multimodal"], "author": ["Yu Cheng"]}
    filterset = bound(params)
    # One count per facet (has_code and has_hf share one when neither is selected),
    # plus the names of the counted tags and authors.
    with django_assert_num_queries(6):
        facets = compute_facets(
            filterset, path="/", params=QueryDict(urlencode(params, doseq=True))
        )
    assert [facet.name for facet in facets.as_list()] == [
        "tag",
        "author",
        "has_code",
        "has_hf",
        "month",
    ]
