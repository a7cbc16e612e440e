""" "For you" (papers.for_you, papers.views.for_you): papers like a reader's bookmarks
and unlike the papers they dismissed, explained on each card."""

import datetime

import pytest

from papers import for_you
from papers.for_you import suggest
from papers.models import Bookmark, Dismissal
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
    # Session and layout (about 8), the data version, the seeds, cards (4), 2 per seed.
    with django_assert_max_num_queries(24):
        assert client.get(URL).status_code == 200
