import csv
import datetime
import io
import json
import re

import bibtexparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from papers.models import Bookmark, Dismissal, Paper, ReaderProfile, ReadingList
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
DAY = datetime.date(2025, 3, 4)


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


# --- My bookmarks ---


@pytest.fixture
def shelf(reader):
    """Three papers Ada bookmarked (one read, one in a list) and one she did not."""
    rl = PaperFactory(title="RL paper", tags=["RL"], authors=["Ann"], days=[DAY])
    vision = PaperFactory(title="Vision paper", tags=["Vision"], days=[DAY])
    both = PaperFactory(title="Both paper", tags=["RL", "Vision"], days=[DAY])
    PaperFactory(title="Unsaved paper", tags=["RL"], days=[DAY])
    group = ReadingList.objects.create(user=reader, name="Group")
    marks = {}
    for minutes, paper in enumerate([rl, vision, both]):
        marks[paper.title] = bookmark(reader, paper, note=f"Note on {paper.title}")
        Bookmark.objects.filter(pk=marks[paper.title].pk).update(
            created_at=timezone.now() - datetime.timedelta(minutes=10 - minutes)
        )
    Bookmark.objects.filter(pk=marks["Vision paper"].pk).update(status="read")
    group.bookmarks.add(marks["RL paper"])
    return {"papers": (rl, vision, both), "group": group, "marks": marks}


def titles(response) -> list[str]:
    return re.findall(
        r'class="paper-title"[^>]*><a href="[^"]+">([^<]+)</a>',
        re.sub("</?mark>", "", response.text),  # search highlights
    )


def test_bookmarks_page_lists_the_readers_papers_most_recently_bookmarked_first(
    client_in, shelf
):
    response = client_in.get(reverse("papers:bookmarks"))

    assert response.status_code == 200
    assert titles(response) == ["Both paper", "Vision paper", "RL paper"]
    assert "Note on RL paper" in response.text
    assert '<option value="bookmarked" selected>' in response.text
    assert 'id="note-form-' in response.text
    assert "HX-Request" in response["Vary"]


def test_bookmarks_page_facet_counts_are_scoped_to_the_bookmarks(client_in, shelf):
    response = client_in.get(reverse("papers:bookmarks"))

    facets = response.context["facets"]
    counts = {value.value: value.count for value in facets.tag.values}
    assert counts == {"RL": 2, "Vision": 2}


def test_bookmarks_page_filters_like_the_list_page(client_in, shelf):
    by_tag = client_in.get(reverse("papers:bookmarks"), {"tag": "Vision"})
    by_search = client_in.get(reverse("papers:bookmarks"), {"q": "RL paper"})
    by_title = client_in.get(reverse("papers:bookmarks"), {"sort": "title"})

    assert titles(by_tag) == ["Both paper", "Vision paper"]
    assert "RL paper" in titles(by_search)
    assert "Unsaved paper" not in titles(by_search)
    assert titles(by_title) == ["Both paper", "RL paper", "Vision paper"]


def test_bookmarks_page_filters_by_status_and_list(client_in, shelf):
    read = client_in.get(reverse("papers:bookmarks"), {"status": "read"})
    to_read = client_in.get(reverse("papers:bookmarks"), {"status": "to_read"})
    in_group = client_in.get(reverse("papers:bookmarks"), {"list": shelf["group"].pk})

    assert titles(read) == ["Vision paper"]
    assert titles(to_read) == ["Both paper", "RL paper"]
    assert titles(in_group) == ["RL paper"]
    assert "Export this bookmark" in in_group.text
    assert f"export.bib?list={shelf['group'].pk}" in in_group.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "done"}, "is not allowed"),
        ({"list": "abc"}, "That is not one of your lists"),
        ({"list": "999999"}, "That is not one of your lists"),
        ({"sort": "popular"}, "is not allowed"),
        ({"date_from": "yesterday"}, "YYYY-MM-DD"),
    ],
)
def test_bookmarks_page_reports_bad_parameters(client_in, shelf, params, message):
    response = client_in.get(reverse("papers:bookmarks"), params)

    assert response.status_code == 200
    assert message in response.text
    assert titles(response) == []


def test_bookmarks_page_htmx_returns_only_the_browse_partial(client_in, shelf):
    response = client_in.get(reverse("papers:bookmarks"), {"tag": "RL"}, headers=HTMX)

    title, html = response.text.strip().split("\n", 1)
    assert title == "<title>My bookmarks, RL · 2 papers · AI paper digests</title>"
    assert html.lstrip().startswith('<div id="browse"')
    assert "<html" not in response.text
    assert titles(response) == ["Both paper", "RL paper"]
    assert "HX-Request" in response["Vary"]


def test_bookmarks_page_history_restore_gets_the_full_page(client_in, shelf):
    response = client_in.get(
        reverse("papers:bookmarks"),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )

    assert "<html" in response.text


def count_queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_bookmarks_page_runs_a_fixed_number_of_queries(client_in, reader, shelf):
    url = reverse("papers:bookmarks")
    client_in.get(url)  # creates the reader's profile
    few = count_queries(client_in, url)
    for _ in range(10):
        bookmark(reader, PaperFactory(tags=["RL"], authors=["Bo"], days=[DAY]))
    client_in.get(url)  # builds the browse index of the new papers

    assert count_queries(client_in, url) == few <= 15


# --- The list page's reader filters and "new" marks ---


def test_list_page_bookmarked_only_and_hide(client_in, reader, shelf):
    Dismissal.objects.create(user=reader, paper=PaperFactory(title="Dull paper"))
    url = reverse("papers:list")

    assert sorted(titles(client_in.get(url, {"bookmarked": "1"}))) == [
        "Both paper",
        "RL paper",
        "Vision paper",
    ]
    assert sorted(titles(client_in.get(url, {"hide": "bookmarked"}))) == [
        "Dull paper",
        "Unsaved paper",
    ]
    not_read = titles(client_in.get(url, {"hide": "read"}))
    assert "Vision paper" not in not_read
    assert "RL paper" in not_read
    not_dismissed = titles(client_in.get(url, {"hide": "dismissed"}))
    assert "Dull paper" not in not_dismissed
    both = titles(client_in.get(url, {"hide": ["read", "dismissed"]}))
    assert "Vision paper" not in both
    assert "Dull paper" not in both


def test_list_page_reader_controls_are_in_the_filter_form(client_in, shelf):
    response = client_in.get(reverse("papers:list"), {"hide": "read"})

    assert 'name="bookmarked" value="1"' in response.text
    assert 'name="hide" value="read" checked' in response.text
    assert 'name="hide" value="dismissed"' in response.text


def test_list_page_rejects_an_unknown_hide_value(client_in, shelf):
    response = client_in.get(reverse("papers:list"), {"hide": "everything"})

    assert "“everything” is not allowed" in response.text
    assert titles(response) == []


def test_reader_filters_are_ignored_for_anonymous_visitors(client, shelf):
    response = client.get(reverse("papers:list"), {"bookmarked": "1", "hide": "read"})

    assert len(titles(response)) == 4
    assert 'name="hide"' not in response.text


def test_new_papers_are_marked_and_filterable(client_in, reader):
    old = PaperFactory(title="Old paper", days=[DAY])
    Paper.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )
    PaperFactory(title="Fresh paper", days=[DAY])
    ReaderProfile.objects.create(
        user=reader,
        last_seen_at=timezone.now() - datetime.timedelta(days=2),
    )

    page = client_in.get(reverse("papers:list"))
    only_new = client_in.get(reverse("papers:list"), {"new": "1"})

    assert page.text.count('class="badge-new"') == 1
    assert re.search(r'id="new-count"[^>]*>1 new since your last visit', page.text)
    assert titles(only_new) == ["Fresh paper"]


def test_nothing_is_new_on_a_first_visit(client_in):
    PaperFactory(title="Fresh paper")

    page = client_in.get(reverse("papers:list"))
    only_new = client_in.get(reverse("papers:list"), {"new": "1"})

    assert 'class="badge-new"' not in page.text
    assert titles(only_new) == []


def test_the_paper_page_has_the_bookmark_button(client_in, reader, paper):
    bookmark(reader, paper)

    page = client_in.get(paper.get_absolute_url())

    assert re.search(r'id="bookmark-\d+"\s+>|aria-pressed="true"', page.text)
    assert "Remove bookmark" in page.text


# --- Exports ---


def export(client, fmt, **params):
    return client.get(reverse("papers:bookmarks-export", args=[fmt]), params)


def test_bibtex_export_of_all_bookmarks_parses(client_in, shelf):
    response = export(client_in, "bib")

    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="bookmarks-ada-\d{4}-\d\d-\d\d\.bib"',
        response["Content-Disposition"],
    )
    library = bibtexparser.parse_string(response.content.decode())
    assert library.failed_blocks == []
    assert len(library.entries) == 3
    assert {entry["note"] for entry in library.entries} == {
        "Note on RL paper",
        "Note on Vision paper",
        "Note on Both paper",
    }


def test_export_of_one_list(client_in, shelf):
    response = export(client_in, "csv", list=shelf["group"].pk)

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["title"] for row in rows] == ["RL paper"]
    assert rows[0]["lists"] == "Group"
    assert "-group-" in response["Content-Disposition"]


def test_export_of_the_current_filtered_view_keeps_its_order(client_in, shelf):
    response = export(client_in, "json", tag="RL", sort="title")

    data = json.loads(response.content)
    assert [item["title"] for item in data["bookmarks"]] == ["Both paper", "RL paper"]
    assert "-filtered-" in response["Content-Disposition"]


def test_export_with_bad_parameters_is_400_with_errors(client_in, shelf):
    response = export(client_in, "csv", status="done")

    assert response.status_code == 400
    assert "status" in json.loads(response.content)["errors"]


def test_export_ignores_the_page_number(client_in, reader, shelf):
    response = export(client_in, "json", page="7")

    assert json.loads(response.content)["count"] == 3


def test_exports_carry_only_web_urls(client_in, reader):
    paper = PaperFactory(
        arxiv_url="javascript:alert(1)",
        github_urls=["data:text/html,hi", "github.com/owner/repo"],
        days=[DAY],
    )
    bookmark(reader, paper)

    rows = list(csv.DictReader(io.StringIO(export(client_in, "csv").content.decode())))

    assert [row["url"] for row in rows] == ["https://github.com/owner/repo"]


def test_export_runs_a_fixed_number_of_queries(client_in, reader, shelf):
    url = reverse("papers:bookmarks-export", args=["bib"])
    client_in.get(url)
    few = count_queries(client_in, url)
    for _ in range(10):
        bookmark(reader, PaperFactory(tags=["RL"], authors=["Bo"], days=[DAY]))

    assert count_queries(client_in, url) == few <= 12


# --- Admin: deleting a paper deletes its bookmarks after confirmation ---


def test_admin_paper_delete_lists_the_bookmarks_then_deletes_them(
    client, reader, paper
):
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    bookmark(reader, paper, note="Admin may see this")
    client.force_login(admin)
    url = reverse("admin:papers_paper_delete", args=[paper.pk])

    confirm = client.get(url)

    assert confirm.status_code == 200
    assert "Bookmark" in confirm.text
    assert "ada" in confirm.text
    assert Bookmark.objects.exists()

    done = client.post(url, {"post": "yes"})

    assert done.status_code == 302
    assert not Paper.objects.filter(pk=paper.pk).exists()
    assert not Bookmark.objects.exists()


# --- The JSON twin ---


def test_api_filters_to_the_readers_bookmarks_and_flags_them(client_in, shelf):
    everything = client_in.get("/api/papers", {"page_size": 10}).json()
    mine = client_in.get("/api/papers", {"bookmarked": "1"}).json()
    not_mine = client_in.get("/api/papers", {"bookmarked": "0"}).json()

    assert {paper["title"]: paper["bookmarked"] for paper in everything["results"]} == {
        "RL paper": True,
        "Vision paper": True,
        "Both paper": True,
        "Unsaved paper": False,
    }
    assert mine["count"] == 3
    assert [paper["title"] for paper in not_mine["results"]] == ["Unsaved paper"]


def test_api_says_nothing_about_bookmarks_to_anonymous_callers(client, shelf):
    data = client.get("/api/papers", {"bookmarked": "1"}).json()

    assert data["count"] == 4
    assert all("bookmarked" not in paper for paper in data["results"])


def test_api_rejects_a_bad_bookmarked_value(client_in, shelf):
    response = client_in.get("/api/papers", {"bookmarked": "yes"})

    assert response.status_code == 400
    assert "bookmarked" in response.json()["errors"]


def test_null_characters_are_refused_not_a_500(client_in, reader, paper):
    bookmark(reader, paper, note="Keep me")

    note = client_in.post(note_url(paper), {"bookmark-note": "a\x00b"}, headers=HTMX)
    new_list = client_in.post(reverse("papers:list-create"), {"name": "a\x00b"})
    search = client_in.get(reverse("papers:bookmarks"), {"q": "a\x00b"})

    assert "Null characters are not allowed" in note.text
    assert new_list.status_code == 400
    assert search.status_code < 500
    assert Bookmark.objects.get().note == "Keep me"
    assert not ReadingList.objects.exists()


def test_a_lists_delete_button_is_named_by_its_text_and_the_list(client_in, reader):
    ReadingList.objects.create(user=reader, name="Later")

    html = client_in.get(reverse("papers:lists")).text

    assert (
        '<button type="submit" class="button button-secondary">Delete list'
        '<span class="visually-hidden"> “Later”</span></button>'
    ) in html
