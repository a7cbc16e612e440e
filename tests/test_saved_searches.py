"""Saved searches: saving a list state, "N new since last opened", the header menu,
renaming, deleting, private feeds and their secrets; every change a CSRF-checked POST
on the reader's own searches.

Ada saves searches; Eve tries every id and URL of Ada's she can think of.
"""

import datetime
import re
from html import unescape

import feedparser
import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from papers.models import Bookmark, Paper, SavedSearch
from papers.saved_searches import canonical_params
from tests.factories import PaperFactory, UserFactory

D = datetime.date
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/"}


# --- The canonical query string (no database) ---


@pytest.mark.parametrize(
    ("given", "saved"),
    [
        ("", ""),
        ("tag=Robotics", "tag=Robotics"),
        # Blank and default values, the page, facet search boxes and foreign
        # parameters go; order and repeats stay.
        (
            "q=&tag=B&tag=A&sort=newest&tag_mode=any&page=3&author_q=x&utm_source=m",
            "tag=B&tag=A",
        ),
        ("q=robots&sort=relevance", "q=robots"),
        ("q=robots&sort=newest", "q=robots&sort=newest"),
        (
            "bookmarked=1&hide=read&tag_not=Audio",
            "bookmarked=1&hide=read&tag_not=Audio",
        ),
    ],
)
def test_a_state_is_saved_as_its_clean_query_string(given, saved):
    assert canonical_params(QueryDict(given)).urlencode() == saved


# --- Fixtures ---


@pytest.fixture
def ada(db):
    return UserFactory(username="ada")


@pytest.fixture
def eve(db):
    return UserFactory(username="eve")


@pytest.fixture
def robots(db):
    """Three papers tagged Robotics and one tagged Audio, added an hour ago."""
    papers = [
        PaperFactory(title=f"Robots {n}", tags=["Robotics"], days=[D(2025, 3, 1 + n)])
        for n in range(3)
    ]
    papers.append(PaperFactory(title="Sounds", tags=["Audio"], days=[D(2025, 3, 9)]))
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Paper.objects.update(created_at=an_hour_ago)
    return papers


@pytest.fixture
def ada_client(ada):
    client = Client()
    client.force_login(ada)
    return client


def save(client, name: str, query: str):
    return client.post(
        reverse("papers:saved-create"), {"name": name, "query_string": query}
    )


def saved_search(user, name="Robots", query="tag=Robotics", *, opened=None):
    """A search last opened `opened` ago (default: a minute ago, after the fixture's
    papers were added)."""
    when = timezone.now() - (opened or datetime.timedelta(minutes=1))
    return SavedSearch.objects.create(
        user=user, name=name, query_string=query, last_opened_at=when
    )


def messages_of(response) -> list[str]:
    """The messages not yet shown, oldest first (the response's own come last)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# --- Saving ---


@pytest.mark.django_db
def test_saving_stores_the_canonical_state_and_goes_back_to_it(ada_client, ada, robots):
    response = save(ada_client, "  Robots  ", "?tag=Robotics&q=&page=2&author_q=x")
    assert response.status_code == 303
    assert response["Location"] == "/?tag=Robotics"
    saved = SavedSearch.objects.get(user=ada)
    assert (saved.name, saved.query_string) == ("Robots", "tag=Robotics")
    assert len(saved.feed_token) == 43
    assert "Saved this search as “Robots”." in messages_of(response)


@pytest.mark.django_db
def test_the_list_page_offers_to_save_its_state(ada_client, robots):
    html = ada_client.get("/?tag=Robotics&sort=title").text
    form = re.search(r'<form method="post" action="/saved/new/".*?</form>', html, re.S)
    assert form is not None
    assert 'name="csrfmiddlewaretoken"' in form.group()
    assert 'name="query_string" value="tag=Robotics&amp;sort=title"' in form.group()
    assert 'name="name"' in form.group()


@pytest.mark.django_db
def test_htmx_swaps_bring_the_save_form_along_out_of_band(ada_client, robots):
    html = ada_client.get("/?tag=Audio&q=", headers=HTMX).text
    oob = re.search(r'<div id="save-search"[^>]*hx-swap-oob="true"', html)
    assert oob is not None
    assert 'name="query_string" value="tag=Audio"' in html
    # A full page has the form once, in place, not out of band.
    full = ada_client.get("/?tag=Audio").text
    assert full.count('id="save-search"') == 1
    assert "hx-swap-oob" not in full.split('id="save-search"')[1][:40]


@pytest.mark.django_db
def test_anonymous_visitors_get_a_link_to_log_in_and_cannot_save(client, robots):
    html = client.get("/?tag=Robotics").text
    assert "Log in to save this search" in html
    assert "/accounts/login/?next=/%3Ftag%3DRobotics" in html
    assert "/saved/new/" not in html
    response = save(client, "Robots", "tag=Robotics")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not SavedSearch.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=not-a-date", "date_from"),
        ("has_code=maybe", "has_code"),
        ("date_from=2025-03-09&date_to=2025-03-01", "before the start date"),
        ("&".join(["tag=x"] * 1100), "too many parameters"),
    ],
)
def test_an_invalid_state_is_refused_with_a_message(ada_client, query, message):
    response = save(ada_client, "Broken", query)
    assert response.status_code == 303
    assert not SavedSearch.objects.exists()
    [shown] = messages_of(response)
    assert shown.startswith("The search was not saved:")
    assert message in shown


@pytest.mark.django_db
def test_a_refusal_shows_on_the_page_it_returns_to(ada_client):
    response = ada_client.post(
        reverse("papers:saved-create"),
        {"name": "", "query_string": "tag=Robotics"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/?tag=Robotics"
    assert "The search was not saved" in response.text


@pytest.mark.django_db
def test_names_are_unique_per_reader_whatever_their_case(ada_client, ada, eve):
    saved_search(ada, "Robots")
    response = save(ada_client, "ROBOTS", "tag=Audio")
    assert (
        "You already have a saved search with this name." in messages_of(response)[-1]
    )
    assert SavedSearch.objects.filter(user=ada).count() == 1
    # Another reader may use the same name.
    saved_search(eve, "Robots")
    other = saved_search(ada, "Audio", "tag=Audio")
    response = ada_client.post(
        reverse("papers:saved-rename", args=[other.pk]), {"name": "robots"}
    )
    assert "was not renamed" in messages_of(response)[-1]
    other.refresh_from_db()
    assert other.name == "Audio"


@pytest.mark.django_db
def test_a_reader_keeps_at_most_the_cap(ada_client, ada):
    now = timezone.now()
    SavedSearch.objects.bulk_create(
        SavedSearch(user=ada, name=f"Search {n}", last_opened_at=now)
        for n in range(SavedSearch.MAX_PER_USER)
    )
    response = save(ada_client, "One more", "tag=Robotics")
    assert "the most you can keep" in messages_of(response)[0]
    assert SavedSearch.objects.filter(user=ada).count() == SavedSearch.MAX_PER_USER


# --- The reader's own searches only ---


def post_urls(saved: SavedSearch) -> list[tuple[str, dict]]:
    return [
        (reverse("papers:saved-open", args=[saved.pk]), {}),
        (reverse("papers:saved-rename", args=[saved.pk]), {"name": "Mine now"}),
        (reverse("papers:saved-renew-feed", args=[saved.pk]), {}),
        (reverse("papers:saved-delete", args=[saved.pk]), {}),
    ]


def snapshot(user) -> list[tuple]:
    return list(
        SavedSearch.objects.filter(user=user)
        .order_by("pk")
        .values_list("name", "query_string", "last_opened_at", "feed_token")
    )


@pytest.mark.django_db
def test_another_readers_search_is_a_404_for_every_url(client, ada, eve, robots):
    saved = saved_search(ada, "Ada's secret search")
    before = snapshot(ada)
    client.force_login(eve)
    for url, data in post_urls(saved):
        assert client.post(url, data).status_code == 404, url
    assert snapshot(ada) == before
    page = client.get(reverse("papers:saved")).text
    assert "secret search" not in page and saved.feed_token not in page
    assert "secret search" not in client.get("/").text  # nor in Eve's header


@pytest.mark.django_db
def test_every_change_needs_the_csrf_token(ada, robots):
    saved = saved_search(ada)
    before = snapshot(ada)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    create = (
        reverse("papers:saved-create"),
        {"name": "New", "query_string": "tag=Audio"},
    )
    for url, data in [create, *post_urls(saved)]:
        assert client.post(url, data).status_code == 403, url
    assert snapshot(ada) == before
    # With the token from the page, the same form works.
    page = client.get("/?tag=Audio").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(create[0], {**create[1], "csrfmiddlewaretoken": token})
    assert response.status_code == 303
    assert SavedSearch.objects.filter(user=ada, name="New").exists()


@pytest.mark.django_db
def test_get_never_writes(ada_client, ada, robots):
    saved = saved_search(ada)
    before = snapshot(ada)
    for url, _ in post_urls(saved):
        assert ada_client.get(url).status_code == 405, url
    assert ada_client.get(reverse("papers:saved")).status_code == 200
    assert ada_client.get(saved.get_absolute_url()).status_code == 200
    assert ada_client.head(reverse("papers:saved")).status_code == 200
    for kind in ("atom", "rss"):
        url = reverse("papers:saved-feed", args=[saved.feed_token, kind])
        assert ada_client.get(url).status_code == 200
    assert snapshot(ada) == before


@pytest.mark.django_db
def test_the_saved_page_needs_a_login(client):
    response = client.get(reverse("papers:saved"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fsaved%2F"


# --- Rename, delete ---


@pytest.mark.django_db
def test_rename_and_delete(ada_client, ada, robots):
    saved = saved_search(ada)
    response = ada_client.post(
        reverse("papers:saved-rename", args=[saved.pk]), {"name": "Robot arms"}
    )
    assert response.status_code == 303
    assert response["Location"] == "/saved/"
    saved.refresh_from_db()
    assert saved.name == "Robot arms"
    response = ada_client.post(reverse("papers:saved-delete", args=[saved.pk]))
    assert response.status_code == 303
    assert not SavedSearch.objects.exists()
    assert "Deleted the saved search “Robot arms”" in messages_of(response)[-1]


# --- "N new since last opened" ---


@pytest.mark.django_db
def test_new_counts_papers_added_since_last_opened(ada_client, ada, robots):
    saved = saved_search(ada)
    assert "0 new papers" in text_of(ada_client.get("/saved/").text)
    PaperFactory(title="Robots again", tags=["Robotics"], days=[D(2025, 3, 10)])
    PaperFactory(title="More sounds", tags=["Audio"], days=[D(2025, 3, 10)])
    page = text_of(ada_client.get("/saved/").text)
    assert "1 new paper since you last opened it" in page
    header = text_of(ada_client.get("/archive/").text)
    assert "Robots 1 new" in header
    assert "Saved searches (1 with new papers)" in header

    response = ada_client.post(reverse("papers:saved-open", args=[saved.pk]))
    assert response.status_code == 303
    assert response["Location"] == "/?tag=Robotics"
    saved.refresh_from_db()
    assert saved.last_opened_at > timezone.now() - datetime.timedelta(minutes=1)
    assert "0 new papers" in text_of(ada_client.get("/saved/").text)
    assert "Robots 1 new" not in text_of(ada_client.get("/archive/").text)


@pytest.mark.django_db
def test_new_counts_apply_the_owners_own_filters(ada_client, ada, robots):
    saved_search(ada, "My robots", "tag=Robotics&bookmarked=1")
    first, second = (
        PaperFactory(title=f"New robots {n}", tags=["Robotics"]) for n in range(2)
    )
    Bookmark.objects.create(user=ada, paper=first)
    assert "1 new paper since" in text_of(ada_client.get("/saved/").text)


@pytest.mark.django_db
def test_a_text_search_counts_its_new_matches(ada_client, ada, robots):
    saved_search(ada, "Arms", "q=arms")
    PaperFactory(title="Robot arms that learn", tags=["Robotics"])
    PaperFactory(title="Robot legs", tags=["Robotics"])
    assert "1 new paper since" in text_of(ada_client.get("/saved/").text)


@pytest.mark.django_db
def test_a_state_that_no_longer_reads_says_so(ada_client, ada, robots):
    saved_search(ada, "Old", "has_code=maybe")
    page = text_of(ada_client.get("/saved/").text)
    assert "Some of its filters no longer read" in page


@pytest.mark.django_db
def test_the_header_lists_ten_searches_and_links_to_the_rest(ada_client, ada, robots):
    for n in range(12):
        saved_search(ada, f"Search {n:02d}", "tag=Robotics")
    html = ada_client.get("/archive/").text
    assert html.count('action="/saved/') - html.count('action="/saved/new/') == 10
    assert "All saved searches" in html


@pytest.mark.django_db
def test_the_header_costs_a_bounded_number_of_queries(
    ada_client, ada, robots, django_assert_max_num_queries
):
    ada_client.get("/archive/")  # build the browse index
    with CaptureQueriesContext(connection) as captured:
        ada_client.get("/archive/")
    without = len(captured)  # now: the next request resets the connection's log
    for n in range(10):
        saved_search(ada, f"Search {n}", f"tag=Robotics&has_code={n % 2}")
    PaperFactory(title="Robots again", tags=["Robotics"])
    ada_client.get("/archive/")  # rebuild the index after the new paper
    # The searches, the papers added since, the data version: whatever their number.
    with django_assert_max_num_queries(without + 3):
        ada_client.get("/archive/")


# --- Private feeds ---


def feed_url(saved: SavedSearch, kind: str = "atom") -> str:
    return reverse("papers:saved-feed", args=[saved.feed_token, kind])


def parsed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


def api_ids(client, query: str) -> list[str]:
    results = client.get(f"/api/papers?{query}").json()["results"]
    return [f"arxiv:{paper['arxiv_id']}" for paper in results]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_a_private_feed_is_the_first_page_of_the_state(client, ada, robots, kind):
    for n in range(25):
        PaperFactory(title=f"Robots {n + 3}", tags=["Robotics"], days=[D(2025, 4, 1)])
    saved = saved_search(ada, "Robots <&>", "tag=Robotics&sort=title")
    response, feed = parsed(client, feed_url(saved, kind))  # no session at all
    assert [entry.id for entry in feed.entries] == api_ids(
        client, "tag=Robotics&sort=title"
    )
    assert len(feed.entries) == 20
    assert feed.feed.title == "Robots <&> · AI paper digests"
    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.django_db
def test_a_private_feed_reads_reader_filters_as_its_owner(client, ada, eve, robots):
    first, second, third, _ = robots
    Bookmark.objects.create(user=ada, paper=first)
    Bookmark.objects.create(user=eve, paper=second)
    saved = saved_search(ada, "Bookmarked robots", "tag=Robotics&bookmarked=1")
    expected = [f"arxiv:{first.arxiv_id}"]
    _, feed = parsed(client, feed_url(saved))
    assert [entry.id for entry in feed.entries] == expected
    # Whoever's session asks, the owner's bookmarks decide: never Eve's.
    client.force_login(eve)
    _, feed = parsed(client, feed_url(saved))
    assert [entry.id for entry in feed.entries] == expected


@pytest.mark.django_db
def test_a_renewed_secret_retires_the_old_feed_urls(ada_client, ada, robots):
    saved = saved_search(ada)
    old_urls = [feed_url(saved, kind) for kind in ("atom", "rss")]
    response = ada_client.post(reverse("papers:saved-renew-feed", args=[saved.pk]))
    assert response.status_code == 303
    saved.refresh_from_db()
    anonymous = Client()
    for url in old_urls:
        assert anonymous.get(url).status_code == 404
    for kind in ("atom", "rss"):
        assert anonymous.get(feed_url(saved, kind)).status_code == 200
    response = ada_client.get("/saved/")
    assert feed_url(saved) in response.text and old_urls[0] not in response.text
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_unknown_deleted_or_deactivated_feeds_are_404(client, ada, robots):
    saved = saved_search(ada)
    url = feed_url(saved)
    assert client.get(url.replace(saved.feed_token, "x" * 43)).status_code == 404
    assert client.get(feed_url(saved, "json")).status_code == 404
    ada.is_active = False
    ada.save()
    assert client.get(url).status_code == 404
    ada.is_active = True
    ada.save()
    assert client.get(url).status_code == 200
    saved.delete()
    assert client.get(url).status_code == 404


# --- Without JavaScript, start to end ---


@pytest.mark.django_db
def test_the_whole_flow_works_as_plain_forms(ada, robots):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    page = client.get("/?tag=Robotics&q=").text  # redirected to its clean URL
    page = client.get("/?tag=Robotics").text
    form = re.search(r'<form method="post" action="/saved/new/".*?</form>', page, re.S)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group()))
    fields = {name: unescape(value) for name, value in fields.items()}
    response = client.post("/saved/new/", {**fields, "name": "Robots"}, follow=True)
    assert response.redirect_chain == [("/?tag=Robotics", 303)]
    assert "Saved this search as “Robots”." in response.text
    # The header's menu opens it with a POST form.
    saved = SavedSearch.objects.get(user=ada)
    header = re.search(
        rf'<form method="post" action="/saved/{saved.pk}/open/">.*?</form>',
        response.text,
        re.S,
    )
    token = re.search(r'value="([^"]+)"', header.group()).group(1)
    response = client.post(
        f"/saved/{saved.pk}/open/", {"csrfmiddlewaretoken": token}, follow=True
    )
    assert response.redirect_chain == [("/?tag=Robotics", 303)]
    assert "3 papers" in text_of(response.text)


# --- Admin ---


@pytest.mark.django_db
def test_the_admin_lists_saved_searches_without_their_secret(admin_client, ada):
    saved = saved_search(ada)
    changelist = admin_client.get(reverse("admin:papers_savedsearch_changelist"))
    assert changelist.status_code == 200
    assert "Robots" in changelist.text
    change = admin_client.get(
        reverse("admin:papers_savedsearch_change", args=[saved.pk])
    )
    assert change.status_code == 200
    assert saved.feed_token not in changelist.text + change.text
    assert admin_client.get(reverse("admin:papers_savedsearch_add")).status_code == 403


@pytest.mark.django_db
def test_the_saved_page_counts_once_for_itself_and_the_menu(ada_client, ada, robots):
    for n in range(3):
        saved_search(ada, f"Search {n}", "tag=Robotics")
    PaperFactory(title="Robots again", tags=["Robotics"])
    ada_client.get("/archive/")  # rebuild the browse index after the new paper
    with CaptureQueriesContext(connection) as captured:
        page = text_of(ada_client.get("/saved/").text)
    added_since = [
        query["sql"]
        for query in captured.captured_queries
        if '"created_at" >' in query["sql"] and "papers_paper" in query["sql"]
    ]
    assert len(added_since) == 1
    assert page.count("1 new paper since") == 3
    assert "Search 0 1 new" in page  # the menu shows the same counts


@pytest.mark.django_db
def test_a_name_taken_between_check_and_save_gets_a_message(
    ada_client, ada, monkeypatch
):
    # Another tab saves the same name after the form's check: the database refuses.
    from papers.forms import SavedSearchNameForm

    monkeypatch.setattr(SavedSearchNameForm, "clean_name", lambda form: "Robots")
    saved_search(ada, "Robots")
    response = save(ada_client, "Robots", "tag=Robotics")
    assert response.status_code == 303
    assert messages_of(response)[-1] == "The search was not saved: the name is taken."
    assert SavedSearch.objects.filter(user=ada).count() == 1
