"""Tab titles name the list state, on the full page and in the htmx fragment."""

import datetime
import re

import pytest

from papers.browse.querystring import Chip
from papers.models import Bookmark, ReadingList
from papers.titles import list_title, reader_labels
from tests.factories import PaperFactory, UserFactory

SITE = "AI paper digests"


def test_a_title_names_scope_filters_count_and_page():
    chips = [
        Chip("“agent”", "/", "search"),
        Chip("Robotics", "/", "tag", "Robotics"),
        Chip("not Audio", "/", "exclude", "Audio"),
        Chip("by Ann", "/", "author", "Ann"),
        Chip("Mar 6–12, 2025", "/", "date"),
        Chip("With code", "/", "has_code"),
        Chip("Without Hugging Face links", "/", "has_hf"),
    ]
    assert list_title(chips=chips, count=48, page=2, pages=3) == (
        "“agent”, Robotics, not Audio, by Ann, Mar 6–12, 2025, with code, "
        f"without Hugging Face links · 48 papers, page 2 of 3 · {SITE}"
    )


def test_a_title_starts_with_a_capital_and_counts_in_the_singular():
    with_code = [Chip("With code", "/", "has_code")]
    assert list_title(chips=with_code, count=1) == f"With code · 1 paper · {SITE}"
    by_ann = [Chip("by Ann", "/", "author", "Ann")]
    assert list_title(chips=by_ann, count=2) == f"By Ann · 2 papers · {SITE}"


def test_a_scope_comes_first_and_no_filter_leaves_the_count():
    assert list_title(count=263, pages=14) == f"263 papers · {SITE}"
    assert (
        list_title(
            scope="Robotics", chips=[Chip("With code", "/", "has_code")], count=5
        )
        == f"Robotics, with code · 5 papers · {SITE}"
    )
    assert list_title(scope="My bookmarks", count=None) == (
        f"My bookmarks · filters to check · {SITE}"
    )


def page_title(html: str) -> str:
    return re.search(r"<title>([^<]*)</title>", html)[1]


@pytest.mark.django_db
def test_the_full_page_and_the_htmx_fragment_carry_the_same_title(client):
    for number in range(3):
        PaperFactory(
            tags=["Robotics"],
            github_urls=["https://github.com/a/b"] if number else [],
            days=[datetime.date(2025, 3, 11)],
        )
    url = "/?tag=Robotics&has_code=1"
    expected = f"Robotics, with code · 2 papers · {SITE}"

    assert page_title(client.get(url).text) == expected
    fragment = client.get(url, headers={"HX-Request": "true"}).text
    assert page_title(fragment) == expected
    assert fragment.count("<title>") == 1
    # A history restore is a full page: its one title is in <head>.
    restore = client.get(
        url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    ).text
    assert restore.count("<title>") == 1
    assert page_title(restore) == expected
    assert page_title(client.get("/tags/robotics/").text) == (
        f"Robotics · 3 papers · {SITE}"
    )


def test_a_readers_own_filters_are_named_too():
    later = ReadingList(name="Later")
    data = {"bookmarked": "1", "new": "1", "hide": ["read", "dismissed"]}
    assert reader_labels(data) == [
        "bookmarked",
        "new since your last visit",
        "hiding read",
        "hiding not interested",
    ]
    assert reader_labels({"status": "to_read", "list": later}) == [
        "to read",
        "list “Later”",
    ]
    assert list_title(scope="My bookmarks", reader_filters=["to read"], count=3) == (
        f"My bookmarks, to read · 3 papers · {SITE}"
    )


@pytest.mark.django_db
def test_titles_name_reader_filters_for_readers_only(client):
    reader = UserFactory()
    paper = PaperFactory(days=[datetime.date(2025, 3, 11)])
    Bookmark.objects.create(user=reader, paper=paper)

    assert page_title(client.get("/?bookmarked=1").text) == f"1 paper · {SITE}"
    client.force_login(reader)
    assert page_title(client.get("/?bookmarked=1").text) == (
        f"Bookmarked · 1 paper · {SITE}"
    )
    assert page_title(client.get("/bookmarks/?status=to_read").text) == (
        f"My bookmarks, to read · 1 paper · {SITE}"
    )
