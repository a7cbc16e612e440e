"""A write that waited out SQLite's busy timeout (an import holding the write lock)
answers 503 with Retry-After and saves nothing, instead of a 500."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from papers.busy_database import is_busy
from papers.models import Bookmark
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def locked(monkeypatch):
    def toggle(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("papers.views.bookmarks.set_or_toggle", toggle)


def test_a_toggle_that_finds_the_database_locked_says_try_again(client, locked):
    reader = UserFactory()
    client.force_login(reader)
    paper = PaperFactory()

    response = client.post(reverse("papers:bookmark-toggle", args=[paper.pk]))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "Your change was not saved" in page
    assert "Please try again in a few seconds" in page
    assert not Bookmark.objects.exists()


def test_an_htmx_toggle_gets_the_same_answer(client, locked):
    client.force_login(UserFactory())
    paper = PaperFactory()

    response = client.post(
        reverse("papers:bookmark-toggle", args=[paper.pk]), headers={"HX-Request": "1"}
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_only_a_locked_database_counts_as_busy():
    assert is_busy(OperationalError("database is locked"))
    assert not is_busy(OperationalError("no such table: papers_paper"))
    assert not is_busy(ValueError("database is locked"))


def test_the_api_answers_busy_in_its_error_shape(client, monkeypatch):
    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("papers.views.api.browse", locked)

    response = client.get(reverse("papers:api-list"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["status"] == 503
    assert "nothing was saved" in body["message"]
