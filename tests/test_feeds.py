"""Atom and RSS feeds of list states, read back with feedparser."""

import datetime

import feedparser
import pytest

from papers.models import Author, Tag
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def papers():
    made = [
        PaperFactory(
            title=f"Robots number {n}",
            summary="- First <b>point</b>.\n- Second & last point.",
            authors=["Grace Hopper"] if n % 2 else ["Alan Turing"],
            tags=["Robotics"] if n % 3 else ["Audio"],
            days=[D(2025, 3, 1) + datetime.timedelta(days=n)],
        )
        for n in range(30)
    ]
    return made


def parsed(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


def api_ids(client, params=None) -> list[str]:
    results = client.get("/api/papers", params or {}).json()["results"]
    return [f"arxiv:{paper['arxiv_id']}" for paper in results]


STATES = [
    {},
    {"tag": "Robotics"},
    {"q": "robots -audio", "sort": "title"},
    {"author": "Grace Hopper", "has_code": "0", "page": "2"},
]


@pytest.mark.parametrize("kind", ["atom", "rss"])
@pytest.mark.parametrize("params", STATES)
def test_a_feed_holds_the_first_page_of_the_same_state(client, papers, kind, params):
    response, feed = parsed(client, f"/feed.{kind}", params)
    expected = api_ids(client, {k: v for k, v in params.items() if k != "page"})
    assert expected
    assert [entry.id for entry in feed.entries] == expected
    content_type = "application/atom+xml" if kind == "atom" else "application/rss+xml"
    assert response["Content-Type"].startswith(content_type)


def test_entries_carry_the_summary_escaped_and_link_to_the_paper(client, papers):
    _, feed = parsed(client, "/feed.atom", {"q": "robots", "sort": "title"})
    entry = feed.entries[0]
    assert entry.title == "Robots number 0"
    assert entry.link.endswith(papers[0].get_absolute_url())
    # The digest's "<b>" stays text: the only markup is the list the feed adds.
    assert "&lt;b&gt;point&lt;/b&gt;" in entry.summary
    assert "<li>Second &amp; last point.</li>" in entry.summary
    assert {tag.term for tag in entry.tags} == {"Audio"}
    assert entry.author == "Alan Turing"


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_author_and_tag_pages_have_their_own_feeds(client, papers, kind):
    author = Author.objects.get(name="Grace Hopper")
    tag = Tag.objects.get(name="Audio")
    _, by_author = parsed(client, f"/authors/{author.pk}/feed.{kind}")
    _, by_tag = parsed(client, f"/tags/{tag.slug}/feed.{kind}")
    assert [e.id for e in by_author.entries] == api_ids(
        client, {"author": "Grace Hopper"}
    )
    assert [e.id for e in by_tag.entries] == api_ids(client, {"tag": "Audio"})
    assert "Grace Hopper" in by_author.feed.title


def test_ids_stay_the_same_when_a_paper_changes(client, papers):
    _, before = parsed(client, "/feed.atom")
    papers[-1].title = "Renamed"
    papers[-1].save()
    _, after = parsed(client, "/feed.atom")
    assert before.entries[0].id == after.entries[0].id == f"arxiv:{papers[-1].key}"


def test_bad_states_and_kinds_get_clear_errors(client, papers):
    response = client.get("/feed.atom", {"date_from": "soon"})
    assert response.status_code == 400
    assert "date_from" in response.content.decode()
    assert client.get("/feed.json").status_code == 404
    assert client.get("/tags/nope/feed.rss").status_code == 404


def test_the_list_page_links_its_feeds_in_head_and_visibly(client, papers):
    html = client.get("/", {"tag": "Robotics", "page": "2"}).content.decode()
    head = html.split("</head>")[0]
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'title="Atom feed of these papers" href="/feed.atom?tag=Robotics">' in head
    )
    assert 'type="application/rss+xml"' in head
    body = html.split("</head>")[1]
    assert '<a href="/feed.atom?tag=Robotics" type="application/atom+xml">' in body
    tag = Tag.objects.get(name="Robotics")
    tag_page = client.get(tag.get_absolute_url()).content.decode()
    assert f'href="/tags/{tag.slug}/feed.rss' in tag_page


def test_a_feed_is_the_same_for_a_logged_in_reader(client, papers):
    from papers.models import Bookmark
    from tests.factories import UserFactory

    _, anonymous = parsed(client, "/feed.atom", {"bookmarked": "1"})
    reader = UserFactory()
    Bookmark.objects.create(user=reader, paper=papers[0])
    client.force_login(reader)
    _, logged_in = parsed(client, "/feed.atom", {"bookmarked": "1"})
    assert [e.id for e in logged_in.entries] == [e.id for e in anonymous.entries]
    assert len(logged_in.entries) > 1
