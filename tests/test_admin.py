import datetime
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import papers.admin as admin_module
from papers.importer.loader import load_digest
from papers.models import (
    Appearance,
    Author,
    Authorship,
    Bookmark,
    Digest,
    Dismissal,
    ImportJob,
    Paper,
    ReaderProfile,
    ReadingList,
    Tag,
)
from tests.digests import Row, digest_markdown
from tests.factories import (
    DigestFactory,
    PaperFactory,
    PaperRecordFactory,
    UserFactory,
    digest_record,
)

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "digests"
MARCH = datetime.date(2025, 3, 10)
APRIL = datetime.date(2025, 4, 2)

EDITABLE = [Paper, Author, Tag, Digest, Bookmark, ReadingList, Dismissal, ReaderProfile]
# Edited on their paper's page only, so they are listed but never added here.
VIEW_ONLY = [Appearance, Authorship]


@pytest.fixture
def paper():
    """A paper with code, two authors, a tag, two digest days and a bookmark."""
    paper = PaperFactory(
        key="2503.07365",
        title="MM-Eureka: Exploring Visual Aha Moment",
        github_urls=["https://github.com/ModalMinds/MM-EUREKA"],
        authors=["Fanqing Meng", "Lingxiao Du"],
        tags=["Multimodal"],
        days=[MARCH, APRIL],
    )
    reader = UserFactory()
    bookmark = Bookmark.objects.create(user=reader, paper=paper)
    ReadingList.objects.create(user=reader, name="Group").bookmarks.add(bookmark)
    Dismissal.objects.create(user=UserFactory(), paper=PaperFactory())
    ReaderProfile.objects.create(user=reader)
    return paper


def admin_url(model, action: str, *args) -> str:
    return reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args
    )


def listed(response) -> list:
    return list(response.context["cl"].result_list)


# Every screen ----------------------------------------------------------------------


@pytest.mark.parametrize("model", EDITABLE + VIEW_ONLY, ids=lambda m: m.__name__)
def test_changelist_and_change_pages_render(admin_client, paper, model):
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    obj = model.objects.first()
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", EDITABLE, ids=lambda m: m.__name__)
def test_add_pages_render(admin_client, paper, model):
    assert admin_client.get(admin_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", VIEW_ONLY, ids=lambda m: m.__name__)
def test_appearances_and_authorships_are_read_only_here(admin_client, paper, model):
    assert admin_client.get(admin_url(model, "add")).status_code == 403
    page = admin_client.get(admin_url(model, "change", model.objects.first().pk))
    assert b'name="_save"' not in page.content


def test_paper_list_shows_its_columns_in_a_fixed_number_of_queries(admin_client, paper):
    url = admin_url(Paper, "changelist")
    admin_client.get(url)  # the first request of a session does some bookkeeping
    with CaptureQueriesContext(connection) as one_paper:
        admin_client.get(url)
    for _ in range(5):
        PaperFactory(authors=["A", "B", "C", "D"], tags=["Robotics"], days=[MARCH])

    with CaptureQueriesContext(connection) as six_papers:
        response = admin_client.get(url)

    assert len(six_papers) == len(one_paper)
    content = response.content.decode()
    assert "Fanqing Meng, Lingxiao Du" in content
    assert "A, B, C et al." in content
    assert "2503.07365" in content
    row = next(p for p in listed(response) if p.pk == paper.pk)
    assert row.bookmark_count == 1


def test_papers_sort_by_bookmark_count(admin_client, paper):
    PaperFactory(days=[MARCH])
    column = 1 + [
        "title",
        "arxiv_id",
        "short_authors",
        "tag_names",
        "last_digest_date",
        "code",
        "hugging_face",
        "bookmark_count",
    ].index("bookmark_count")

    response = admin_client.get(admin_url(Paper, "changelist"), {"o": f"-{column}"})

    assert listed(response)[0] == paper


@pytest.mark.parametrize(
    "model", [Author, Tag, Digest, ReadingList], ids=lambda m: m.__name__
)
def test_counts_are_annotated_and_sortable(admin_client, paper, model):
    response = admin_client.get(admin_url(model, "changelist"), {"o": "-2"})

    assert response.status_code == 200
    assert listed(response)


# Search and filters -----------------------------------------------------------------


@pytest.mark.parametrize("query", ["visual aha", "2503.07365", "Lingxiao"])
def test_paper_search_finds_title_arxiv_id_and_author(admin_client, paper, query):
    PaperFactory(title="Something else", authors=["Someone"])

    response = admin_client.get(admin_url(Paper, "changelist"), {"q": query})

    assert listed(response) == [paper]


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"has_code": "yes"}, True),
        ({"has_code": "no"}, False),
        ({"has_hf": "no"}, True),
        ({"has_hf": "yes"}, False),
        ({"digest_month": "2025-04"}, True),
        ({"digest_month": "2025-02"}, False),
    ],
)
def test_paper_filters(admin_client, paper, params, found):
    other = PaperFactory(
        days=[datetime.date(2025, 2, 3)],
        huggingface_urls=["https://huggingface.co/org/model"],
    )

    response = admin_client.get(admin_url(Paper, "changelist"), params)

    assert (paper in listed(response)) is found
    assert (other in listed(response)) is not found


def test_paper_tag_filter(admin_client, paper):
    PaperFactory(tags=["Robotics"])
    tag = Tag.objects.get(name="Multimodal")

    response = admin_client.get(
        admin_url(Paper, "changelist"), {"tags__id__exact": tag.pk}
    )

    assert listed(response) == [paper]


def test_a_malformed_month_filter_is_ignored(admin_client, paper):
    response = admin_client.get(
        admin_url(Paper, "changelist"), {"digest_month": "March"}
    )

    assert set(listed(response)) == set(Paper.objects.all())


def test_the_month_filter_lists_the_digest_months(admin_client, paper):
    content = admin_client.get(admin_url(Paper, "changelist")).content.decode()

    assert "April 2025" in content
    assert "March 2025" in content


def test_bookmarks_are_listed_per_user_and_searchable(admin_client, paper):
    bookmark = Bookmark.objects.get()

    by_user = admin_client.get(
        admin_url(Bookmark, "changelist"), {"user__id__exact": bookmark.user_id}
    )
    by_title = admin_client.get(admin_url(Bookmark, "changelist"), {"q": "Aha"})

    assert listed(by_user) == listed(by_title) == [bookmark]


def test_the_paper_list_links_each_bookmark_count_to_those_bookmarks(
    admin_client, paper
):
    bookmark = Bookmark.objects.get()
    other = PaperFactory()
    Bookmark.objects.create(user=UserFactory(), paper=other)
    url = f"{admin_url(Bookmark, 'changelist')}?paper__id__exact={paper.pk}"

    papers = admin_client.get(admin_url(Paper, "changelist")).text
    by_paper = admin_client.get(url)

    assert f'href="{url}"' in papers
    assert listed(by_paper) == [bookmark]


# Hand edits -------------------------------------------------------------------------


def change_form_data(paper: Paper, **changes) -> dict:
    """What the paper's change form posts when saved without touching anything."""
    authorships = list(paper.authorships.order_by("position"))
    appearances = list(paper.appearances.order_by("date"))
    data = {
        "key": paper.key,
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "summary": paper.summary,
        "tags": [tag.pk for tag in paper.tags.all()],
        "arxiv_url": paper.arxiv_url,
        "github_urls": json.dumps(paper.github_urls),
        "huggingface_urls": json.dumps(paper.huggingface_urls),
        # Fields with a callable default post their initial value alongside.
        "initial-github_urls": json.dumps(paper.github_urls),
        "initial-huggingface_urls": json.dumps(paper.huggingface_urls),
        "_save": "Save",
    }
    for prefix, rows, fields in [
        ("authorships", authorships, ["position", "author"]),
        ("appearances", appearances, ["digest", "position"]),
    ]:
        data |= {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": len(rows),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = row.pk
            data[f"{prefix}-{index}-paper"] = paper.pk
            for name in fields:
                value = getattr(row, name)
                data[f"{prefix}-{index}-{name}"] = getattr(value, "pk", value)
    return data | changes


def save_paper(client, paper: Paper, **changes):
    response = client.post(
        admin_url(Paper, "change", paper.pk), change_form_data(paper, **changes)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    paper.refresh_from_db()
    return response


def test_saving_unchanged_records_no_edit(admin_client, paper):
    save_paper(admin_client, paper)

    assert paper.edited_fields == []


def test_an_admin_edit_is_recorded_and_survives_a_reimport(admin_client, paper):
    save_paper(admin_client, paper, title="Corrected title")
    assert paper.edited_fields == ["title"]

    row = PaperRecordFactory(
        key=paper.key, title="The digest's title", summary="A newer summary"
    )
    load_digest(digest_record(datetime.date(2025, 5, 1), [row]))

    paper.refresh_from_db()
    assert paper.title == "Corrected title"
    assert paper.summary == "A newer summary"


def test_changing_authors_or_tags_marks_them_edited(admin_client, paper):
    data = change_form_data(paper, tags=[])
    data["authorships-0-position"], data["authorships-1-position"] = 2, 1

    admin_client.post(admin_url(Paper, "change", paper.pk), data)

    paper.refresh_from_db()
    assert sorted(paper.edited_fields) == ["authors", "tags"]
    assert [a.author.name for a in paper.authorships.order_by("position")] == [
        "Lingxiao Du",
        "Fanqing Meng",
    ]


def test_adding_a_digest_day_copies_its_date_and_refreshes_the_paper(
    admin_client, paper
):
    may = DigestFactory(date=datetime.date(2025, 5, 1))
    data = change_form_data(paper)
    data |= {
        "appearances-TOTAL_FORMS": 3,
        "appearances-2-paper": paper.pk,
        "appearances-2-digest": may.pk,
        "appearances-2-position": 4,
    }

    admin_client.post(admin_url(Paper, "change", paper.pk), data)

    paper.refresh_from_db()
    assert paper.last_digest_date == may.date
    assert paper.appearances.get(digest=may).date == may.date


def test_removing_a_digest_day_refreshes_the_paper(admin_client, paper):
    data = change_form_data(paper)
    data["appearances-1-DELETE"] = "on"

    admin_client.post(admin_url(Paper, "change", paper.pk), data)

    paper.refresh_from_db()
    assert paper.last_digest_date == MARCH


def test_deleting_a_digest_day_refreshes_its_papers(admin_client, paper):
    april = Digest.objects.get(date=APRIL)

    admin_client.post(admin_url(Digest, "delete", april.pk), {"post": "yes"})

    paper.refresh_from_db()
    assert paper.last_digest_date == MARCH


def test_renaming_an_author_protects_their_papers_author_lists(admin_client, paper):
    author = Author.objects.get(name="Lingxiao Du")

    admin_client.post(admin_url(Author, "change", author.pk), {"name": "Lingxiao Du."})

    paper.refresh_from_db()
    assert paper.edited_fields == ["authors"]


def test_forgetting_edits_lets_imports_update_a_paper_again(admin_client, paper):
    Paper.objects.filter(pk=paper.pk).update(edited_fields=["title"])

    admin_client.post(
        admin_url(Paper, "changelist"),
        {"action": "forget_edits", "_selected_action": [paper.pk]},
    )

    paper.refresh_from_db()
    assert paper.edited_fields == []


def test_deleting_a_paper_confirms_and_lists_its_bookmarks(admin_client, paper):
    response = admin_client.get(admin_url(Paper, "delete", paper.pk))

    assert response.status_code == 200
    assert "Bookmark" in response.content.decode()
    assert Paper.objects.filter(pk=paper.pk).exists()


def test_deleting_a_paper_deletes_its_bookmarks(admin_client, paper):
    response = admin_client.post(admin_url(Paper, "delete", paper.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Paper.objects.filter(pk=paper.pk).exists()
    assert not Bookmark.objects.exists()


def test_deleting_an_appearance_refreshes_its_paper(admin_client, paper):
    april = paper.appearances.get(date=APRIL)

    admin_client.post(admin_url(Appearance, "delete", april.pk), {"post": "yes"})

    paper.refresh_from_db()
    assert paper.last_digest_date == MARCH


def test_deleting_an_authorship_marks_the_authors_edited(admin_client, paper):
    authorship = paper.authorships.get(position=2)

    admin_client.post(admin_url(Authorship, "delete", authorship.pk), {"post": "yes"})

    paper.refresh_from_db()
    assert paper.edited_fields == ["authors"]


def test_authors_and_tags_filter_on_having_papers(admin_client, paper):
    Author.objects.create(name="Orphan")

    used = admin_client.get(admin_url(Author, "changelist"), {"used": "yes"})
    unused = admin_client.get(admin_url(Author, "changelist"), {"used": "no"})

    assert [a.name for a in listed(used)] == ["Fanqing Meng", "Lingxiao Du"]
    assert [a.name for a in listed(unused)] == ["Orphan"]
    assert listed(admin_client.get(admin_url(Tag, "changelist"), {"used": "no"})) == []


def test_digest_days_are_found_by_date_for_the_inline_autocomplete(admin_client, paper):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "2025-04",
            "app_label": "papers",
            "model_name": "appearance",
            "field_name": "digest",
        },
    )

    assert [item["text"] for item in response.json()["results"]] == [
        "Papers for 2025-04-02"
    ]


# Uploading digests ------------------------------------------------------------------

UPLOAD_URL = "/admin/papers/digest/upload/"
# A day of two papers, written here (its counts are obvious).
GOOD_DAY = digest_markdown("2024-09-05", Row("2409.00001"), Row("2409.00002")).encode()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/markdown")


def test_the_upload_page_is_linked_from_the_digest_list(admin_client):
    assert reverse("admin:papers_digest_upload") == UPLOAD_URL

    content = admin_client.get(admin_url(Digest, "changelist")).content.decode()

    assert f'href="{UPLOAD_URL}"' in content


def test_the_upload_page_shows_a_multiple_file_form(admin_client):
    content = admin_client.get(UPLOAD_URL).content.decode()

    assert 'enctype="multipart/form-data"' in content
    assert "multiple" in content
    assert 'name="dry_run"' in content
    assert "csrfmiddlewaretoken" in content


def post_upload(client, capture, data: dict):
    """POST the upload form and run the job its commit enqueues; the response."""
    with capture(execute=True):
        return client.post(UPLOAD_URL, data)


def test_uploading_a_digest_makes_a_job_whose_page_shows_the_summary(
    admin_client, django_capture_on_commit_callbacks
):
    response = post_upload(
        admin_client,
        django_capture_on_commit_callbacks,
        {"files": [upload("05.md", GOOD_DAY)]},
    )

    job = ImportJob.objects.get()
    assert response.status_code == 303
    assert response["Location"] == admin_url(ImportJob, "change", job.pk)
    assert Digest.objects.get().date == datetime.date(2024, 9, 5)
    assert Paper.objects.count() == 2
    content = admin_client.get(response["Location"]).content.decode()
    assert "2 new papers" in content
    assert '<th scope="row">05.md</th>' in content
    assert "1 of 1 file," in content


def test_uploading_several_files_reports_each_and_a_broken_one_writes_nothing(
    admin_client, django_capture_on_commit_callbacks
):
    broken = (FIXTURES / "broken" / "short_row.md").read_bytes()

    response = post_upload(
        admin_client,
        django_capture_on_commit_callbacks,
        {"files": [upload("05.md", GOOD_DAY), upload("bad.md", broken)]},
    )

    content = admin_client.get(response["Location"]).content.decode()
    assert "bad.md:6: table row has 3 cells" in content
    assert "1 error" in content
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED
    assert Digest.objects.count() == 1
    assert not Paper.objects.filter(key="2503.00001").exists()


def test_an_upload_that_is_not_utf8_fails_its_job_with_the_error(
    admin_client, django_capture_on_commit_callbacks
):
    response = post_upload(
        admin_client,
        django_capture_on_commit_callbacks,
        {"files": [upload("latin.md", "## Caf\u00e9".encode("latin-1"))]},
    )

    assert (
        "latin.md:1: not UTF-8 text"
        in admin_client.get(response["Location"]).content.decode()
    )
    assert not Digest.objects.exists()


def test_a_dry_run_upload_saves_nothing(
    admin_client, django_capture_on_commit_callbacks
):
    response = post_upload(
        admin_client,
        django_capture_on_commit_callbacks,
        {"files": [upload("05.md", GOOD_DAY)], "dry_run": "on"},
    )

    content = admin_client.get(response["Location"]).content.decode()
    assert "as a dry run (nothing is saved)" in content
    assert "Dry run, nothing saved: 1 of 1 file" in content
    assert "2 new papers" in content
    assert not Paper.objects.exists()


def test_an_upload_larger_than_the_cap_is_refused_and_imports_nothing(
    admin_client, monkeypatch
):
    monkeypatch.setattr(admin_module, "MAX_UPLOAD_BYTES", 1024 * 1024)
    day = GOOD_DAY
    big = day + b" " * (1024 * 1024)

    response = admin_client.post(
        UPLOAD_URL, {"files": [upload("05.md", day), upload("big.md", big)]}
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "the upload page imports up to 1 MB at once" in content
    assert "manage.py import_digest" in content
    assert not Paper.objects.exists()
    assert not ImportJob.objects.exists()


def test_an_upload_without_files_shows_the_form_error(admin_client):
    response = admin_client.post(UPLOAD_URL, {})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_a_non_staff_user_is_sent_to_the_login_page(client):
    client.force_login(UserFactory())

    response = client.get(UPLOAD_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_add_digest_permission_are_refused(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_digest"))
    client.force_login(staff)

    assert client.get(UPLOAD_URL).status_code == 403
    assert client.post(UPLOAD_URL, {}).status_code == 403
    changelist = client.get(admin_url(Digest, "changelist")).content.decode()
    assert UPLOAD_URL not in changelist


def test_staff_with_the_add_digest_permission_can_upload(
    client, django_capture_on_commit_callbacks
):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="add_digest"))
    client.force_login(staff)

    response = post_upload(
        client,
        django_capture_on_commit_callbacks,
        {"files": [upload("05.md", GOOD_DAY)]},
    )

    assert response.status_code == 303
    assert Paper.objects.count() == 2
    # Whoever may upload may follow the job they started.
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.filterwarnings("error::django.core.paginator.UnorderedObjectListWarning")
@pytest.mark.parametrize(
    ("model_name", "field_name", "term", "expected"),
    [("paper", "tags", "Multi", "Multimodal"), ("authorship", "author", "Ada", "Ada")],
)
def test_autocomplete_finds_tags_and_authors_in_order(
    admin_client, model_name, field_name, term, expected
):
    PaperFactory(authors=["Ada Lovelace"], tags=["Multimodal"])

    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "papers",
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )

    assert response.status_code == 200
    assert expected in response.json()["results"][0]["text"]


def test_admin_pages_name_the_site_icon_and_fit_wide_lists(admin_client):
    content = admin_client.get(admin_url(Paper, "changelist")).content.decode()

    assert '<link rel="icon" href="/static/favicon.svg"' in content
    assert '<link rel="stylesheet" href="/static/css/admin.css">' in content


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    assert "max-age=86400" in response["Cache-Control"]
    assert client.head("/favicon.ico").status_code == 302
    assert client.post("/favicon.ico").status_code == 405
