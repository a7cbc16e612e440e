""" "For you" (papers.for_you, papers.views.for_you): papers like a reader's bookmarks
and unlike the papers they dismissed, explained on each card."""

import datetime
import json

import feedparser
import pytest
from django.http import QueryDict

from papers import for_you
from papers.for_you import suggest
from papers.models import Bookmark, Dismissal, SavedSearch
from papers.similar_text import document_frequencies
from tests.factories import PaperFactory, UserFactory

URL = "/for-you/"
DAY = datetime.date(2025, 3, 3)


def make(title, summary, *, tags=()):
    return PaperFactory(title=title, summary=summary, tags=tags, days=[DAY])


@pytest.fixture
def papers(db):
    return {
        "liked": make(
            "Quadruped locomotion on stairs", "- Legged robots climb stairs."
        ),
        "twin": make("Legged robots on stairs", "- Quadruped locomotion.", tags=["RL"]),
        "gait": make("Quadruped gaits", "- Locomotion gaits of legged animals."),
        "disliked": make("Gaits of horses", "- Horses and their gaits."),
        "other": make("Cooking pasta", "- Sauces."),
    }


@pytest.fixture
def reader(db):
    return UserFactory(username="reader")


def ids(result):
    return [suggestion.paper_id for suggestion in result.suggestions]


def test_papers_like_the_bookmarks_come_first_with_the_reason(papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    result = suggest(reader)
    assert ids(result)[:2] == [papers["twin"].pk, papers["gait"].pk]
    assert papers["liked"].pk not in ids(result)  # already saved
    assert papers["other"].pk not in ids(result)
    assert result.suggestions[0].because_of == papers["liked"]
    assert "stairs" in result.suggestions[0].shared_terms


def test_papers_like_dismissed_ones_drop(papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    before = suggest(reader)
    Dismissal.objects.create(user=reader, paper=papers["disliked"])
    after = suggest(reader)
    gait = papers["gait"].pk
    score = {s.paper_id: s.score for s in before.suggestions}
    score_after = {s.paper_id: s.score for s in after.suggestions}
    assert score_after.get(gait, 0) < score[gait]
    assert score_after[papers["twin"].pk] == score[papers["twin"].pk]


def test_other_readers_bookmarks_change_nothing(papers, reader):
    Bookmark.objects.create(user=UserFactory(), paper=papers["liked"])
    assert suggest(reader).has_bookmarks is False


def test_the_page_explains_each_suggestion(client, papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    client.force_login(reader)
    html = client.get(URL).text
    assert "Legged robots on stairs" in html
    assert "Because you saved" in html
    assert f'href="{papers["liked"].get_absolute_url()}">Quadruped locomotion' in html
    assert "Cooking pasta" not in html


def test_the_page_keeps_to_the_list_filters(client, papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    client.force_login(reader)
    response = client.get(URL, {"tag": "RL"})
    assert [paper.pk for paper in response.context["papers"]] == [papers["twin"].pk]
    assert "Quadruped gaits" not in response.text


def test_a_reader_without_bookmarks_is_told_why_it_is_empty(client, papers, reader):
    client.force_login(reader)
    html = client.get(URL).text
    assert "you have not bookmarked any paper yet" in html


def test_logged_out_readers_are_asked_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_bad_filters_are_reported(client, reader):
    client.force_login(reader)
    response = client.get(URL, {"date_from": "soon"})
    assert response.status_code == 400
    assert "date_from" in response.text


def test_the_cost_is_bounded_by_the_seeds_not_the_bookmarks(
    client, papers, reader, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(for_you, "SEEDS", 2)
    for n in range(6):
        paper = make(f"Stairs robot {n}", "- Legged locomotion.")
        Bookmark.objects.create(user=reader, paper=paper)
    client.force_login(reader)
    client.get(URL)  # builds the process's browse index, once per data version
    # Session and layout (about 8), the data version, the seeds and their words'
    # frequencies, cards (4), then 1 per seed.
    with django_assert_max_num_queries(24):
        assert client.get(URL).status_code == 200


# The list page's "for_you" sort (papers.browse.engine) and its JSON twin.

LIST = "/"
API = "/api/papers"


def list_ids(response):
    return [paper.pk for paper in response.context["page"]]


def test_only_logged_in_readers_are_offered_the_sort(client, papers, reader):
    assert 'value="for_you"' not in client.get(LIST).text
    client.force_login(reader)
    assert 'value="for_you"' in client.get(LIST).text


def test_anonymous_readers_are_told_to_log_in_not_served_an_error(client, papers):
    response = client.get(LIST, {"sort": "for_you"})
    assert response.status_code == 200
    assert "Log in to sort by “For you”" in response.text
    assert response.context["invalid"]


def test_the_list_sorted_for_you_is_suggest_s_order(client, papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    client.force_login(reader)
    response = client.get(LIST, {"sort": "for_you"})
    expected = ids(suggest(reader, limit=None))
    assert len(expected) >= 2
    assert list_ids(response) == expected
    Dismissal.objects.create(user=reader, paper=papers["disliked"])
    fewer = ids(suggest(reader, limit=None))
    assert list_ids(client.get(LIST, {"sort": "for_you"})) == fewer != expected
    # The total is the papers of the state that have a score, and says so.
    assert response.context["page"].paginator.count == len(expected)
    assert f"{len(expected)} papers like your bookmarks" in response.text
    assert "Show every paper of these filters" in response.text


def test_each_card_says_which_bookmark_it_is_like(client, papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    client.force_login(reader)
    html = client.get(LIST, {"sort": "for_you"}).text
    link = f'<a href="{papers["liked"].get_absolute_url()}">Quadruped locomotion'
    assert f"Because you saved {link}" in html
    # Other sorts say nothing of the kind.
    assert "Because you saved" not in client.get(LIST).text


def test_the_compact_layout_explains_too(client, papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    client.force_login(reader)
    client.cookies["list_mode"] = "compact"
    html = client.get(LIST, {"sort": "for_you"}).text
    assert "paper-list-compact" in html
    assert "Because you saved" in html


def test_without_bookmarks_the_list_explains_why_it_is_empty(client, papers, reader):
    client.force_login(reader)
    response = client.get(LIST, {"sort": "for_you"})
    assert response.status_code == 200
    assert list_ids(response) == []
    assert "you have not bookmarked any paper yet" in response.text
    assert 'href="/bookmarks/"' in response.text
    assert "No papers match these filters" not in response.text


def test_filters_narrow_the_suggestions_and_their_facets(client, papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    client.force_login(reader)
    response = client.get(LIST, {"sort": "for_you", "tag": "RL"})
    assert list_ids(response) == [papers["twin"].pk]
    # Facets count the papers listed: the scored ones of the filters.
    unfiltered = client.get(LIST, {"sort": "for_you"}).context["facets"]
    tags = {value.value: value.count for value in unfiltered.tag.values}
    assert tags == {"RL": 1}


def test_an_htmx_request_swaps_the_explained_results(client, papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    client.force_login(reader)
    response = client.get(LIST, {"sort": "for_you"}, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith("<title>")
    assert 'id="browse"' in response.text
    assert "Because you saved" in response.text


def test_the_api_gives_the_same_order_and_the_reason(client, papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    client.force_login(reader)
    data = client.get(API, {"sort": "for_you"}).json()
    expected = ids(suggest(reader, limit=None))
    keys = {paper.pk: paper.key for paper in papers.values()}
    assert [item["key"] for item in data["results"]] == [keys[pk] for pk in expected]
    assert data["count"] == len(expected)
    reason = data["results"][0]["because_of"]
    assert reason["key"] == papers["liked"].key
    assert reason["title"] == papers["liked"].title
    assert reason["url"] == papers["liked"].get_absolute_url()
    assert "stairs" in reason["shared_terms"]
    assert "because_of" not in client.get(API).json()["results"][0]


def test_the_api_refuses_the_sort_to_anonymous_clients(client, papers):
    response = client.get(API, {"sort": "for_you"})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["message"] == "Some parameters are invalid."
    assert body["errors"]["sort"] == [
        "Log in to sort by “For you”: it ranks papers by your bookmarks."
    ]


def test_exports_keep_the_for_you_order(client, papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    client.force_login(reader)
    response = client.get("/export.json", {"sort": "for_you"})
    exported = json.loads(b"".join(response.streaming_content))
    api = client.get(API, {"sort": "for_you"}).json()
    assert [p["key"] for p in exported["papers"]] == [p["key"] for p in api["results"]]


def test_my_bookmarks_has_no_for_you_sort(client, papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    client.force_login(reader)
    response = client.get("/bookmarks/", {"sort": "for_you"})
    assert response.status_code == 200
    assert 'value="for_you"' not in response.text
    assert response.context["invalid"]


# Trends read the same state from the engine: "for_you" and the reader's filters too.


def api_count(client, url):
    response = client.get(API, QueryDict(url.partition("?")[2]))
    assert response.status_code == 200, response.json()
    return response.json()["count"]


@pytest.mark.parametrize("query", ["sort=for_you", "sort=for_you&hide=read"])
def test_trends_of_the_for_you_list_equal_its_api_counts(client, papers, reader, query):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    client.force_login(reader)
    response = client.get(f"/trends/?{query}")
    assert response.status_code == 200
    trends = response.context["trends"]
    suggested = len(suggest(reader, limit=None).suggestions)
    assert trends.papers == (suggested,)  # every paper is in the one digest day
    assert api_count(client, f"?{query}") == suggested
    checked = 0
    for row in response.context["rows"]:
        for cell in (*row.tags, row.papers, row.with_code):
            if cell.url is not None:
                assert api_count(client, cell.url) == cell.count, cell.url
                checked += 1
    for author, url in response.context["authors"]:
        assert api_count(client, url) == author.papers
        checked += 1
    assert checked >= 3


def test_trends_refuse_the_for_you_sort_to_anonymous_readers(client, papers):
    response = client.get("/trends/", {"sort": "for_you"})
    assert response.status_code == 400
    assert "Log in to sort by" in response.text


def test_feed_links_of_the_for_you_list_work_without_a_session(client, papers, reader):
    Bookmark.objects.create(user=reader, paper=papers["liked"])
    client.force_login(reader)
    html = client.get(LIST, {"sort": "for_you", "tag": "RL"}).text
    assert 'href="/feed.atom?tag=RL"' in html
    assert "sort=for_you" not in html.split("list-feeds")[1].split("</p>")[0]
    client.logout()
    assert client.get("/feed.atom", {"tag": "RL"}).status_code == 200


def test_word_frequencies_are_counted_once_per_data_version(
    papers, django_assert_num_queries
):
    assert document_frequencies(["stairs"]).by_word == {"stairs": 2}
    with django_assert_num_queries(1):  # the data version alone
        assert document_frequencies(["stairs"]).by_word == {"stairs": 2}
    make("Stairs for wheels", "- Ramps.")  # moves the data version
    assert document_frequencies(["stairs"]).by_word == {"stairs": 3}


def test_a_saved_for_you_list_is_a_private_for_you_feed(client, papers, reader):
    """Saving the list sorted "For you" gives the reader a feed of their suggestions
    that a feed reader follows without a session, each entry saying why."""

    Bookmark.objects.create(user=reader, paper=papers["liked"])
    saved = SavedSearch.objects.create(
        user=reader,
        name="Mine",
        query_string="sort=for_you",
        last_opened_at=datetime.datetime.now(datetime.UTC),
    )
    client.logout()
    response = client.get(f"/saved/{saved.feed_token}/feed.atom")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    expected = [papers["twin"], papers["gait"]]
    assert [entry.title for entry in feed.entries][:2] == [p.title for p in expected]
    assert "Because you saved" in feed.entries[0].summary
    assert "Quadruped locomotion on stairs" in feed.entries[0].summary
    assert "Cooking pasta" not in [entry.title for entry in feed.entries]
