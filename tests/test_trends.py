"""The trends page (papers.trends, papers.views.trends): every number is the count of
/api/papers for the same state narrowed to its period, tag or author."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict

from papers.browse.engine import Scope, select
from papers.browse.reader import ANONYMOUS
from papers.trends import compute_trends, narrowed, periods_between, with_code_params
from tests.factories import PaperFactory

D = datetime.date
TRENDS = "/trends/"


def api_count(client, url: str) -> int:
    query = urlsplit(url).query
    response = client.get(f"/api/papers?{query}")
    assert response.status_code == 200, response.json()
    return response.json()["count"]


def state(query: str):
    return select(Scope(path="/"), QueryDict(query), ANONYMOUS)


def trends_of(query: str, **options):
    return compute_trends(state(query), **options)


# Pure helpers.


def test_weeks_start_on_monday_and_are_clipped_to_the_state_dates():
    periods = periods_between(D(2025, 3, 5), D(2025, 3, 18), "week")
    assert [(p.start, p.end) for p in periods] == [
        (D(2025, 3, 5), D(2025, 3, 9)),
        (D(2025, 3, 10), D(2025, 3, 16)),
        (D(2025, 3, 17), D(2025, 3, 18)),
    ]
    assert periods[1].label == "Week of Mar 10, 2025"


def test_months_cover_the_range_across_a_new_year():
    periods = periods_between(D(2024, 12, 15), D(2025, 2, 3), "month")
    assert [(p.start, p.end, p.label) for p in periods] == [
        (D(2024, 12, 15), D(2024, 12, 31), "Dec 2024"),
        (D(2025, 1, 1), D(2025, 1, 31), "Jan 2025"),
        (D(2025, 2, 1), D(2025, 2, 3), "Feb 2025"),
    ]


@pytest.mark.parametrize(
    ("query", "name", "value", "expected"),
    [
        ("q=x&page=3", "tag", "RL", "q=x&tag=RL"),
        ("tag=RL&tag=NLP", "tag", "RL", "tag=RL"),
        ("tag=NLP", "tag", "RL", "tag=NLP&tag=RL&tag_mode=all"),
        ("tag=A&tag=B&tag_mode=all", "tag", "C", "tag=A&tag=B&tag=C&tag_mode=all"),
        ("tag=A&tag=B&tag_mode=all", "tag", "A", "tag=A&tag=B&tag_mode=all"),
        ("tag=A&tag=B", "tag", "C", None),
        ("author=X&author=Y", "author", "Z", None),
        ("author=X&author=Y", "author", "Y", "author=Y"),
    ],
)
def test_narrowing_a_state_to_a_tag_or_author(query, name, value, expected):
    result = narrowed(QueryDict(query), name, value)
    if expected is None:
        assert result is None
    else:
        assert parse_qs(result.urlencode()) == parse_qs(expected)


def test_a_state_without_code_has_no_with_code_list():
    assert with_code_params(QueryDict("has_code=0")) is None
    assert with_code_params(QueryDict("q=a")).get("has_code") == "1"


# Counts on the smallest case.


@pytest.mark.django_db
def test_counts_per_week_per_tag_on_three_papers():
    monday = D(2025, 3, 3)
    PaperFactory(tags=["RL"], days=[monday, monday + datetime.timedelta(days=8)])
    PaperFactory(tags=["RL", "NLP"], days=[monday + datetime.timedelta(days=1)])
    PaperFactory(tags=["NLP"], days=[monday + datetime.timedelta(days=9)])
    trends = trends_of("")
    assert trends.interval == "week"
    assert [p.label for p in trends.periods] == [
        "Week of Mar 3, 2025",
        "Week of Mar 10, 2025",
    ]
    assert trends.papers == (2, 2)  # the first paper counts in both of its weeks
    series = {s.name: s.counts for s in trends.series}
    assert series == {"NLP": (1, 1), "RL": (2, 1)}
    assert trends.with_code == (0, 0)
    assert trends.code_shares == (0.0, 0.0)


@pytest.mark.django_db
def test_long_ranges_count_by_month_unless_weeks_are_asked_for():
    PaperFactory(days=[D(2025, 1, 10)])
    PaperFactory(days=[D(2025, 6, 10)])
    trends = trends_of("")
    assert trends.interval == "month"
    assert len(trends.periods) == 6
    assert trends.papers == (1, 0, 0, 0, 0, 1)
    # Mondays from Jan 6 to Jun 9: 22 weeks apart, 23 weeks.
    assert len(trends_of("", interval="week").periods) == 23


# Every number equals the API's count, on the real sample.

STATES = [
    "",
    "has_code=1",
    "q=learning",
    "tag=Multimodal",
    "tag=Multimodal&tag=Robotics",
    "tag_not=Multimodal&has_hf=1",
    "date_from=2025-03-03&date_to=2025-03-20",
    "date_from=2025-03-03&date_to=2025-03-20&interval=week",
    "date_from=2025-03-01&interval=week&sort=title&page=2",
]


@pytest.mark.parametrize("query", STATES)
def test_every_number_on_the_trends_page_equals_the_api_count(client, corpus, query):
    response = client.get(f"{TRENDS}?{query}")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert rows, "the sample has papers in every state above"
    checked = 0
    for row in rows:
        for cell in (*row.tags, row.papers, row.with_code):
            if cell.url is not None:
                assert api_count(client, cell.url) == cell.count, cell.url
                checked += 1
    for author, url in response.context["authors"]:
        assert api_count(client, url) == author.papers
    assert checked >= len(rows) * 2
    trends = response.context["trends"]
    # The periods hold all the state's papers: no digest day is left out.
    state_query = re.sub(r"(^|&)(interval|page)=[^&]*", "", query)
    total = api_count(client, f"?{state_query}")
    assert max(trends.papers) <= total <= sum(trends.papers)


def test_tags_the_list_cannot_narrow_to_have_no_link(client, corpus):
    response = client.get(f"{TRENDS}?tag=Multimodal&tag=Robotics")
    names = [series.name for series in response.context["trends"].series]
    for index, name in enumerate(names):
        linked = [row.tags[index].url is not None for row in response.context["rows"]]
        assert all(linked) == (name in ("Multimodal", "Robotics"))


# The page.


def test_the_page_draws_accessible_charts_and_a_table(client, corpus):
    response = client.get(f"{TRENDS}?tag=Multimodal")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('role="img"') == 2
    assert '<title id="tags-chart-title">' in html
    assert "<polyline" in html and "<rect" in html
    assert "<table" in html and 'scope="col">Multimodal</th>' in html
    assert " style=" not in html
    assert 'href="/?tag=Multimodal"' in html  # back to the list


def test_the_list_page_links_to_the_trends_of_its_state(client, corpus):
    html = client.get("/?tag=Multimodal&has_code=1").content.decode()
    assert 'href="/trends/?tag=Multimodal&amp;has_code=1"' in html


def test_bad_parameters_are_reported_not_charted(client, db):
    response = client.get(f"{TRENDS}?date_from=yesterday&interval=year")
    html = response.content.decode()
    assert response.status_code == 400
    assert "date_from" in html and "“year” is not allowed" in html


def test_a_state_without_papers_says_so(client, db):
    response = client.get(f"{TRENDS}?q=nothing")
    assert response.status_code == 200
    assert "No papers match these filters" in response.content.decode()


def test_html_from_digests_is_escaped_in_the_chart(client, db):
    PaperFactory(tags=["<b>Evil</b>"], days=[D(2025, 1, 6)])
    # Filtered to the tag: another test of this module may have loaded the sample.
    html = client.get(TRENDS, {"tag": "<b>Evil</b>"}).content.decode()
    assert "<b>Evil</b>" not in html
    assert "&lt;b&gt;Evil&lt;/b&gt;" in html


def test_head_requests_are_answered(client, db):
    assert client.head(TRENDS).status_code == 200


@pytest.mark.django_db
def test_only_controls_leave_a_state_unfiltered():
    assert state("sort=title&tag_mode=all&page=2").mask is None
    assert state("has_code=0").mask is not None
    assert not state("date_from=nonsense").valid
