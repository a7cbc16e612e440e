"""Every page and fragment of the site, rendered: no template syntax reaches the HTML.

A `{# ... #}` comment spanning lines is not a comment to Django: it is printed as text.
Such a slip (or an unclosed `{% %}` / `{{ }}`) shows only on the page that renders it,
so this walks them all: public pages, a reader's pages, the account and password pages,
the admin (changelists, change forms, the upload page), the error pages and the htmx
fragments.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views import defaults

from papers.models import (
    Appearance,
    Author,
    Authorship,
    Bookmark,
    Digest,
    Dismissal,
    Paper,
    ReaderProfile,
    ReadingList,
    SavedSearch,
    Tag,
)
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db

MAR_11 = datetime.date(2025, 3, 11)
MAR_12 = datetime.date(2025, 3, 12)
# Openers, and the end of a comment; closers alone occur in JSON data attributes.
TEMPLATE_SYNTAX = re.compile(r"\{#|#\}|\{%|\{\{")
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}


def leaked_syntax(html: str) -> list[str]:
    """Each piece of template syntax in the HTML, with a little context."""
    return [
        html[max(0, match.start() - 60) : match.end() + 60]
        for match in TEMPLATE_SYNTAX.finditer(html)
    ]


@pytest.fixture
def site():
    """Two papers on two days (links, tags, authors), and a reader who has
    bookmarked one with a note, put it on a list, dismissed the other and saved a
    search."""
    first = PaperFactory(
        key="2503.07365",
        title="MM-Eureka: Exploring Visual Aha Moment",
        summary="- A first point.\n- A second point.\n- A third point.",
        github_urls=["https://github.com/ModalMinds/MM-EUREKA"],
        huggingface_urls=["https://huggingface.co/papers/2503.07365"],
        authors=["Fanqing Meng", "Lingxiao Du"],
        tags=["Multimodal", "Reinforcement Learning"],
        days=[MAR_11, MAR_12],
    )
    second = PaperFactory(
        key="2503.08000",
        title="A paper without links",
        authors=["Lingxiao Du"],
        tags=["Multimodal"],
        days=[MAR_11],
    )
    reader = UserFactory(username="ada")
    ReaderProfile.objects.create(user=reader)
    bookmark = Bookmark.objects.create(user=reader, paper=first, note="Read twice.")
    ReadingList.objects.create(user=reader, name="To read").bookmarks.add(bookmark)
    Dismissal.objects.create(user=reader, paper=second)
    SavedSearch.objects.create(
        user=reader,
        name="Multimodal",
        query_string="tag=Multimodal",
        last_opened_at=datetime.datetime(2025, 3, 11, tzinfo=datetime.UTC),
    )
    return {"first": first, "second": second, "reader": reader}


def assert_clean(client, url: str, *, method: str = "get", **extra) -> None:
    response = getattr(client, method)(url, **extra)
    assert response.status_code in (200, 400), (url, response.status_code)
    assert not leaked_syntax(response.text), (url, leaked_syntax(response.text))


PUBLIC_PAGES = [
    "/",
    "/?tag=Multimodal&has_code=1&q=eureka&sort=title",
    "/?date_from=not-a-date",
    "/?page=2",
    "/?sort=for_you",  # refused to anonymous readers, next to the sort field
    "/papers/2503.07365/",
    "/papers/2503.08000/",
    "/days/2025-03-11/",
    "/weeks/2025-W11/",
    "/months/2025-03/",
    "/archive/",
    "/authors/suggest?q=Du",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/done/",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_show_no_template_syntax(client, site, url):
    assert_clean(client, url)


def test_author_and_tag_pages_show_no_template_syntax(client, site):
    author = Author.objects.get(name="Lingxiao Du")
    assert_clean(client, reverse("papers:author", args=[author.pk]))
    assert_clean(client, reverse("papers:tag", args=["multimodal"]))


READER_PAGES = [
    "/",
    "/?sort=for_you",
    "/for-you/",
    "/trends/?sort=for_you",
    "/bookmarks/",
    "/bookmarks/?status=unread&sort=title",
    "/bookmarks/lists/",
    "/saved/",
    "/accounts/",
    "/accounts/password_change/",
    "/accounts/password_change/done/",
    "/papers/2503.07365/",
    "/days/2025-03-11/",
    "/weeks/2025-W11/",
]


@pytest.mark.parametrize("url", READER_PAGES)
def test_a_readers_pages_show_no_template_syntax(client, site, url):
    client.force_login(site["reader"])
    assert_clean(client, url)


def test_the_password_reset_link_page_shows_no_template_syntax(client, site):
    reader = site["reader"]
    uid = urlsafe_base64_encode(force_bytes(reader.pk))
    token = default_token_generator.make_token(reader)
    response = client.get(f"/accounts/reset/{uid}/{token}/", follow=True)
    assert response.status_code == 200
    assert "new_password1" in response.text
    assert not leaked_syntax(response.text)
    # A used or forged link has its own wording.
    assert_clean(client, f"/accounts/reset/{uid}/bad-token/")


def test_the_logged_out_page_shows_no_template_syntax(client, site):
    client.force_login(site["reader"])
    response = client.post("/accounts/logout/")
    assert not leaked_syntax(response.text)


HTMX_FRAGMENTS = [
    "/",
    "/tags/multimodal/?has_code=1",
    "/?tag=Multimodal&page=2",
    "/?tag=Multimodal&tag_mode=all",
    "/?sort=for_you",
    "/bookmarks/",
    "/authors/suggest?author_q=Du",
    "/?tag_q=multi",
]


@pytest.mark.parametrize("url", HTMX_FRAGMENTS)
def test_htmx_fragments_show_no_template_syntax(client, site, url):
    client.force_login(site["reader"])
    assert_clean(client, url, **HTMX)


def test_htmx_answers_to_a_readers_actions_show_no_template_syntax(client, site):
    client.force_login(site["reader"])
    first, second = site["first"], site["second"]
    bookmark = Bookmark.objects.get(paper=first)
    posts = [
        (reverse("papers:bookmark-toggle", args=[second.pk]), {}),
        (reverse("papers:bookmark-note", args=[first.pk]), {"note": "Again."}),
        (reverse("papers:bookmark-status", args=[first.pk]), {"status": "read"}),
        (
            reverse("papers:bookmark-lists", args=[first.pk]),
            {"lists": [bookmark.lists.first().pk]},
        ),
        (reverse("papers:dismiss-toggle", args=[second.pk]), {}),
    ]
    for url, data in posts:
        assert_clean(client, url, method="post", data=data, **HTMX)


ADMIN_MODELS = [
    Paper,
    Author,
    Tag,
    Digest,
    Bookmark,
    ReadingList,
    Dismissal,
    ReaderProfile,
    SavedSearch,
    Appearance,
    Authorship,
]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model.__name__)
def test_admin_pages_show_no_template_syntax(admin_client, site, model):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert_clean(admin_client, reverse(f"{name}_changelist"))
    assert_clean(
        admin_client, reverse(f"{name}_change", args=[model.objects.first().pk])
    )


def test_admin_index_and_upload_page_show_no_template_syntax(admin_client, site):
    assert_clean(admin_client, reverse("admin:index"))
    assert_clean(admin_client, reverse("admin:papers_digest_upload"))
    assert_clean(admin_client, reverse("admin:papers_paper_add"))


def test_error_pages_show_no_template_syntax(client, site):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert not leaked_syntax(response.text)
    request = RequestFactory().get("/")
    for page in (
        defaults.bad_request(request, Exception()),
        defaults.permission_denied(request, Exception()),
        defaults.server_error(request),
    ):
        html = page.content.decode()
        assert "AI paper digests" in html
        assert not leaked_syntax(html)


def test_the_check_finds_a_comment_spread_over_two_lines():
    html = "<p>{# After the results\n in source order #}</p>"
    assert len(leaked_syntax(html)) == 2
    assert leaked_syntax("<p>{% url 'x' %} {{ paper }}</p>")
    assert not leaked_syntax('<p data-x="{&quot;x&quot;: {&quot;y&quot;: 1}}">{}</p>')


def test_no_template_opens_a_comment_it_does_not_close_on_the_same_line():
    templates = Path(__file__).resolve().parents[1] / "templates"
    unclosed = [
        f"{path.relative_to(templates)}:{number}"
        for path in sorted(templates.rglob("*.*"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert not unclosed


def test_the_lockout_and_failed_login_pages_show_no_template_syntax(client, site):
    for _ in range(6):
        response = client.post(
            reverse("login"), {"username": "ada", "password": "wrong"}
        )
        assert not leaked_syntax(response.text)
    assert response.status_code == 429


def test_the_upload_summary_and_signup_errors_show_no_template_syntax(
    admin_client, client, site, django_capture_on_commit_callbacks
):
    digest = (
        "## Papers for 2025-03-13\n\n"
        "| Title | Authors | Summary | Classification | GitHub URLs "
        "| HuggingFace URLs |\n"
        "|---|---|---|---|---|---|\n"
        "| [Uploaded](https://arxiv.org/abs/2503.09999) | Ada | - Text. | [] | | |\n"
    )
    upload = SimpleUploadedFile("13.md", digest.encode(), content_type="text/markdown")
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = admin_client.post(
            reverse("admin:papers_digest_upload"), {"files": [upload]}
        )
    assert uploaded.status_code == 303
    # The import job's page, holding the summary.
    assert_clean(admin_client, uploaded["Location"])
    assert_clean(
        client,
        "/accounts/signup/",
        method="post",
        data={"username": "", "password1": "x"},
    )
