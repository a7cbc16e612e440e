"""Keeping the full-text index quick to read after an import.

SQLite's FTS5 index is a set of b-trees (segments): each write transaction adds one,
and FTS5 merges them only once enough pile up. A search reads every segment, so an
index written in an import's many short transactions answers several times slower
than the same index in one segment (12 segments at 100,000 papers: a three-word match
took 0.57 ms, 0.16 ms once merged). `compact()` merges them into one, a few hundred
pages per write transaction, so readers and other writers never wait for more than one
step of it.

PostgreSQL's GIN index keeps fresh entries in a pending list that every search scans
until VACUUM (or the list's size limit) moves them into the index; `compact()` moves
them at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from papers.search import FTS_TABLE

# Pages of merged index written per step: about 50 ms of work on a 2-core machine.
MERGE_PAGES = 100


@dataclass(frozen=True)
class Compaction:
    steps: int
    seconds: float
    longest_step: float  # seconds: the longest any other writer waited for it


def compact(
    *,
    using: str = DEFAULT_DB_ALIAS,
    after_step: Callable[[], object] = lambda: None,
) -> Compaction:
    """Merge the full-text index into one piece, in short transactions, calling
    `after_step` after each (the importer checkpoints SQLite's log there: the merge
    of a million papers' index writes some 500 MB of it)."""
    connection = connections[using]
    started = time.perf_counter()
    steps, longest = 0, 0.0
    if connection.vendor == "sqlite":
        while True:
            step_started = time.perf_counter()
            with transaction.atomic(using=using), connection.cursor() as cursor:
                before = connection.connection.total_changes
                # A negative page count merges every segment, whatever its level:
                # an incremental 'optimize'.
                cursor.execute(
                    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('merge', %s)",
                    [-MERGE_PAGES],
                )
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
    return Compaction(steps, time.perf_counter() - started, longest)


def segments(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """How many b-trees SQLite's full-text index is made of now (1 on PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return 1
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT segid) FROM {FTS_TABLE}_idx")
        return cursor.fetchone()[0]
