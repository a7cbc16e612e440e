import os
import sqlite3
import threading
import time

import pytest
from django.db import OperationalError
from django.db.backends.sqlite3 import base

from digestsite.settings import database_from_environment
from digestsite.sqlite_backend import waiting_writers
from digestsite.sqlite_backend.base import DatabaseWrapper


def site_connection(path, *, timeout: float = 20) -> DatabaseWrapper:
    """A connection configured as the site's, outside the test database machinery."""
    database = database_from_environment()
    database = {
        **database,
        "NAME": str(path),
        "TIME_ZONE": None,
        "OPTIONS": {**database["OPTIONS"], "timeout": timeout},
    }
    wrapper = DatabaseWrapper(database, alias="check")
    wrapper.connection = wrapper.get_new_connection(wrapper.get_connection_params())
    wrapper.connection.isolation_level = None  # autocommit, as Django runs it
    return wrapper


@pytest.fixture
def database_path(tmp_path, monkeypatch):
    path = tmp_path / "site.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE note (text TEXT)")
    setup.close()
    return path


def hold_write_lock(path, seconds: float) -> threading.Thread:
    """Another writer holding the lock for `seconds`, started before this returns."""
    locked = threading.Event()

    def writer() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=writer)
    thread.start()
    locked.wait()
    return thread


def test_the_site_uses_the_polling_backend_on_sqlite(database_path):
    assert database_from_environment()["ENGINE"] == "digestsite.sqlite_backend"


def test_a_write_transaction_begins_as_soon_as_the_lock_is_free(database_path):
    connection = site_connection(database_path)
    holder = hold_write_lock(database_path, 0.3)
    started = time.monotonic()
    connection._start_transaction_under_autocommit()
    waited = time.monotonic() - started
    connection.connection.execute("INSERT INTO note VALUES ('mine')")
    connection.connection.execute("COMMIT")
    holder.join()
    # SQLite's own busy handler would have looked again only after up to 100 ms.
    assert 0.25 < waited < 0.35
    # The connection keeps its busy timeout for every other statement.
    busy_timeout = connection.connection.execute("PRAGMA busy_timeout").fetchone()
    assert busy_timeout[0] == 20_000
    connection.connection.close()


def test_a_writer_that_never_gets_the_lock_fails_after_the_timeout(database_path):
    connection = site_connection(database_path, timeout=0.2)
    holder = hold_write_lock(database_path, 0.5)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="database is locked"):
        connection._start_transaction_under_autocommit()
    assert 0.15 < time.monotonic() - started < 0.4
    holder.join()
    connection.connection.close()


def test_a_statement_that_met_another_connections_schema_change_runs_again(
    database_path, monkeypatch
):
    connection = site_connection(database_path)
    failures = []
    execute = base.SQLiteCursorWrapper.execute

    def changed_once(self, query, params=None):
        if not failures:  # as FTS5 reports a commit of new triggers mid-prepare
            failure = sqlite3.OperationalError("vtable constructor failed: note")
            failure.sqlite_errorcode = sqlite3.SQLITE_SCHEMA
            failures.append(failure)
            raise failure
        return execute(self, query, params)

    monkeypatch.setattr(base.SQLiteCursorWrapper, "execute", changed_once)
    cursor = connection.create_cursor()
    cursor.execute("SELECT count(*) FROM note")
    assert cursor.fetchone() == (0,)
    assert len(failures) == 1
    connection.connection.close()


def test_other_errors_are_not_run_again(database_path):
    connection = site_connection(database_path)
    cursor = connection.create_cursor()
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        cursor.execute("SELECT * FROM missing")
    connection.connection.close()


def test_a_writer_that_waits_for_the_lock_leaves_a_mark_for_imports(database_path):
    connection = site_connection(database_path)
    assert not connection.writer_waited_within(60)

    connection._start_transaction_under_autocommit()  # the lock is free: no mark
    connection.connection.execute("COMMIT")
    assert not connection.writer_waited_within(60)

    holder = hold_write_lock(database_path, 0.1)
    connection._start_transaction_under_autocommit()
    connection.connection.execute("COMMIT")
    holder.join()
    assert connection.writer_waited_within(60)
    assert waiting_writers.mark_path(database_path).exists()
    connection.connection.close()


def test_the_mark_fades_after_the_time_asked(database_path):
    waiting_writers.mark_waiting(database_path)
    assert waiting_writers.waited_within(database_path, 10)
    an_hour_ago = time.time() - 3600
    os.utime(waiting_writers.mark_path(database_path), (an_hour_ago, an_hour_ago))
    assert not waiting_writers.waited_within(database_path, 10)
    assert waiting_writers.waited_within(database_path, 7200)


@pytest.mark.parametrize(
    "name", [":memory:", "file:memorydb_default?mode=memory&cache=shared", ""]
)
def test_a_database_that_is_no_plain_file_counts_as_waited_for(name):
    # No mark can tell: an import then keeps its write transactions short.
    assert waiting_writers.mark_path(name) is None
    waiting_writers.mark_waiting(name)  # nothing to touch, and no error
    assert waiting_writers.waited_within(name, 10)


def test_an_import_copies_a_file_databases_log_back_itself(
    database_path, monkeypatch, django_db_blocker
):
    from papers.importer import writer

    site = site_connection(database_path)
    monkeypatch.setattr(writer, "connection", site)
    with django_db_blocker.unblock():
        writer._prepare_connection()  # what the import's first write transaction does
    autocheckpoint = site.connection.execute("PRAGMA wal_autocheckpoint")
    assert autocheckpoint.fetchone() == (0,)  # SQLite's own is off for it
    for n in range(3):
        site.connection.execute("INSERT INTO note VALUES (?)", [f"note {n}" * 1000])

    with django_db_blocker.unblock():
        with monkeypatch.context() as inside:
            inside.setattr(site, "in_atomic_block", True)
            assert writer.checkpoint() is None  # nothing committed to copy yet
        pages = writer.checkpoint()

    assert pages >= 3  # one commit's pages at least each
    # Everything was copied back: a checkpoint now finds nothing left to copy.
    busy, in_log, copied = site.connection.execute(
        "PRAGMA wal_checkpoint(PASSIVE)"
    ).fetchone()
    assert (busy, in_log, copied) == (0, pages, pages)
    site.connection.close()


@pytest.mark.django_db
def test_without_a_write_ahead_log_an_import_leaves_checkpoints_alone():
    from django.db import connection

    from papers.importer import writer

    if connection.vendor != "sqlite":
        assert writer.checkpoint() is None
        return

    # The test database lives in memory, with a journal in memory, not a log.
    assert writer.checkpoint() is None
    before = connection.cursor().execute("PRAGMA wal_autocheckpoint").fetchone()
    writer._prepare_connection()
    after = connection.cursor().execute("PRAGMA wal_autocheckpoint").fetchone()
    assert after == before


def test_the_sites_writers_leave_an_imports_log_to_the_import(database_path):
    from papers.importer import pacing

    site = site_connection(database_path)
    (pages,) = site.connection.execute("PRAGMA wal_autocheckpoint").fetchone()
    # A bookmark toggle copies the log back only past what an import lets it grow
    # to between its own checkpoints, even when its estimate falls half short (a
    # million-paper import's log reached 1.49 times its target).
    assert pages >= 1.5 * pacing.CHECKPOINT_PAGES
    site.connection.close()
