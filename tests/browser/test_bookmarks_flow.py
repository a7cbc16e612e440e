"""Accounts and bookmarks in a real browser: htmx toggles in place, log-in trips."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import Locator, Page, expect

from papers.models import Bookmark, Paper, Tag

PASSWORD = "correct horse battery staple"


def mark_document(page: Page) -> None:
    """Tag the loaded document so a full page load (which forgets the tag) shows."""
    page.evaluate("document.documentElement.dataset.loadedOnce = 'yes'")


def still_same_document(page: Page) -> bool:
    return page.evaluate("document.documentElement.dataset.loadedOnce") == "yes"


def card_ids(page: Page) -> list[int]:
    ids = page.locator("#browse .paper-card").evaluate_all(
        "cards => cards.map(card => card.id)"
    )
    return [int(card_id.removeprefix("paper-")) for card_id in ids]


def bookmark_button(page: Page, paper_pk: int) -> Locator:
    return page.locator(f"#bookmark-{paper_pk}")


def expect_bookmarked(page: Page, paper_pk: int, bookmarked: bool) -> None:
    button = bookmark_button(page, paper_pk)
    expect(button).to_have_attribute("aria-pressed", "true" if bookmarked else "false")
    expect(button).to_have_accessible_name(
        "Remove bookmark" if bookmarked else "Bookmark"
    )


def bookmarked_pks(username: str) -> set[int]:
    return set(
        Bookmark.objects.filter(user__username=username).values_list(
            "paper_id", flat=True
        )
    )


def log_in(page: Page, username: str) -> None:
    """Fill in the log-in form the page shows and submit it."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def make_reader(username: str = "reader"):
    return get_user_model().objects.create_user(
        username, f"{username}@example.com", PASSWORD
    )


def tag_telling_apart(kept: int, dropped: int) -> str:
    """A tag of the paper `kept` that the paper `dropped` does not have."""
    tag = Tag.objects.filter(papers=kept).exclude(papers=dropped).first()
    assert tag is not None, "the sample corpus should tell these papers apart"
    return tag.name


def test_sign_up_bookmark_two_papers_filter_remove_one_and_log_out(page, live_server):
    page.goto("/")
    page.locator(".account-nav").get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("newreader")
    page.get_by_label("E-mail").fill("newreader@example.com")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation:").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    # Back on the list, logged in.
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#messages")).to_contain_text("Welcome, newreader!")
    expect(page.locator("#bookmark-count")).to_have_text("0")
    assert get_user_model().objects.filter(username="newreader").exists()

    first, second = card_ids(page)[:2]
    mark_document(page)
    expect_bookmarked(page, first, False)
    bookmark_button(page, first).click()
    expect_bookmarked(page, first, True)
    expect(page.locator("#bookmark-count")).to_have_text("1")
    bookmark_button(page, second).click()
    expect_bookmarked(page, second, True)
    expect(page.locator("#bookmark-count")).to_have_text("2")
    assert still_same_document(page)
    assert bookmarked_pks("newreader") == {first, second}

    page.locator(".account-nav").get_by_role("link", name="My bookmarks").click()
    expect(page).to_have_url(re.compile(r"/bookmarks/$"))
    expect(page.locator("#result-count")).to_contain_text("2 papers")
    assert set(card_ids(page)) == {first, second}

    tag = tag_telling_apart(first, second)
    page.locator("#facet-tag").get_by_role(
        "checkbox", name=re.compile(rf"^{re.escape(tag)}\b")
    ).check()
    expect(page).to_have_url(re.compile(r"/bookmarks/\?(.*&)?tag="))
    expect(page.locator("#result-count")).to_contain_text("1 paper")
    assert card_ids(page) == [first]

    mark_document(page)
    bookmark_button(page, first).click()
    expect_bookmarked(page, first, False)
    expect(page.locator("#bookmark-count")).to_have_text("1")
    assert still_same_document(page)
    assert bookmarked_pks("newreader") == {second}
    page.goto("/bookmarks/")
    expect(page.locator("#result-count")).to_contain_text("1 paper")
    assert card_ids(page) == [second]

    page.locator(".account-nav").get_by_role("button", name="Log out").click()
    expect(page.locator(".account-nav")).to_contain_text("Log in")
    expect(page.locator("#bookmark-count")).to_have_count(0)
    buttons = page.locator("#browse .bookmark-button")
    expect(buttons).to_have_count(page.locator("#browse .paper-card").count())
    expect(buttons.first).to_have_accessible_name("Log in to bookmark")
    expect(buttons.filter(has_not_text="Log in to bookmark")).to_have_count(0)
    expect(page.locator("#browse .bookmark-button[aria-pressed]")).to_have_count(0)
    # Still stored for the next visit.
    assert bookmarked_pks("newreader") == {second}


def test_bookmarking_logged_out_logs_in_and_returns_with_the_bookmark_made(
    page, live_server
):
    make_reader()
    tag = "Multimodal"
    page.goto(f"/?tag={tag}")
    paper, other = card_ids(page)[:2]
    expect(bookmark_button(page, paper)).to_have_accessible_name("Log in to bookmark")

    bookmark_button(page, paper).click()

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.locator("main")).to_contain_text(
        "the paper you chose is bookmarked for you"
    )
    assert bookmarked_pks("reader") == set()
    log_in(page, "reader")

    expect(page).to_have_url(re.compile(rf"/\?tag={tag}$"))
    title = Paper.objects.get(pk=paper).title
    expect(page.locator("#messages")).to_contain_text(f"Bookmarked “{title}”.")
    expect_bookmarked(page, paper, True)
    expect(page.locator("#bookmark-count")).to_have_text("1")
    assert bookmarked_pks("reader") == {paper}

    # The header count follows further toggles in the same document.
    mark_document(page)
    bookmark_button(page, other).click()
    expect_bookmarked(page, other, True)
    expect(page.locator("#bookmark-count")).to_have_text("2")
    bookmark_button(page, paper).click()
    expect_bookmarked(page, paper, False)
    expect(page.locator("#bookmark-count")).to_have_text("1")
    assert still_same_document(page)
    assert bookmarked_pks("reader") == {other}

    # The paper page shows the same state and toggles the same way.
    page.goto(Paper.objects.get(pk=other).get_absolute_url())
    expect_bookmarked(page, other, True)
    mark_document(page)
    bookmark_button(page, other).click()
    expect_bookmarked(page, other, False)
    expect(page.locator("#bookmark-count")).to_have_text("0")
    assert still_same_document(page)
    assert bookmarked_pks("reader") == set()


def test_notes_and_reading_status_are_edited_in_place(page, live_server):
    reader = make_reader()
    first, second = Paper.objects.for_listing()[:2]
    Bookmark.objects.add(user=reader, paper=first)
    Bookmark.objects.add(user=reader, paper=second)
    page.goto("/accounts/login/?next=/bookmarks/")
    log_in(page, "reader")
    expect(page).to_have_url(re.compile(r"/bookmarks/$"))
    expect(page.locator("#result-count")).to_contain_text("2 papers")
    mark_document(page)

    note = page.locator(f"#note-{first.pk}")
    note.locator("summary").click()
    note.get_by_label("Private note").fill("Read section 3 for the reading group.")
    note.get_by_role("button", name="Save note").click()
    expect(note.locator(".note-text")).to_have_text(
        "Your note: Read section 3 for the reading group."
    )
    assert Bookmark.objects.get(user=reader, paper=first).note == (
        "Read section 3 for the reading group."
    )

    note.locator("summary", has_text="Edit note").click()
    expect(note.get_by_label("Private note")).to_have_value(
        "Read section 3 for the reading group."
    )
    note.get_by_label("Private note").fill("Skip: superseded.")
    note.get_by_role("button", name="Save note").click()
    expect(note.locator(".note-text")).to_have_text("Your note: Skip: superseded.")
    assert Bookmark.objects.get(user=reader, paper=first).note == "Skip: superseded."
    # Editing the note did not refresh the results around it.
    expect(page.locator("#result-count")).to_contain_text("2 papers")

    status = page.locator(f"#status-{second.pk}")
    expect(status.get_by_role("button", name="To read")).to_have_attribute(
        "aria-pressed", "true"
    )
    status.get_by_role("button", name="Read", exact=True).click()
    expect(status.get_by_role("button", name="Read", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(status.get_by_role("button", name="To read")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert Bookmark.objects.get(user=reader, paper=second).status == "read"
    assert Bookmark.objects.get(user=reader, paper=first).status == "to_read"
    assert still_same_document(page)

    # The reading status filter finds it, and the note survived a real reload.
    page.locator("#facet-status").get_by_role("radio", name="Read", exact=True).check()
    expect(page).to_have_url(re.compile(r"[?&]status=read\b"))
    expect(page.locator("#result-count")).to_contain_text("1 paper")
    assert card_ids(page) == [second.pk]
    page.goto("/bookmarks/")
    expect(page.locator(f"#note-{first.pk} .note-text")).to_have_text(
        "Your note: Skip: superseded."
    )


def test_bookmark_button_works_without_javascript(page_without_javascript, live_server):
    page = page_without_javascript
    make_reader()
    page.goto("/?tag=Multimodal")
    paper = card_ids(page)[0]

    # Logged out, the button leads to log in and back, with the bookmark made.
    bookmark_button(page, paper).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    log_in(page, "reader")
    expect(page).to_have_url(re.compile(r"/\?tag=Multimodal$"))
    expect_bookmarked(page, paper, True)
    expect(page.locator("#bookmark-count")).to_have_text("1")
    assert bookmarked_pks("reader") == {paper}

    bookmark_button(page, paper).click()
    expect(page).to_have_url(re.compile(r"/\?tag=Multimodal$"))
    title = Paper.objects.get(pk=paper).title
    expect(page.locator("#messages")).to_contain_text(
        f"Removed the bookmark on “{title}”."
    )
    expect_bookmarked(page, paper, False)
    expect(page.locator("#bookmark-count")).to_have_text("0")
    assert bookmarked_pks("reader") == set()

    bookmark_button(page, paper).click()
    expect(page.locator("#messages")).to_contain_text(f"Bookmarked “{title}”.")
    expect_bookmarked(page, paper, True)
    expect(page.locator("#bookmark-count")).to_have_text("1")
    assert bookmarked_pks("reader") == {paper}
