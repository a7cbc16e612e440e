"""Clean list URLs: the pure rules, then the redirects of the browsing views."""

import datetime

import pytest
from django.http import QueryDict
from django.urls import reverse

from papers.clean_urls import clean_params, clean_url
from papers.models import Author, Bookmark, Paper
from tests.factories import PaperFactory, UserFactory

HTMX = {"HX-Request": "true"}


def clean(query: str, default_sort: str = "newest") -> str:
    return clean_params(QueryDict(query), default_sort=default_sort).urlencode()


# --- The rules, without a database ---


def test_what_a_form_without_javascript_submits_becomes_the_short_query():
    submitted = (
        "q=&tag=Robotics&tag_mode=&tag_q=&author_q=&date_from=&date_to="
        "&has_code=1&has_hf=&sort=&page="
    )
    assert clean(submitted) == "tag=Robotics&has_code=1"


@pytest.mark.parametrize(
    "query",
    ["tag_mode=any", "page=1", "sort=newest", "q=+", "tag=&tag=", "q=&page=1"],
)
def test_default_values_mean_no_parameter(query):
    assert clean(query) == ""


def test_the_default_sort_depends_on_the_page_and_the_search():
    assert clean("q=agent&sort=relevance") == "q=agent"
    assert clean("q=agent&sort=newest") == "q=agent&sort=newest"
    assert clean("sort=bookmarked", default_sort="bookmarked") == ""
    assert clean("sort=newest", default_sort="bookmarked") == "sort=newest"


def test_order_repeats_and_invalid_values_are_kept():
    query = "tag=B&author=Ann&tag=A&tag=&page=x&date_from=2025-13-01"
    assert clean(query) == "tag=B&tag=A&author=Ann&page=x&date_from=2025-13-01"


def test_a_clean_query_needs_no_redirect():
    params = QueryDict("tag=Robotics&has_code=1")
    assert clean_url("/", params, default_sort="newest") is None
    assert clean_url("/", QueryDict("q="), default_sort="newest") == "/"
    assert (
        clean_url("/tags/rl/", QueryDict("q=a b&sort="), default_sort="newest")
        == "/tags/rl/?q=a+b"
    )


# --- The views ---


@pytest.fixture
def papers(db):
    PaperFactory(
        title="Gripper with a repository",
        tags=["Robotics"],
        authors=["Ann"],
        github_urls=["https://github.com/a/b"],
        days=[datetime.date(2025, 3, 11)],
    )
    PaperFactory(
        title="Gripper on paper only",
        tags=["Robotics"],
        authors=["Ann"],
        days=[datetime.date(2025, 3, 11)],
    )


FORM_SUBMISSION = "q=&tag_mode=&tag_q=&author_q=&date_from=&date_to=&has_code=1&sort="


def test_the_list_author_and_tag_pages_redirect_to_the_clean_url(client, papers):
    author = Author.objects.get(name="Ann")
    for path in ("/", reverse("papers:author", args=[author.pk]), "/tags/robotics/"):
        response = client.get(f"{path}?{FORM_SUBMISSION}")
        assert response.status_code == 302
        assert response["Location"] == f"{path}?has_code=1"
        clean_page = client.get(response["Location"])
        assert clean_page.status_code == 200
        assert "Gripper with a repository" in clean_page.text
        assert "Gripper on paper only" not in clean_page.text


def test_my_bookmarks_redirect_to_the_clean_url(client, papers):
    reader = UserFactory()
    for paper in Paper.objects.all():
        Bookmark.objects.create(user=reader, paper=paper)
    client.force_login(reader)

    response = client.get(f"/bookmarks/?{FORM_SUBMISSION}&status=&list=")

    assert response.status_code == 302
    assert response["Location"] == "/bookmarks/?has_code=1"
    assert client.get("/bookmarks/?sort=bookmarked")["Location"] == "/bookmarks/"


def test_htmx_requests_and_the_api_are_answered_as_they_are(client, papers):
    response = client.get(f"/?{FORM_SUBMISSION}", headers=HTMX)
    assert response.status_code == 200
    assert "Gripper with a repository" in response.text
    assert "Gripper on paper only" not in response.text
    assert client.get(f"/api/papers?{FORM_SUBMISSION}").status_code == 200


def test_clean_urls_are_not_redirected(client, papers):
    assert client.get("/?tag=Robotics&has_code=1").status_code == 200
    assert client.get("/").status_code == 200
