import datetime
import re

import pytest
from django.urls import reverse

from papers.models import Bookmark, Dismissal, Paper, ReadingList
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
DAY = datetime.date(2025, 3, 4)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reader():
    return UserFactory(username="ada")


@pytest.fixture
def client_in(client, reader):
    client.force_login(reader)
    return client


@pytest.fixture
def paper():
    return PaperFactory(title="Visual-RFT", tags=["RL"], days=[DAY])


def toggle_url(paper: Paper) -> str:
    return reverse("papers:bookmark-toggle", args=[paper.pk])


def bookmark(user, paper, **fields) -> Bookmark:
    return Bookmark.objects.create(user=user, paper=paper, **fields)


# --- Toggle ---


def test_toggle_without_htmx_bookmarks_and_redirects_to_next(client_in, reader, paper):
    response = client_in.post(toggle_url(paper), {"next": "/?tag=RL"})

    assert response.status_code == 302
    assert response["Location"] == "/?tag=RL"
    assert Bookmark.objects.filter(user=reader, paper=paper).exists()


def test_toggle_twice_removes_the_bookmark(client_in, reader, paper):
    client_in.post(toggle_url(paper))
    client_in.post(toggle_url(paper))

    assert not Bookmark.objects.exists()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", ""])
def test_toggle_never_redirects_off_site(client_in, paper, next_url):
    response = client_in.post(toggle_url(paper), {"next": next_url})

    assert response["Location"] == paper.get_absolute_url()


def test_toggle_with_htmx_returns_the_button_and_the_header_count(
    client_in, reader, paper
):
    bookmark(reader, PaperFactory())

    response = client_in.post(toggle_url(paper), {"next": "/"}, headers=HTMX)

    assert response.status_code == 200
    html = response.text
    assert 'aria-pressed="true"' in html
    assert "Remove bookmark" in html
    assert f'hx-post="{toggle_url(paper)}"' in html
    assert 'hx-target="this"' in html
    assert re.search(r'<span id="bookmark-count" hx-swap-oob="true">2</span>', html)
    assert "<html" not in html


def test_removing_with_htmx_shows_the_unpressed_button(client_in, reader, paper):
    bookmark(reader, paper)

    response = client_in.post(toggle_url(paper), headers=HTMX)

    assert 'aria-pressed="false"' in response.text
    assert ">0</span>" in response.text
    assert not Bookmark.objects.exists()


def test_only_the_htmx_response_has_an_out_of_band_swap(client_in, paper):
    response = client_in.post(toggle_url(paper), follow=True)

    assert "hx-swap-oob" not in response.text


def test_the_button_posts_the_state_it_shows_so_a_double_click_keeps_one(
    client_in, reader, paper
):
    client_in.post(toggle_url(paper), {"bookmark-state": "1"}, headers=HTMX)
    client_in.post(toggle_url(paper), {"bookmark-state": "1"}, headers=HTMX)

    assert Bookmark.objects.filter(user=reader, paper=paper).count() == 1

    client_in.post(toggle_url(paper), {"bookmark-state": "0"})
    client_in.post(toggle_url(paper), {"bookmark-state": "0"})

    assert not Bookmark.objects.exists()


def test_toggling_an_unknown_paper_is_404(client_in):
    assert client_in.post("/bookmarks/paper/999999/toggle/").status_code == 404
    assert client_in.post("/bookmarks/paper/abc/toggle/").status_code == 404
    huge = "/bookmarks/paper/99999999999999999999999/toggle/"
    assert client_in.post(huge).status_code == 404


def test_bookmark_manager_toggle_add_and_remove(reader, paper):
    assert Bookmark.objects.toggle(user=reader, paper=paper) is True
    assert Bookmark.objects.add(user=reader, paper=paper) is False
    assert Bookmark.objects.toggle(user=reader, paper=paper) is False
    assert Bookmark.objects.remove(user=reader, paper=paper) is False
    assert Bookmark.objects.add(user=reader, paper=paper) is True
    assert Bookmark.objects.count() == 1


# --- Note ---


def note_url(paper: Paper) -> str:
    return reverse("papers:bookmark-note", args=[paper.pk])


def test_saving_a_note_with_htmx_returns_the_note_block(client_in, reader, paper):
    saved = bookmark(reader, paper)

    response = client_in.post(
        note_url(paper),
        {"bookmark-note": "  Read §3 first  ", "next": "/bookmarks/"},
        headers=HTMX,
    )

    saved.refresh_from_db()
    assert saved.note == "Read §3 first"
    assert f'id="note-{paper.pk}"' in response.text
    assert "Read §3 first" in response.text
    assert "errorlist" not in response.text


def test_saving_a_note_without_htmx_redirects(client_in, reader, paper):
    bookmark(reader, paper)

    response = client_in.post(
        note_url(paper), {"bookmark-note": "Later", "next": "/bookmarks/"}
    )

    assert response["Location"] == "/bookmarks/"
    assert Bookmark.objects.get().note == "Later"


def test_a_too_long_note_is_refused_with_a_message(client_in, reader, paper):
    bookmark(reader, paper, note="Keep me")

    with_htmx = client_in.post(
        note_url(paper), {"bookmark-note": "x" * 2001}, headers=HTMX
    )
    without = client_in.post(note_url(paper), {"bookmark-note": "x" * 2001})

    assert with_htmx.status_code == 200
    assert "at most 2000 characters" in with_htmx.text
    assert '<details class="note-editor" open>' in with_htmx.text
    assert without.status_code == 400
    assert "at most 2000 characters" in without.text
    assert Bookmark.objects.get().note == "Keep me"


def test_a_note_can_be_cleared(client_in, reader, paper):
    bookmark(reader, paper, note="Old")

    client_in.post(note_url(paper), {"bookmark-note": ""}, headers=HTMX)

    assert Bookmark.objects.get().note == ""


def test_a_post_without_the_note_field_keeps_the_note(client_in, reader, paper):
    bookmark(reader, paper, note="Keep me")

    response = client_in.post(note_url(paper), {"note": "wrong name"}, headers=HTMX)

    assert "No note was sent" in response.text
    assert Bookmark.objects.get().note == "Keep me"


def test_a_note_on_a_paper_not_bookmarked_is_404(client_in, paper):
    assert client_in.post(note_url(paper), {"bookmark-note": "x"}).status_code == 404


def test_notes_are_escaped(client_in, reader, paper):
    bookmark(reader, paper)

    response = client_in.post(
        note_url(paper), {"bookmark-note": "<script>alert(1)</script>"}, headers=HTMX
    )

    assert "<script>alert" not in response.text
    assert "&lt;script&gt;" in response.text


# --- Status ---


def status_url(paper: Paper) -> str:
    return reverse("papers:bookmark-status", args=[paper.pk])


def test_marking_read_with_htmx(client_in, reader, paper):
    bookmark(reader, paper)

    response = client_in.post(
        status_url(paper), {"bookmark-status": "read"}, headers=HTMX
    )

    assert Bookmark.objects.get().status == "read"
    pressed = r'<button[^>]*value="{}"[^>]*aria-pressed="{}"'
    assert re.search(pressed.format("read", "true"), response.text)
    assert re.search(pressed.format("to_read", "false"), response.text)


def test_marking_read_without_htmx_redirects_with_a_message(client_in, reader, paper):
    bookmark(reader, paper)

    response = client_in.post(
        status_url(paper),
        {"bookmark-status": "read", "next": "/bookmarks/"},
        follow=True,
    )

    assert "as Read" in response.text
    assert Bookmark.objects.get().status == "read"


@pytest.mark.parametrize("status", ["done", "", "READ", "x" * 500])
def test_an_unknown_status_changes_nothing(client_in, reader, paper, status):
    bookmark(reader, paper)

    with_htmx = client_in.post(
        status_url(paper), {"bookmark-status": status}, headers=HTMX
    )
    without = client_in.post(
        status_url(paper), {"bookmark-status": status}, follow=True
    )

    assert with_htmx.status_code == 200
    assert "errorlist" in with_htmx.text
    assert without.status_code == 200
    assert Bookmark.objects.get().status == "to_read"


# --- Not interested ---


def dismiss_url(paper: Paper) -> str:
    return reverse("papers:dismiss-toggle", args=[paper.pk])


def test_not_interested_toggles_with_htmx(client_in, reader, paper):
    response = client_in.post(dismiss_url(paper), {"dismiss-state": "1"}, headers=HTMX)

    assert Dismissal.objects.filter(user=reader, paper=paper).exists()
    assert 'aria-pressed="true"' in response.text
    assert "Undo" in response.text

    client_in.post(dismiss_url(paper), {"dismiss-state": "0"})
    assert not Dismissal.objects.exists()


def test_not_interested_without_htmx_redirects(client_in, paper):
    response = client_in.post(dismiss_url(paper), {"next": "/"})

    assert response["Location"] == "/"
    assert Dismissal.objects.count() == 1


# --- Reading lists ---


def test_creating_renaming_and_deleting_a_list(client_in, reader, paper):
    response = client_in.post(reverse("papers:list-create"), {"name": " RL ideas "})
    assert response["Location"] == reverse("papers:lists")
    reading_list = ReadingList.objects.get(user=reader)
    assert reading_list.name == "RL ideas"

    client_in.post(
        reverse("papers:list-rename", args=[reading_list.pk]), {"name": "RL"}
    )
    reading_list.refresh_from_db()
    assert reading_list.name == "RL"

    saved = bookmark(reader, paper)
    reading_list.bookmarks.add(saved)
    client_in.post(reverse("papers:list-delete", args=[reading_list.pk]))
    assert not ReadingList.objects.exists()
    assert Bookmark.objects.filter(pk=saved.pk).exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "This field is required"),
        ("   ", "This field is required"),
        ("x" * 101, "at most 100 characters"),
        ("rl IDEAS", "already have a list with this name"),
    ],
)
def test_bad_list_names_are_refused(client_in, reader, name, message):
    ReadingList.objects.create(user=reader, name="RL ideas")

    response = client_in.post(reverse("papers:list-create"), {"name": name})

    assert response.status_code == 400
    assert message in response.text
    assert ReadingList.objects.count() == 1


def test_another_readers_list_name_is_free(client_in):
    ReadingList.objects.create(user=UserFactory(username="eve"), name="RL ideas")

    client_in.post(reverse("papers:list-create"), {"name": "RL ideas"})

    assert ReadingList.objects.count() == 2


def test_renaming_to_a_taken_name_is_refused(client_in, reader):
    ReadingList.objects.create(user=reader, name="A")
    other = ReadingList.objects.create(user=reader, name="B")

    response = client_in.post(
        reverse("papers:list-rename", args=[other.pk]), {"name": "A"}, follow=True
    )

    assert "already have a list with this name" in response.text
    other.refresh_from_db()
    assert other.name == "B"


def test_lists_page_shows_the_readers_lists_with_counts(client_in, reader, paper):
    reading_list = ReadingList.objects.create(user=reader, name="Group")
    reading_list.bookmarks.add(bookmark(reader, paper))

    page = client_in.get(reverse("papers:lists"))

    assert page.status_code == 200
    assert "Group" in page.text
    assert "1 paper ·" in page.text
    assert f"?list={reading_list.pk}" in page.text


def test_putting_a_bookmark_in_lists(client_in, reader, paper):
    saved = bookmark(reader, paper)
    group = ReadingList.objects.create(user=reader, name="Group")
    ideas = ReadingList.objects.create(user=reader, name="Ideas")
    url = reverse("papers:bookmark-lists", args=[paper.pk])

    response = client_in.post(
        url, {"bookmark-lists": [group.pk, ideas.pk]}, headers=HTMX
    )

    assert set(saved.lists.all()) == {group, ideas}
    assert response.text.count("checked") == 2

    client_in.post(url, {"bookmark-lists": [ideas.pk]})
    assert list(saved.lists.all()) == [ideas]

    client_in.post(url, {})
    assert not saved.lists.exists()


@pytest.mark.parametrize("value", ["abc", "999999", "-1"])
def test_bad_list_ids_change_nothing(client_in, reader, paper, value):
    saved = bookmark(reader, paper)
    group = ReadingList.objects.create(user=reader, name="Group")
    saved.lists.add(group)
    url = reverse("papers:bookmark-lists", args=[paper.pk])

    response = client_in.post(url, {"bookmark-lists": [value]}, headers=HTMX)

    assert response.status_code == 200
    assert "errorlist" in response.text
    assert list(saved.lists.all()) == [group]
