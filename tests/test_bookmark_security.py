"""Every bookmark endpoint, tried by two readers, anonymously and without CSRF tokens.

Ada owns the bookmarks, notes and lists; Eve tries every id she can think of.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from papers.models import Bookmark, Dismissal, ReadingList
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/?tag=RL"}
JSON = {"Accept": "application/json"}


@pytest.fixture
def ada():
    return UserFactory(username="ada")


@pytest.fixture
def eve():
    return UserFactory(username="eve")


@pytest.fixture
def world(ada):
    """Ada's bookmark (with a note, in a list) on one paper, and a dismissal."""
    paper = PaperFactory(title="Ada's paper")
    bookmark = Bookmark.objects.create(user=ada, paper=paper, note="Ada's secret note")
    reading_list = ReadingList.objects.create(user=ada, name="Ada's list")
    reading_list.bookmarks.add(bookmark)
    Dismissal.objects.create(user=ada, paper=PaperFactory(title="Dull"))
    return {"paper": paper, "bookmark": bookmark, "list": reading_list}


def state(ada):
    """Everything of Ada's an attack could change."""
    bookmarks = Bookmark.objects.filter(user=ada).order_by("pk")
    return {
        "bookmarks": list(bookmarks.values_list("paper_id", "note", "status")),
        "lists": list(
            ReadingList.objects.filter(user=ada).values_list("pk", "name", "bookmarks")
        ),
        "dismissals": list(
            Dismissal.objects.filter(user=ada).values_list("paper_id", flat=True)
        ),
    }


def state_changing(world) -> list[tuple[str, dict]]:
    """Each POST-only URL with data that would change Ada's things."""
    paper, reading_list = world["paper"].pk, world["list"].pk
    return [
        (reverse("papers:bookmark-toggle", args=[paper]), {"bookmark-state": "0"}),
        (reverse("papers:bookmark-note", args=[paper]), {"bookmark-note": "pwned"}),
        (reverse("papers:bookmark-status", args=[paper]), {"bookmark-status": "read"}),
        (reverse("papers:bookmark-lists", args=[paper]), {}),
        (reverse("papers:dismiss-toggle", args=[paper]), {"dismiss-state": "1"}),
        (reverse("papers:list-create"), {"name": "New"}),
        (reverse("papers:list-rename", args=[reading_list]), {"name": "pwned"}),
        (reverse("papers:list-delete", args=[reading_list]), {}),
    ]


PRIVATE_PAGES = [
    reverse("papers:bookmarks"),
    reverse("papers:lists"),
    reverse("papers:bookmarks-export", args=["bib"]),
    reverse("papers:bookmarks-export", args=["csv"]),
    reverse("papers:bookmarks-export", args=["json"]),
    reverse("account"),
    reverse("account-data"),
]


# --- Every state change is a POST, with CSRF ---


def test_get_on_every_state_changing_url_is_405(client, ada, world):
    before = state(ada)
    for logged_in in (False, True):
        if logged_in:
            client.force_login(ada)
        for url, data in state_changing(world):
            assert client.get(url, data).status_code == 405, url
    assert client.get(reverse("logout")).status_code == 405
    assert state(ada) == before


def test_post_without_csrf_token_is_403_on_every_url(ada, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    before = state(ada)

    for url, data in state_changing(world):
        assert client.post(url, data).status_code == 403, url
        assert client.post(url, data, headers={"HX-Request": "true"}).status_code == 403

    assert state(ada) == before
    assert not ReadingList.objects.filter(name="New").exists()


def test_anonymous_post_without_csrf_token_is_403_too(world):
    client = Client(enforce_csrf_checks=True)
    toggle = reverse("papers:bookmark-toggle", args=[world["paper"].pk])

    assert client.post(toggle).status_code == 403
    assert "pending_bookmark" not in client.session


def test_post_with_the_pages_csrf_token_is_accepted(ada, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    client.get(reverse("papers:list"))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("papers:bookmark-note", args=[world["paper"].pk]),
        {"bookmark-note": "via htmx"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )

    assert response.status_code == 200
    world["bookmark"].refresh_from_db()
    assert world["bookmark"].note == "via htmx"


# --- Anonymous requests are sent to log in ---


def test_anonymous_posts_redirect_to_log_in(client, ada, world):
    before = state(ada)
    for url, data in state_changing(world):
        response = client.post(url, {**data, "next": "/?tag=RL"})
        assert response.status_code == 302, url
        assert response["Location"] == "/accounts/login/?next=%2F%3Ftag%3DRL", url
    assert state(ada) == before


def test_anonymous_htmx_posts_get_a_client_redirect(client, ada, world):
    before = state(ada)
    for url, data in state_changing(world):
        response = client.post(url, data, headers=HTMX)
        assert response.status_code == 200, url
        assert response["HX-Redirect"] == "/accounts/login/?next=%2F%3Ftag%3DRL", url
        assert response.content == b""
    assert state(ada) == before


def test_anonymous_json_posts_get_401(client, ada, world):
    before = state(ada)
    for url, data in state_changing(world):
        response = client.post(url, data, headers=JSON)
        assert response.status_code == 401, url
        assert json.loads(response.content) == {
            "status": 401,
            "message": "Log in to do this.",
            "errors": {},
        }
    assert state(ada) == before


@pytest.mark.parametrize("url", PRIVATE_PAGES)
def test_private_pages_send_anonymous_readers_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_bookmarks_page_answers_anonymous_htmx_and_json_in_kind(client):
    url = reverse("papers:bookmarks")

    assert client.get(url, headers=HTMX)["HX-Redirect"].startswith("/accounts/login/")
    assert client.get(url, headers=JSON).status_code == 401


# --- Eve never sees or touches Ada's things, whatever id she sends ---


@pytest.mark.parametrize("name", ["bookmark-note", "bookmark-status", "bookmark-lists"])
def test_editing_a_bookmark_she_does_not_have_is_404(client, ada, eve, world, name):
    client.force_login(eve)
    before = state(ada)
    url = reverse(f"papers:{name}", args=[world["paper"].pk])
    data = {
        "bookmark-note": "pwned",
        "bookmark-status": "read",
        "bookmark-lists": [world["list"].pk],
    }

    assert client.post(url, data).status_code == 404
    assert client.post(url, data, headers=HTMX).status_code == 404
    assert state(ada) == before


def test_her_own_bookmark_on_the_same_paper_is_hers_alone(client, ada, eve, world):
    client.force_login(eve)
    before = state(ada)
    paper = world["paper"].pk

    client.post(
        reverse("papers:bookmark-toggle", args=[paper]), {"bookmark-state": "1"}
    )
    client.post(reverse("papers:bookmark-note", args=[paper]), {"bookmark-note": "Eve"})
    client.post(
        reverse("papers:bookmark-status", args=[paper]), {"bookmark-status": "read"}
    )

    assert state(ada) == before
    eves = Bookmark.objects.get(user=eve)
    assert (eves.note, eves.status) == ("Eve", "read")


def test_removing_her_bookmark_leaves_adas(client, ada, eve, world):
    client.force_login(eve)
    url = reverse("papers:bookmark-toggle", args=[world["paper"].pk])
    client.post(url, {"bookmark-state": "1"})

    client.post(url, {"bookmark-state": "0"})

    assert Bookmark.objects.filter(user=ada).count() == 1
    assert not Bookmark.objects.filter(user=eve).exists()


def test_she_cannot_put_her_bookmark_in_adas_list(client, ada, eve, world):
    client.force_login(eve)
    Bookmark.objects.create(user=eve, paper=world["paper"])
    before = state(ada)

    response = client.post(
        reverse("papers:bookmark-lists", args=[world["paper"].pk]),
        {"bookmark-lists": [world["list"].pk]},
        headers=HTMX,
    )

    assert "errorlist" in response.text
    assert "Ada&#x27;s list" not in response.text
    assert state(ada) == before


@pytest.mark.parametrize("action", ["list-rename", "list-delete"])
def test_renaming_or_deleting_adas_list_is_404(client, ada, eve, world, action):
    client.force_login(eve)
    before = state(ada)

    response = client.post(
        reverse(f"papers:{action}", args=[world["list"].pk]), {"name": "pwned"}
    )

    assert response.status_code == 404
    assert state(ada) == before


def test_her_pages_show_nothing_of_adas(client, ada, eve, world):
    Bookmark.objects.create(user=eve, paper=PaperFactory(title="Eve's paper"))
    client.force_login(eve)

    bookmarks = client.get(reverse("papers:bookmarks"))
    lists = client.get(reverse("papers:lists"))
    listing = client.get(reverse("papers:list"))
    detail = client.get(world["paper"].get_absolute_url())

    assert "Eve&#x27;s paper" in bookmarks.text
    for page in (bookmarks, lists, listing, detail):
        assert "Ada&#x27;s secret note" not in page.text
        assert "Ada&#x27;s list" not in page.text
    assert "Ada&#x27;s paper" not in bookmarks.text
    assert 'id="bookmark-count">1<' in listing.text


def test_filtering_by_adas_list_is_an_error_not_her_papers(client, eve, world):
    client.force_login(eve)

    response = client.get(reverse("papers:bookmarks"), {"list": world["list"].pk})

    assert "That is not one of your lists" in response.text
    assert "Ada&#x27;s paper" not in response.text


@pytest.mark.parametrize("fmt", ["bib", "csv", "json"])
def test_her_exports_hold_only_her_bookmarks(client, eve, world, fmt):
    Bookmark.objects.create(user=eve, paper=PaperFactory(title="Eve's paper"))
    client.force_login(eve)
    url = reverse("papers:bookmarks-export", args=[fmt])

    everything = client.get(url)
    by_adas_list = client.get(url, {"list": world["list"].pk})

    assert "Eve's paper" in everything.content.decode()
    assert "Ada" not in everything.content.decode()
    assert by_adas_list.status_code == 400
    assert "Ada's paper" not in by_adas_list.content.decode()


def test_her_data_download_holds_only_her_data(client, eve, world):
    client.force_login(eve)

    data = json.loads(client.get(reverse("account-data")).content)

    assert data["user"]["username"] == "eve"
    assert data["bookmarks"] == data["lists"] == data["dismissals"] == []


def test_hiding_and_bookmarked_only_use_her_marks_not_adas(client, eve, world):
    other = PaperFactory(title="Unmarked")
    client.force_login(eve)

    hidden = client.get(reverse("papers:list"), {"hide": "bookmarked"})
    only = client.get(reverse("papers:list"), {"bookmarked": "1"})

    assert "Ada&#x27;s paper" in hidden.text
    assert other.title in hidden.text
    assert "0 papers" in only.text


@pytest.mark.parametrize(
    "url",
    [
        "/bookmarks/paper/999999/toggle/",
        "/bookmarks/paper/999999/note/",
        "/bookmarks/paper/abc/status/",
        "/bookmarks/lists/999999/rename/",
        "/bookmarks/lists/-1/delete/",
        "/bookmarks/export.pdf",
    ],
)
def test_unknown_or_malformed_ids_are_404(client, eve, url):
    client.force_login(eve)

    assert client.post(url).status_code in (404, 405)
    assert client.get(url).status_code in (404, 405)


# --- Our pages obey the Content-Security-Policy and escape readers' text ---

EVIL = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password_reset/",
        "/accounts/",
        "/accounts/password_change/",
        "/bookmarks/",
        "/bookmarks/lists/",
        "/",
    ],
)
def test_account_and_bookmark_pages_need_no_inline_script_or_style(client, ada, url):
    from tests.test_templates_security import audit

    paper = PaperFactory(title=EVIL)
    bookmark = Bookmark.objects.create(user=ada, paper=paper, note=EVIL)
    ReadingList.objects.create(user=ada, name=EVIL).bookmarks.add(bookmark)
    if url not in (
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password_reset/",
    ):
        client.force_login(ada)

    response = client.get(url)
    auditor = audit(response.text)

    assert response.status_code == 200
    assert EVIL not in response.text
    assert auditor.inline_scripts == 0
    assert auditor.style_elements == 0
    assert auditor.style_attributes == []
    assert auditor.handlers == []
    assert all(src.startswith("/static/") for src in auditor.script_srcs)
