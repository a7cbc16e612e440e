"""Every count on the site reads right for one and for many: "1 paper", "2 papers".

Each page is rendered over a world of one paper and over one of two, and its text is
read as a screen reader reads it (visually hidden parts included).
"""

import datetime
import re
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from papers.browse.facets import TAG_HEAD
from papers.models import Author, Bookmark, Paper, ReadingList
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db

MAR_11 = datetime.date(2025, 3, 11)  # ISO week 2025-W11


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return text_of(response.text)


@pytest.fixture(params=[1, 2], ids=["one", "two"])
def world(request, client):
    """`n` papers on one day, by one author, each with TAG_HEAD + n tags, all
    bookmarked by the logged-in reader and put on one list."""
    n = request.param
    reader = UserFactory()
    reading_list = ReadingList.objects.create(user=reader, name="Later")
    for number in range(n):
        paper = PaperFactory(
            authors=["Only Author"],
            tags=["Shared"] + [f"Topic {i}" for i in range(TAG_HEAD - 1 + n)],
            days=[MAR_11],
        )
        paper.appearances.update(position=number + 1)
        reading_list.bookmarks.add(Bookmark.objects.create(user=reader, paper=paper))
    client.force_login(reader)
    return n, "paper" if n == 1 else "papers"


def test_the_result_count_and_facet_counts(client, world):
    n, papers = world
    page = text(client, "/")
    assert f"{n} {papers} " in page
    # Every tag's hidden count names its papers.
    assert f"Shared {n} {papers}" in page
    more = "1 more tag" if n == 1 else "2 more tags"
    assert more in page
    assert "1 papers" not in page and "1 more tags" not in page


def test_the_author_and_tag_pages(client, world):
    n, papers = world
    author = Author.objects.get(name="Only Author")
    for url in (reverse("papers:author", args=[author.pk]), "/tags/shared/"):
        assert f"{n} {papers} in the digests." in text(client, url)


def test_the_day_week_month_and_archive_pages(client, world):
    n, papers = world
    assert f"{n} {papers}, in the digest's order." in text(client, "/days/2025-03-11/")
    for url in ("/weeks/2025-W11/", "/months/2025-03/"):
        page = text(client, url)
        assert f"{n} {papers} on 1 digest day." in page
        assert f"({n} {papers})" in page
        assert "1 digest days" not in page
    archive = text(client, "/archive/")
    assert f"1 digest day, {n} {papers}, newest month first." in archive
    assert f"{n} {papers} on 1 day" in archive
    assert f"Tuesday 11 March 2025: {n} {papers}" in archive


def test_the_bookmark_export_headings(client, world):
    n, _ = world
    everything = text(client, "/bookmarks/")
    some = text(client, "/bookmarks/?tag=Shared")
    if n == 1:
        assert "Export your bookmark" in everything
        assert "Export this bookmark" in some
    else:
        assert "Export all 2 bookmarks" in everything
        assert "Export these 2 bookmarks" in some


def test_the_reading_lists_page(client, world):
    n, papers = world
    assert f"{n} {papers} · Export:" in text(client, "/bookmarks/lists/")


def test_the_reasons_a_paper_is_related(client):
    main = PaperFactory(authors=["A", "B"], tags=["T1", "T2"], days=[MAR_11])
    PaperFactory(title="Shares one author", authors=["A"], tags=["T1", "T2"])
    PaperFactory(title="Shares two authors", authors=["A", "B"], tags=["T1"])
    page = text(client, main.get_absolute_url())
    assert "Shares one author 1 shared author, 2 shared tags" in page
    assert "Shares two authors 2 shared authors, 1 shared tag" in page


ONE_PAPER_DAY = """## Papers for 2025-03-11

| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |
|-------|---------|---------|----------------|-------------|-----------------|
| [Alone](https://arxiv.org/abs/2503.00042) | Ada Lovelace | - Text. | [] | | |
"""


def test_the_import_command_summary(tmp_path):
    (tmp_path / "11.md").write_text(ONE_PAPER_DAY, encoding="utf-8")
    stdout = StringIO()
    call_command("import_digest", str(tmp_path), stdout=stdout)
    assert (
        "Imported 1 of 1 file, 1 day: 1 new paper, 0 changed, 0 as stored, "
        "0 warnings, 0 errors." in stdout.getvalue()
    )


def test_the_admin_upload_summary_and_forget_edits_message(
    admin_client, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile(
        "11.md", ONE_PAPER_DAY.encode(), content_type="text/markdown"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the job runs
        response = admin_client.post(
            reverse("admin:papers_digest_upload"), {"files": [upload]}
        )
    summary = text(admin_client, response["Location"])
    assert "1 of 1 file, 1 day: 1 new paper, 0 changed, 0 as stored, 0 warnings," in (
        summary
    )
    assert "0 errors." in summary
    # The job page's progress line.
    assert "1 of 1 file, 1 paper," in summary

    paper = Paper.objects.get()
    response = admin_client.post(
        reverse("admin:papers_paper_changelist"),
        {"action": "forget_edits", "_selected_action": [paper.pk]},
        follow=True,
    )
    assert "1 paper will follow the digests again." in response.content.decode()


def test_the_lockout_page(client, settings):
    settings.AXES_FAILURE_LIMIT = 1
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=1)
    UserFactory(username="ada")
    for _ in range(2):
        response = client.post(
            reverse("login"), {"username": "ada", "password": "wrong"}
        )
    assert response.status_code == 429
    page = text_of(response.text)
    assert "after 1 failed attempt." in page
    assert "Try again in 1 minute." in page
