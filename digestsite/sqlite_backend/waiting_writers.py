"""A mark, next to the SQLite file, of the last time a writer had to wait for it.

SQLite lets one writer in at a time, so an import writes in short transactions to
keep every other writer's wait short. Short transactions have a price: each commit
writes every index page its batch touched, so a quiet import runs about an eighth
slower than it would in longer ones. A writer that finds the lock taken touches
`<database>-waiting` (digestsite.sqlite_backend.base); the importer keeps its
transactions short while that mark is recent, and makes them longer only when no
writer has waited for a while (papers.importer.pacing.Pace).

The mark is a file because the writers are other processes (the web workers). For a
database that is not a plain file there is none, and `waited_within` answers as if a
writer had just waited, so the import keeps its short transactions.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

SUFFIX = "-waiting"


def mark_path(database_name: object) -> Path | None:
    """Where the mark of `database_name` (a settings NAME) lives; None when the
    database is not a plain file (in memory, a URI)."""
    name = str(database_name or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name + SUFFIX)


def mark_waiting(database_name: object) -> None:
    """Record that a writer is waiting for the lock now."""
    path = mark_path(database_name)
    if path is None:
        return
    # Best effort: a mark that cannot be made only leaves an import's batches long.
    with contextlib.suppress(OSError):
        path.touch()


def waited_within(database_name: object, seconds: float) -> bool:
    """Whether a writer waited for the lock in the last `seconds`, as far as the
    mark tells; True when it cannot tell (no file database)."""
    path = mark_path(database_name)
    if path is None:
        return True
    try:
        marked = os.stat(path).st_mtime
    except OSError:
        return False  # no writer ever waited
    return time.time() - marked <= seconds
