"""The browse index follows the data: after an import, an admin edit or a delete, the
next request sees the change, whichever process made it (the version lives in the
database)."""

import dataclasses
import datetime
import gc
import threading

import pytest
from django.http import QueryDict
from django.urls import reverse

from papers.browse import index as browse_index
from papers.browse.engine import Scope, browse
from papers.browse.reader import Reader
from papers.browse.version import bump_data_version, current_state, current_version
from papers.importer.loader import load_digest
from papers.models import DataVersion, Paper, Tag
from tests.factories import PaperFactory, PaperRecordFactory, digest_record
from tests.test_admin import admin_url, change_form_data

pytestmark = pytest.mark.django_db
D = datetime.date


def listed(params: str = "") -> list[str]:
    result = browse(Scope(path="/"), QueryDict(params), Reader())
    return [paper.title for paper in result.page]


def tag_counts(params: str = "") -> dict[str, int]:
    result = browse(Scope(path="/"), QueryDict(params), Reader())
    return {value.value: value.count for value in result.facets.tag.values}


def test_an_import_is_seen_by_the_next_request():
    PaperFactory(title="Old", days=[D(2025, 3, 1)])
    assert listed() == ["Old"]
    row = PaperRecordFactory(title="Imported", tags=("RL",))
    load_digest(digest_record(D(2025, 3, 2), [row]))
    assert listed() == ["Imported", "Old"]
    assert tag_counts() == {"RL": 1}


def test_a_dry_run_import_leaves_the_version_alone():
    before = current_version()
    load_digest(digest_record(D(2025, 3, 2), [PaperRecordFactory()]), dry_run=True)
    assert current_version() == before


def test_an_admin_edit_of_the_tags_is_seen_by_the_next_request(admin_client):
    paper = PaperFactory(title="Edited", tags=["RL"], days=[D(2025, 3, 1)])
    assert tag_counts() == {"RL": 1}
    vision = Tag.objects.create(name="Vision", slug="vision")
    data = change_form_data(paper, tags=[vision.pk])
    response = admin_client.post(admin_url(Paper, "change", paper.pk), data)
    assert response.status_code == 302
    assert tag_counts() == {"Vision": 1}


def test_an_admin_delete_is_seen_by_the_next_request(admin_client):
    PaperFactory(title="Kept", days=[D(2025, 3, 1)])
    gone = PaperFactory(title="Deleted", days=[D(2025, 3, 2)])
    assert listed() == ["Deleted", "Kept"]
    response = admin_client.post(admin_url(Paper, "delete", gone.pk), {"post": "yes"})
    assert response.status_code == 302
    assert listed() == ["Kept"]


def test_orm_writes_bump_the_version():
    paper = PaperFactory(title="A")
    for write in (
        lambda: paper.tags.add(Tag.objects.create(name="X", slug="x")),
        lambda: Paper.objects.filter(pk=paper.pk).refresh_digest_dates(),
        lambda: paper.delete(),
    ):
        before = current_version()
        write()
        assert current_version() != before


def test_a_change_made_by_another_process_triggers_a_rebuild(client):
    """Another worker or server wrote and bumped the token: this process rebuilds,
    although nothing in it saw the write."""
    PaperFactory(title="First", days=[D(2025, 3, 1)])
    client.get(reverse("papers:list"))
    built = browse_index._built["default"]
    # As another process would: a bulk write, then the version in the database.
    Paper.objects.update(title="Renamed")
    DataVersion.objects.filter(pk=1).update(token="from-another-server")
    response = client.get(reverse("papers:list"), {"sort": "title"})
    assert "Renamed" in response.content.decode()
    assert browse_index._built["default"] is not built
    assert browse_index._built["default"].version == "from-another-server"


def test_an_unchanged_version_reuses_the_index():
    PaperFactory(title="Only", days=[D(2025, 3, 1)])
    listed()
    built = browse_index._built["default"]
    listed("sort=title")
    assert browse_index._built["default"] is built


def test_a_database_without_a_version_row_gets_one_on_the_next_write():
    DataVersion.objects.all().delete()
    assert current_version() == ""
    bump_data_version()
    assert len(current_version()) == 32


def test_the_first_index_build_freezes_what_the_process_has_loaded():
    # A full garbage collection then skips the modules, templates and index, instead
    # of walking them in the middle of a request.
    PaperFactory(days=[D(2025, 3, 1)])
    browse_index.forget_indexes()
    listed()
    assert gc.get_freeze_count() > 0


class _SlowBuild:
    """Stands in for FacetIndex.build: returns `index` once released."""

    def __init__(self, index):
        self.index = index
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, *, using):
        self.started.set()
        assert self.release.wait(10)
        return self.index


def _in_thread(call):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("index", call()))
    thread.start()
    return thread, result


def test_while_one_thread_rebuilds_the_others_answer_from_the_index_they_have(
    monkeypatch, settings
):
    # A worker's other requests must not queue behind a rebuild of many seconds.
    settings.BROWSE_INDEX_DIR = ""  # the threads of one process (no saved copies)
    PaperFactory(days=[D(2025, 3, 1)])
    listed()
    previous = browse_index._built["default"]
    bump_data_version()
    state = current_state()
    build = _SlowBuild(browse_index.FacetIndex.build())
    monkeypatch.setattr(browse_index.FacetIndex, "build", build)

    builder, built = _in_thread(lambda: browse_index.facet_index(state=state))
    assert build.started.wait(10)
    assert browse_index.facet_index(state=state) is previous
    build.release.set()
    builder.join(10)
    assert built["index"] is build.index
    assert browse_index.facet_index(state=state) is build.index


def test_without_an_index_every_thread_waits_for_the_first_build(monkeypatch, settings):
    settings.BROWSE_INDEX_DIR = ""  # the threads of one process (no saved copies)
    PaperFactory(days=[D(2025, 3, 1)])
    browse_index.forget_indexes()
    state = current_state()
    build = _SlowBuild(browse_index.FacetIndex.build())
    monkeypatch.setattr(browse_index.FacetIndex, "build", build)

    builder, _ = _in_thread(lambda: browse_index.facet_index(state=state))
    assert build.started.wait(10)
    waiter, waited = _in_thread(lambda: browse_index.facet_index(state=state))
    waiter.join(0.3)
    assert waiter.is_alive()  # nothing to answer from: it waits for the build
    build.release.set()
    builder.join(10)
    waiter.join(10)
    assert waited["index"] is build.index


def test_a_long_build_runs_on_a_thread_while_every_request_answers(
    monkeypatch, settings
):
    # At a million papers a build takes about 10 s: the request that finds the data
    # changed (after an admin's edit) must not wait for it either.
    settings.BROWSE_INDEX_DIR = ""  # the threads of one process (no saved copies)
    PaperFactory(title="Old", days=[D(2025, 3, 1)])
    listed()
    slow = dataclasses.replace(browse_index._built["default"], built_in=5.0)
    browse_index._built["default"] = slow
    PaperFactory(title="New", days=[D(2025, 3, 2)])
    state = current_state()
    build = _SlowBuild(
        dataclasses.replace(browse_index.FacetIndex.build(), built_in=5.0)
    )
    monkeypatch.setattr(browse_index.FacetIndex, "build", build)

    assert browse_index.facet_index(state=state) is slow  # at once
    assert build.started.wait(10)  # on its own thread
    assert browse_index.facet_index(state=state) is slow  # and no second build
    build.release.set()
    builder = next(t for t in threading.enumerate() if t.name == "browse-index")
    builder.join(10)
    assert browse_index.facet_index(state=state) is build.index


def test_a_long_build_is_not_needed_when_another_process_saved_the_index(
    tmp_path, monkeypatch
):
    from papers.browse.shared import IndexStore

    store = IndexStore(tmp_path / "shared")
    monkeypatch.setattr(browse_index, "index_store", lambda using: store)
    PaperFactory(title="Old", days=[D(2025, 3, 1)])
    browse_index.forget_indexes()
    listed()
    slow = dataclasses.replace(browse_index._built["default"], built_in=5.0)
    browse_index._built["default"] = slow
    PaperFactory(title="New", days=[D(2025, 3, 2)])
    saved = browse_index.FacetIndex.build()
    store.save(saved.version, *saved.saved())  # by another process
    monkeypatch.setattr(browse_index.FacetIndex, "build", pytest.fail)

    assert sorted(listed()) == ["New", "Old"]  # loaded in the request itself
    browse_index.forget_indexes()
