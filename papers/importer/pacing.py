"""How long each write transaction of an import is, and what comes between them.

SQLite lets one writer in at a time: while an import's transaction runs, a reader's
bookmark toggle waits for it. So the importer (papers.importer.loader) writes in
batches sized from the writes so far to take about TARGET_WRITE_SECONDS each
(longer while no other writer has waited lately), leaves the lock free for a while
after each when others wait, and copies SQLite's write-ahead log back itself, outside
its transactions (`Checkpoints`). PostgreSQL's writers of different rows do not wait
for each other, so there the batches are longer. `Pace` holds all of it for one
import, and what its writes took at most.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from papers.importer.writer import checkpoint

__all__ = ["Checkpoints", "Pace"]

# Papers per write transaction at most when files are small (a file is never split).
BATCH_PAPERS = 500
# How long a write transaction should take: SQLite lets one writer in at a time, so
# a reader's own write (a bookmark toggle) waits about this long at most.
TARGET_WRITE_SECONDS = 0.05
# While no other writer has waited for SQLite's lock for WAITED_WITHIN seconds
# (digestsite.sqlite_backend.waiting_writers), batches may be this long instead:
# each commit writes every index page its batch touched, and longer batches touch
# each page fewer times. The first writer to come after such a quiet spell waits
# for one such batch; it leaves its mark, and the batches after it are shorter.
# So they stay near 100 ms even then: 0.2 s batches imported 100,000 papers a
# tenth faster (17.6 against 19.5 s), but held the lock for up to 280 ms, where
# these hold it for 110 to 140 ms at most.
QUIET_TARGET_WRITE_SECONDS = 0.07
QUIET_BATCH_PAPERS = 2_000
WAITED_WITHIN = 10.0  # seconds
# PostgreSQL lets writers of different rows work side by side, and an import's batch
# locks only the rows it writes, the data version's row only at its very end
# (papers.importer.loader._commit): other writers do not wait for it, so its batches
# are longer. Each batch has a fixed cost (reading what is stored, one statement per
# table, checking the deferred foreign keys and flushing the log at commit): 0.5 s
# batches of up to 5,000 papers import 100,000 papers in about two thirds of the
# time of 50 ms ones.
POSTGRES_TARGET_WRITE_SECONDS = 0.5
POSTGRES_BATCH_PAPERS = 5_000
# The first batch's size, before any write has been timed, and the smallest batch.
FIRST_BATCH_PAPERS = 100
MIN_BATCH_PAPERS = 20
# The smallest part of a staged file (papers.importer.loader._write_staged). Each
# transaction has a fixed cost (about 5 ms: the search triggers, the lookups, the
# commit), and on a machine whose CPUs the readers saturate, every step is many
# times slower: sized by time alone, parts shrank to MIN_BATCH_PAPERS and spent
# most of it on that cost.
STAGE_MIN_PAPERS = 100

# SQLite's busy handler polls with growing sleeps (up to 100 ms), so a writer that
# begins its next transaction right after committing can starve the others (a
# bookmark toggle waited 13 s in bench/import_contention.py). So between two batches
# the write lock stays free for at least a fraction of the batch's own time. The
# next batch is read and planned in that gap anyway, so only what is left of it is
# slept (see Pace.wait_for_other_writers).
PAUSE_SHARE = 0.25
MAX_PAUSE = 0.1  # seconds


class Pace:
    """Batch sizes that keep each write transaction near the database's target
    (TARGET_WRITE_SECONDS, POSTGRES_TARGET_WRITE_SECONDS; on SQLite with no writer
    waiting lately, QUIET_TARGET_WRITE_SECONDS), and the gap other writers get
    between two of them on SQLite (see PAUSE_SHARE)."""

    def __init__(self, most: int | None = None) -> None:
        self.capped = most
        self.per_paper: float | None = None  # seconds, smoothed over the batches
        self.free_until = 0.0  # time.perf_counter() before which no batch begins
        self.checkpoints = Checkpoints()
        # What the import's write transactions took at most, in seconds: the
        # longest of them, and the longest one held the data version's row (see
        # papers.importer.loader._commit).
        self.longest_write = 0.0
        self.longest_version_lock = 0.0

    @property
    def papers(self) -> int:
        target, most = self._limits()
        most = self.capped or most
        if self.per_paper is None:
            return min(most, FIRST_BATCH_PAPERS)
        fits = int(target / max(self.per_paper, 1e-9))
        return min(most, max(MIN_BATCH_PAPERS, fits))

    @property
    def part_papers(self) -> int:
        """Papers in the next part of a staged file: as for a batch, but at least
        STAGE_MIN_PAPERS (unless capped lower)."""
        least = min(STAGE_MIN_PAPERS, self.capped or STAGE_MIN_PAPERS)
        return max(self.papers, least)

    def _limits(self) -> tuple[float, int]:
        """The target seconds and most papers of the next batch."""
        if connection.vendor == "postgresql":
            return POSTGRES_TARGET_WRITE_SECONDS, POSTGRES_BATCH_PAPERS
        if others_waited():
            return TARGET_WRITE_SECONDS, BATCH_PAPERS
        return QUIET_TARGET_WRITE_SECONDS, QUIET_BATCH_PAPERS

    def wrote(self, papers: int, seconds: float) -> None:
        self.longest_write = max(self.longest_write, seconds)
        if papers:
            sample = seconds / papers
            old = self.per_paper
            self.per_paper = sample if old is None else (old + sample) / 2

    def held_version(self, seconds: float) -> None:
        self.longest_version_lock = max(self.longest_version_lock, seconds)

    @contextmanager
    def write(self, papers: int) -> Iterator[None]:
        """Pace one write transaction of `papers` papers: wait out the gap before
        it, then learn from its time and leave a gap after it."""
        self.wait_for_other_writers()
        with collection_held():
            started = time.perf_counter()
            yield
            took = time.perf_counter() - started
        self.wrote(papers, took)
        self.leave_gap(took)
        self.checkpoints.after_write()

    def leave_gap(self, took: float) -> None:
        """Keep the write lock free for a while after a batch that took `took` s,
        if another writer waited for it lately."""
        if others_waited():
            self.free_until = time.perf_counter() + min(MAX_PAUSE, took * PAUSE_SHARE)

    def wait_for_other_writers(self) -> None:
        """Sleep out what is left of the gap, on SQLite, before a batch begins."""
        if connection.vendor == "sqlite" and connection.in_atomic_block is False:
            left = self.free_until - time.perf_counter()
            if left > 0:
                time.sleep(left)


# Copy SQLite's write-ahead log back about every 192 MB of it (4 KB pages) rather
# than every 4 MB: an import commits often, and each checkpoint copies back every
# index page the batches since the last one touched, however often they did.
# Every 256 MB, 100,000 papers imported 7 % faster than every 64 MB (five pairs of
# runs), and a million papers' statements replayed 9 % faster (179.1 against
# 162.8 s). Readers hardly notice the longer log: three queries reading the whole
# papers table took 0.15-0.18 s with 253 MB of log to look through, 0.15 s with
# none. Below the site's own limit (wal_autocheckpoint, digestsite.settings) even
# when the writes outgrow the estimate by half, so the import's checkpoints come
# before any reader's bookmark toggle would run one.
CHECKPOINT_PAGES = 49_152


class Checkpoints:
    """When an import copies SQLite's write-ahead log back into the database file
    (papers.importer.writer.checkpoint): after one of its write transactions (a
    batch, or a step of the search index's merge, which has an instance of its
    own), once those since the last checkpoint have written about CHECKPOINT_PAGES
    pages.

    How many pages a transaction writes is learnt from each checkpoint, which tells
    how long the log was. (Reading the length from `<database>-shm` instead is
    unsafe: closing a file SQLite has locked drops the process's locks on it, and
    another process then resets the shared memory under SQLite's feet.) Writes grow
    as the indexes do (the first of a new database wrote 101 pages, later ones
    thousands), so the writes between two checkpoints at most double from one to
    the next: trusting the first, an import of 100,000 papers let its log grow to
    1.5 GB, and every other writer's commit copied part of it back. A log that
    readers kept from starting over looks longer than what was written since, and
    only brings the next checkpoint closer.
    """

    def __init__(self) -> None:
        self.writes = 0  # write transactions since the last checkpoint
        self.every = 1

    def after_write(self) -> None:
        self.writes += 1
        if self.writes < self.every:
            return
        pages = checkpoint()
        if pages is None:  # no write-ahead log, or all in one transaction
            self.every = sys.maxsize
            return
        per_write = max(pages, 1) / self.writes
        fits = max(1, int(CHECKPOINT_PAGES / per_write))
        self.every = min(fits, 2 * self.writes)
        self.writes = 0


@contextmanager
def collection_held() -> Iterator[None]:
    """Hold Python's cyclic garbage collector off while a write transaction runs.

    A full collection walks every object the process holds, and an import of a
    million papers holds many: 30 of them took up to 273 ms each, and the five
    longest write transactions (179 to 333 ms, where the median was 65 ms) each had
    one inside, of 113 to 273 ms. Held off, the collection the transaction's
    allocations call for comes after its commit, while the lock is free."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def others_waited() -> bool:
    """Whether another writer waited for SQLite's write lock lately; True where
    the connection cannot tell."""
    waited = getattr(connection, "writer_waited_within", None)
    return waited is None or waited(WAITED_WITHIN)
