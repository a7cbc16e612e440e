"""The processes of one machine share a browse index: one builds it and saves it, the
others load it (papers.browse.shared). Here the other processes are played by
forgetting this process's index, or by holding the build lock through a second
open file, which `flock` treats as another holder; one test runs real processes."""

import datetime
import os
import threading

import numpy as np
import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper

from papers.browse import index as browse_index
from papers.browse.shared import KEEP_OLDER, IndexStore, database_identity
from papers.browse.version import bump_data_version, current_state, current_version
from tests.digests import Row, write_digest
from tests.factories import PaperFactory
from tests.site_processes import site_processes
from tests.test_browse_freshness import listed, tag_counts

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A store for the test database, which lives in memory and so has none."""
    shared = IndexStore(tmp_path / "shared")
    monkeypatch.setattr(browse_index, "index_store", lambda using: shared)
    browse_index.forget_indexes()
    yield shared
    browse_index.forget_indexes()


@pytest.fixture
def real_build(monkeypatch):
    """FacetIndex.build, for the other processes a test plays; this process's own
    calls fail the test: it must load what the others saved."""
    real = browse_index.FacetIndex.build

    def build(**kwargs):
        pytest.fail("built an index instead of loading the saved one")

    monkeypatch.setattr(browse_index.FacetIndex, "build", build)
    return real


def some_papers():
    PaperFactory(
        title="Agents",
        tags=["RL", "Agents"],
        authors=["Ada Lovelace", "Émile Noël"],
        days=[D(2025, 3, 1), D(2025, 4, 2)],
        github_urls=["https://github.com/a/b"],
        huggingface_urls=["https://huggingface.co/a/b"],
    )
    PaperFactory(
        title="Vision", tags=["Vision"], authors=["Alan T"], days=[D(2025, 3, 2)]
    )
    PaperFactory(title="Undated")


def test_a_saved_index_is_the_built_one(store):
    some_papers()
    built = browse_index.FacetIndex.build()
    assert store.save(built.version, *built.saved())

    loaded = browse_index.FacetIndex.from_saved(*store.load(built.version))

    meta, arrays = built.saved()
    loaded_meta, loaded_arrays = loaded.saved()
    assert loaded_meta == meta
    assert sorted(loaded_arrays) == sorted(arrays)
    for name, array in arrays.items():
        assert loaded_arrays[name].dtype == array.dtype, name
        assert np.array_equal(loaded_arrays[name], array), name
        assert not loaded_arrays[name].flags.writeable, name  # mapped, shared
    assert loaded.tag_values == built.tag_values
    assert loaded.latest_digest == D(2025, 4, 2)
    names = [loaded.author_names[value] for value in range(len(loaded.author_ids))]
    assert sorted(names) == ["Ada Lovelace", "Alan T", "Émile Noël"]


def test_a_process_browses_with_the_index_another_one_saved(store, real_build):
    some_papers()
    built = real_build()
    store.save(built.version, *built.saved())
    expected = _browsed_with(built)
    browse_index.forget_indexes()  # a new worker: it loads, it does not build

    assert _browsed() == expected
    assert isinstance(browse_index.facet_index().paper_ids, np.memmap)


def test_the_process_that_builds_saves_the_index_for_the_others(store, monkeypatch):
    some_papers()
    listed()  # builds and saves
    version = current_version()
    assert store.load(version) is not None

    browse_index.forget_indexes()  # another worker
    monkeypatch.setattr(browse_index.FacetIndex, "build", pytest.fail)
    assert browse_index.facet_index().version == version


def test_while_another_process_builds_a_worker_answers_from_the_index_it_has(
    store, real_build
):
    PaperFactory(title="Old", tags=["RL"], days=[D(2025, 3, 1)])
    browse_index._built["default"] = previous = real_build()
    PaperFactory(title="New", tags=["RL"], days=[D(2025, 3, 2)])
    state = current_state()

    with store.build_lock(wait=False) as building:  # the other process
        assert building
        assert browse_index.facet_index(state=state) is previous
        assert listed() == ["Old"]
        # The other process saves the new index, then lets go of the lock.
        new = real_build()
        store.save(new.version, *new.saved())

    assert browse_index.facet_index(state=current_state()).version == new.version
    assert sorted(listed()) == ["New", "Old"]


def test_a_worker_without_an_index_waits_for_the_other_process_and_loads_its(
    store, real_build
):
    PaperFactory(title="Only", days=[D(2025, 3, 1)])
    state = current_state()
    result = {}
    other_process_holds = threading.Event()
    let_go = threading.Event()

    built = real_build()  # here: the test's data is this thread's transaction

    def other_process():
        with store.build_lock(wait=False) as building:
            assert building
            other_process_holds.set()
            assert let_go.wait(10)
            store.save(built.version, *built.saved())

    builder = threading.Thread(target=other_process)
    builder.start()
    assert other_process_holds.wait(10)
    waiter = threading.Thread(
        target=lambda: result.setdefault("index", browse_index.facet_index(state=state))
    )
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive()  # nothing to answer from: it waits for the other one
    let_go.set()
    builder.join(10)
    waiter.join(10)
    assert result["index"].version == state.token
    assert isinstance(result["index"].paper_ids, np.memmap)


def test_only_the_newest_indexes_are_kept(store):
    PaperFactory(days=[D(2025, 3, 1)])
    versions = []
    for _ in range(KEEP_OLDER + 3):
        bump_data_version()
        built = browse_index.FacetIndex.build()
        store.save(built.version, *built.saved())
        versions.append(built.version)
        os.utime(store.folder / built.version)  # ordered even on coarse clocks
    left = {entry.name for entry in store.folder.iterdir() if entry.is_dir()}
    assert left == set(versions[-(KEEP_OLDER + 1) :])


def test_a_broken_saved_index_is_built_again(store):
    PaperFactory(title="Only", days=[D(2025, 3, 1)])
    version = current_version()
    broken = store.folder / version
    broken.mkdir(parents=True)
    (broken / "meta.json").write_text('{"arrays": ["paper_ids"]}')  # no such file

    assert store.load(version) is None
    assert listed() == ["Only"]


def test_an_unwritable_folder_leaves_each_process_its_own_index(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setattr(
        browse_index, "index_store", lambda using: IndexStore(blocked / "shared")
    )
    browse_index.forget_indexes()
    PaperFactory(title="Only", days=[D(2025, 3, 1)])

    assert listed() == ["Only"]
    assert not isinstance(browse_index.facet_index().paper_ids, np.memmap)


def test_every_process_names_a_database_file_alike_and_memory_never(tmp_path):
    def sqlite(name):
        return SQLiteWrapper({**connection.settings_dict, "NAME": name}, alias="probe")

    first = database_identity(sqlite(str(tmp_path / "a.sqlite3")))
    assert first is not None
    assert database_identity(sqlite(str(tmp_path / "." / "a.sqlite3"))) == first
    assert database_identity(sqlite(str(tmp_path / "b.sqlite3"))) != first
    assert database_identity(sqlite(":memory:")) is None
    assert database_identity(sqlite("file:memorydb_default?mode=memory")) is None


def _browsed():
    return (
        listed(),
        tag_counts(),
        listed("tag=RL&sort=title"),
        listed("has_code=1"),
        listed("has_hf=0"),
        listed("author=Émile Noël"),
        listed("date_from=2025-04-01"),
    )


def _browsed_with(index):
    browse_index._built["default"] = index
    return _browsed()


WORKER_THAT_MUST_NOT_BUILD = """
import django
django.setup()
from django.http import QueryDict
from papers.browse import index
from papers.browse.engine import Scope, browse
from papers.browse.reader import Reader

def refuse(**kwargs):
    raise SystemExit("the worker built its own index")

index.FacetIndex.build = refuse
result = browse(Scope(path="/"), QueryDict(), Reader())
print(sorted(paper.title for paper in result.page))
"""


UNGUARDED_IMPORT_SCRIPT = """
import django
django.setup()
from django.core.management import call_command
call_command("import_digest", {path!r}, verbosity=2)
"""


def test_an_import_saves_the_index_its_papers_are_browsed_with(tmp_path):
    # Real processes: the command imports into a database file, and a web worker
    # that had no index browses the papers with the one the command saved.
    run = site_processes(tmp_path)
    digest = write_digest(
        tmp_path,
        "2025-03-10.md",
        "2025-03-10",
        Row("2503.00001", title="Saved for the workers"),
    )
    # An admin's script, without a `__main__` guard: the process that builds the
    # index must not run it again.
    script = tmp_path / "nightly.py"
    script.write_text(UNGUARDED_IMPORT_SCRIPT.format(path=str(digest)))
    imported = run(str(script))

    assert imported.count("Imported ") == 1
    assert "Built the browse index in" in imported
    assert "in a process of its own" in imported  # not in the import's memory
    assert run("-c", WORKER_THAT_MUST_NOT_BUILD).strip() == "['Saved for the workers']"


def test_the_process_that_builds_gives_back_its_own_copy(store, monkeypatch):
    # glibc keeps freed memory for the process: a worker that built a million
    # papers' index held 305 MB after switching to the saved copy, 62 MB once
    # given back (docs/benchmarks.md).
    some_papers()
    given_back = []
    monkeypatch.setattr(browse_index, "_malloc_trim", given_back.append)

    index = browse_index.facet_index()

    assert isinstance(index.paper_ids, np.memmap)  # the saved copy answers
    assert given_back == [0, 0]  # after the build, and after dropping its copy


def test_a_version_saved_twice_keeps_the_first_copy(store):
    # Two processes built the same version at once: the second finds it saved.
    PaperFactory(days=[D(2025, 3, 1)])
    built = browse_index.FacetIndex.build()
    assert store.save(built.version, *built.saved())
    first = (store.folder / built.version / "meta.json").stat().st_ino

    assert store.save(built.version, *built.saved())

    assert (store.folder / built.version / "meta.json").stat().st_ino == first
    assert [entry.name for entry in store.folder.iterdir() if entry.is_dir()] == [
        built.version
    ]
