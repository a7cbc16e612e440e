"""The browse pages' links, chips and quick ranges: pure functions of the query string,
tested without a database (but for the selection shown with an invalid query)."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from papers.browse.facets import selection_facets
from papers.browse.querystring import (
    active_filters,
    clear_all_url,
    quick_ranges,
    replace_url,
    toggle_url,
    url_replacing,
)
from papers.filters import PaperFilter
from papers.models import Paper

D = datetime.date


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


KEYS = st.sampled_from(["tag", "date_from", "date_to", "page", "q", "sort", "é&"])
VALUES = st.one_of(st.none(), st.text(max_size=5))


@given(
    pairs=st.lists(st.tuples(KEYS, st.text(max_size=5)), max_size=6),
    date_from=VALUES,
    date_to=VALUES,
)
def test_a_reused_replacer_writes_the_links_replace_url_writes(
    pairs, date_from, date_to
):
    # The month facet writes hundreds of links with one replacer per request.
    params = QueryDict(mutable=True)
    for key, value in pairs:
        params.appendlist(key, value)
    url = url_replacing("/tags/x/", params, "date_from", "date_to")
    assert url(date_from=date_from, date_to=date_to) == replace_url(
        "/tags/x/", params, date_from=date_from, date_to=date_to
    )


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
    # "For you" is a sort too: clearing the filters keeps it.
    assert clear_all_url("/", QueryDict("has_code=1&sort=for_you")) == "/?sort=for_you"


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
        facets = selection_facets(filterset.form.cleaned_data, path="/", params=params)
    assert [(v.value, v.count, v.selected) for v in facets.tag.values] == [
        ("Audio", None, True)
    ]
    assert [v.value for v in facets.tag.excluded] == ["Robotics"]
    assert [v.value for v in facets.author.values] == ["Ada"]
    assert not any(v.selected for v in facets.has_code.values)


def reference_toggle(path, params, key, value, also_remove_from=()):
    """The plain QueryDict way of toggling, which toggle_url must match."""
    params = params.copy()
    values = params.getlist(key)
    if value in values:
        values = [item for item in values if item != value]
    else:
        values.append(value)
        for other in also_remove_from:
            params.setlist(other, [v for v in params.getlist(other) if v != value])
    params.setlist(key, values)
    params.pop("page", None)
    query = params.urlencode()
    return f"{path}?{query}" if query else path


KEYS = st.sampled_from(["tag", "tag_not", "author", "page", "q", "has_code"])
VALUES = st.sampled_from(["RL", "a b", "é&=?", "1", ""])


@given(
    pairs=st.lists(st.tuples(KEYS, VALUES), max_size=6),
    key=KEYS,
    value=VALUES,
)
def test_toggle_url_matches_the_query_dict_way(pairs, key, value):
    params = QueryDict(mutable=True)
    for name, item in pairs:
        params.appendlist(name, item)
    assert toggle_url("/p", params, key, value) == reference_toggle(
        "/p", params, key, value
    )
    assert toggle_url(
        "/p", params, key, value, also_remove_from=["tag_not"]
    ) == reference_toggle("/p", params, key, value, ["tag_not"])
