"""Django's SQLite backend, tuned for a web server that shares the file with imports.

A waiting writer gets in as soon as the write lock is free. SQLite lets one writer in
at a time, and its busy handler (`PRAGMA busy_timeout`) retries a locked
`BEGIN IMMEDIATE` after sleeps that grow to 100 ms. A writer that has waited a little
therefore looks at the lock only every 50 to 100 ms, and an import writing short
batches with gaps of a few milliseconds between them keeps winning the race for it:
a bookmark toggle could wait through a dozen batches. Here a write transaction begins
by trying the lock every POLL instead, for as long as the configured timeout. Every
other statement keeps SQLite's own busy handler.

A statement that another connection's schema change made fail before it ran is run
again. The importer drops and recreates the search triggers in each of its write
transactions (papers.importer.writer), and a statement naming the full-text table can
be prepared right across such a commit: FTS5 then fails to open the table ("vtable
constructor failed", SQLITE_SCHEMA) where SQLite would otherwise prepare the
statement again by itself. Nothing ran, so running it again is safe.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

from django.db.backends.sqlite3 import base

from digestsite.sqlite_backend import waiting_writers

# How often a waiting writer tries the lock: short next to the gap an import leaves
# between two batches, long enough that waiting threads cost no noticeable CPU.
POLL = 0.002  # seconds
# Schema changes one statement may run into in a row before its error is raised.
SCHEMA_RETRIES = 5


def _run_again_after_schema_change(run: Callable[[], Any]) -> Any:
    for _ in range(SCHEMA_RETRIES):
        try:
            return run()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_SCHEMA:
                raise
    return run()


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def execute(self, query, params=None):
        execute = super().execute
        return _run_again_after_schema_change(lambda: execute(query, params))

    def executemany(self, query, param_list):
        executemany = super().executemany
        return _run_again_after_schema_change(lambda: executemany(query, param_list))


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None) -> SQLiteCursorWrapper:
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    def _start_transaction_under_autocommit(self) -> None:
        if self.transaction_mode not in ("IMMEDIATE", "EXCLUSIVE"):
            super()._start_transaction_under_autocommit()
            return
        connection = self.connection
        timeout_ms = connection.execute("PRAGMA busy_timeout").fetchone()[0]
        deadline = time.monotonic() + timeout_ms / 1000
        connection.execute("PRAGMA busy_timeout = 0")
        # Raised as Django's OperationalError, as a failed BEGIN always was.
        with self.wrap_database_errors:
            try:
                self._begin_polling(deadline)
            finally:
                connection.execute(f"PRAGMA busy_timeout = {timeout_ms}")

    def _begin_polling(self, deadline: float) -> None:
        marked = False
        while True:
            try:
                self.connection.execute(f"BEGIN {self.transaction_mode}")
                return
            except sqlite3.OperationalError as error:
                busy = error.sqlite_errorcode == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() + POLL > deadline:
                    raise
            if not marked:
                self.mark_waiting()
                marked = True
            time.sleep(POLL)

    def mark_waiting(self) -> None:
        """Tell an import that a writer is waiting for the lock now."""
        waiting_writers.mark_waiting(self.settings_dict["NAME"])

    def writer_waited_within(self, seconds: float) -> bool:
        """Whether any writer had to wait for the lock in the last `seconds`."""
        return waiting_writers.waited_within(self.settings_dict["NAME"], seconds)
