import datetime
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.count_cache import _key
from papers.importer.loader import load_digest
from papers.importer.records import DigestRecord
from papers.models import Bookmark, Paper
from tests.factories import PaperFactory, PaperRecordFactory, UserFactory

LIST = reverse("papers:list")
DAY = datetime.date(2025, 3, 4)


@pytest.fixture(autouse=True)
def count_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    cache.clear()
    yield
    cache.clear()


def queries_for(client, url: str, params: dict) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as context:
        html = client.get(url, params).content.decode()
    return len(context.captured_queries), html


@pytest.mark.django_db
def test_a_repeated_state_reuses_its_counts(client):
    for n in range(3):
        PaperFactory(tags=["RL"], authors=[f"Author {n}"], days=[DAY])

    first, html = queries_for(client, LIST, {"tag": "RL"})
    again, cached_html = queries_for(client, LIST, {"tag": "RL"})

    # The total and the four facet counts come from the cache the second time.
    assert again <= first - 5
    assert "3 papers" in html and "3 papers" in cached_html


@pytest.mark.django_db
def test_an_import_makes_the_counts_current(client, django_capture_on_commit_callbacks):
    PaperFactory(tags=["RL"], days=[DAY])
    assert "1 paper" in client.get(LIST).content.decode()

    # The invalidation runs when the import commits.
    with django_capture_on_commit_callbacks(execute=True):
        load_digest(
            DigestRecord(
                date=DAY,
                papers=(
                    PaperRecordFactory(tags=("RL",)),
                    PaperRecordFactory(tags=("RL",)),
                ),
                source="test.md",
                line=1,
            )
        )

    assert "3 papers" in client.get(LIST).content.decode()


@pytest.mark.django_db
def test_an_admin_edit_makes_the_counts_current(admin_client, client):
    paper = PaperFactory(tags=["RL"], days=[DAY])
    assert "1 paper" in client.get(LIST, {"tag": "RL"}).content.decode()

    response = admin_client.post(
        reverse("admin:papers_paper_delete", args=[paper.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Paper.objects.exists()
    assert "0 papers" in client.get(LIST, {"tag": "RL"}).content.decode()


@pytest.mark.django_db
def test_a_readers_own_filters_are_never_cached(client):
    reader = UserFactory()
    client.force_login(reader)
    papers = [PaperFactory(days=[DAY]) for _ in range(2)]
    assert "0 papers" in client.get(LIST, {"bookmarked": "1"}).content.decode()

    Bookmark.objects.create(user=reader, paper=papers[0])

    assert "1 paper" in client.get(LIST, {"bookmarked": "1"}).content.decode()
    bookmarks = client.get(reverse("papers:bookmarks")).content.decode()
    assert "1 paper" in bookmarks


@pytest.mark.django_db
def test_the_same_query_on_another_database_is_not_shared():
    queryset = Paper.objects.values_list("has_code")
    database = connections["default"].settings_dict
    name = database["NAME"]
    here = _key(queryset, "rows")
    database["NAME"] = "another-site.sqlite3"
    try:
        elsewhere = _key(queryset, "rows")
    finally:
        database["NAME"] = name
    assert elsewhere != here
    assert _key(queryset, "rows") == here


@pytest.mark.django_db
def test_the_import_command_leaves_the_list_page_counted(client, tmp_path):
    day = tmp_path / "01.md"
    day.write_text(
        "## Papers for 2025-03-04\n\n| Title | Authors | Summary |\n|---|---|---|\n"
        "| [A paper](https://arxiv.org/abs/2503.00001) | Ada | - A point. |\n",
        encoding="utf-8",
    )
    call_command("import_digest", str(day), stdout=StringIO())
    after_import, html = queries_for(client, LIST, {})
    again, _ = queries_for(client, LIST, {})

    # The first visitor already finds the total and the facet counts in the cache.
    assert after_import == again
    assert "1 paper" in html
