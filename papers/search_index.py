"""Keeping the full-text index quick to read after an import.

SQLite's FTS5 index is a set of b-trees (segments): each write transaction adds one,
and FTS5 merges them only once enough pile up. A search reads every segment, so an
index written in an import's many short transactions answers several times slower
than the same index in one segment (12 segments at 100,000 papers: a three-word match
took 0.57 ms, 0.16 ms once merged). `compact()` merges them, a few hundred pages per
write transaction, so readers and other writers never wait for more than one step of
it.

Merging every segment into one rewrites the whole index, however little the import
added: a day's digest of 50 papers into an archive of 100,000 rewrote 12,500 pages in
48 steps. So the whole index is merged only when its smaller segments hold a fair share
of it (WHOLE_MERGE_SHARE: after a first import, or once many small ones have added
up); otherwise only the smaller segments are merged with each other, and the largest,
which holds nearly every paper, is left as it is.

PostgreSQL's GIN index keeps fresh entries in a pending list that every search scans
until VACUUM (or the list's size limit) moves them into the index; `compact()` moves
them at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from papers.search import FTS_TABLE

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

# Pages of merged index written per step: about 50 ms of work on a 2-core machine.
MERGE_PAGES = 100
# The whole index is merged when the segments beside the largest hold at least this
# share of the largest's pages: the rewrite then costs at most five times what they
# hold, and it happens once per quarter of growth of the archive, not once per import.
WHOLE_MERGE_SHARE = 0.25
# Segments of one size merged together otherwise: FTS5's default, and its automerge's.
USERMERGE = 4


@dataclass(frozen=True)
class Compaction:
    steps: int
    seconds: float
    longest_step: float  # seconds: the longest any other writer waited for it
    whole: bool = True  # every segment merged into one, or only the smaller ones


def compact(
    *,
    using: str = DEFAULT_DB_ALIAS,
    after_step: Callable[[], object] = lambda: None,
) -> Compaction:
    """Merge the full-text index (see the module's docstring) in short
    transactions, calling `after_step` after each (the importer checkpoints SQLite's
    log there: a whole merge of a million papers' index writes some 500 MB of it)."""
    connection = connections[using]
    started = time.perf_counter()
    steps, longest, whole = 0, 0.0, True
    if connection.vendor == "sqlite":
        sizes = segment_pages(using=using).values()
        largest = max(sizes, default=0)
        whole = sum(sizes) - largest >= WHOLE_MERGE_SHARE * largest
        if not whole:
            # The 'merge' command with a positive page count merges the segments of
            # one level (of about one size) once USERMERGE of them are there, as
            # SQLite's own automerge does while it writes: the small ones merge with
            # each other, and reach the largest's level after some USERMERGE ** k
            # imports (k its level: 70 one-day imports into 100,000 papers left it
            # as it was, and five segments in all).
            _fts_command(connection, "usermerge", USERMERGE)
        # A negative page count merges every segment, whatever its level: an
        # incremental 'optimize'.
        pages = -MERGE_PAGES if whole else MERGE_PAGES
        while True:
            step_started = time.perf_counter()
            with transaction.atomic(using=using):
                before = connection.connection.total_changes
                _fts_command(connection, "merge", pages)
                changed = connection.connection.total_changes - before
            steps += 1
            longest = max(longest, time.perf_counter() - step_started)
            if changed < 2:  # nothing was left to merge
                break
            after_step()
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am am ON am.oid = c.relam "
                "WHERE i.indrelid = 'papers_paper'::regclass AND am.amname = 'gin'"
            )
        steps, longest = 1, time.perf_counter() - started
    return Compaction(steps, time.perf_counter() - started, longest, whole)


def _fts_command(connection: BaseDatabaseWrapper, command: str, value: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES (%s, %s)",
            [command, value],
        )


def segments(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """How many b-trees SQLite's full-text index is made of now (1 on PostgreSQL)."""
    if connections[using].vendor != "sqlite":
        return 1
    return len(segment_pages(using=using))


def segment_pages(*, using: str = DEFAULT_DB_ALIAS) -> dict[int, int]:
    """About how many leaf pages each of SQLite's full-text b-trees holds, by its id:
    FTS5's `_idx` table keeps, per segment, the number of each leaf page a term
    begins on."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT segid, max(pgno) FROM {FTS_TABLE}_idx GROUP BY segid")
        return dict(cursor.fetchall())
