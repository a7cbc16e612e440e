"""Import parsed digest files: one `import_files()` for every caller.

The import command, the admin's upload page and the benchmark call `import_files`;
`load_digest`/`load_digests`/`load_file` are its forms for one day, one file's days
and one parsed input; what they did is counted in papers.importer.report. Each
works the same way: read what is stored for the records (papers.importer.writer.
read_stored), decide what changes (the pure papers.importer.plan.plan, which holds
every merge rule), write the changes in bulk (papers.importer.writer.write).

Transactions: small files are grouped into batches, one transaction each, so a folder
of thousands of days costs hundreds of commits rather than thousands, while no
transaction holds SQLite's write lock for long: each batch is read and planned
before its transaction begins (and planned again inside it only if someone else
wrote meanwhile, which the data version tells), and batches are sized from the
writes so far to take about 50-70 ms each (papers.importer.pacing, which also leaves
other writers a gap and copies SQLite's log back). PostgreSQL has no database-wide
write lock: there a batch locks the data version's row, which every writer of papers
updates, only for its last statements, and its batches are longer (see _commit).
A batch holds whole files only, so each file is still all or nothing: when the
database refuses a batch, its files are retried one transaction each and only the
file at fault fails. On SQLite, a file
with more new papers than a batch is written in batch-sized parts that readers do
not see, and published by one last short transaction (_write_staged,
papers.importer.staging). A batch that names papers or days another import has
staged but not published yet waits for that import's file to end (_write_batch).
A dry run reads but never writes: later files are planned against what the earlier
ones would have written.

Files whose parsed days were released to keep memory flat (papers.importer.files,
DigestFile.release) are read and parsed again when their batch comes. In a large
import that parsing is about a third of the work, so when a second CPU is free one
worker process does it a few batches ahead while this process writes
(papers.importer.parse_ahead); the results, errors and order of writes are the
same as parsing here.

Files whose bytes were imported before and are known to change nothing
(papers.importer.history, DigestFile.known) are skipped without being parsed,
unless the import overwrites; each batch that does not overwrite records its files
in that history, in its own transaction.

An import tells the browse pages through the data version: each write bumps it
inside its own transaction (papers.importer.writer). While `import_files()` runs it
holds the import lease (papers.browse.lease), so web workers keep serving their
index until it ends instead of rebuilding after every batch. Before it ends, an
import that wrote something builds the browse index of the new data once
(papers.importer.browse_index), and saves it where the workers of this machine
find it (papers.browse.shared), so they load it rather than build it; the command
builds it in a process of its own (papers.importer.apart). A caller may leave the
build to the workers (`build_index=False`; the command does when the index is not
shared, unless asked with --build-index).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from papers import search_index
from papers.browse.lease import import_lease
from papers.browse.version import bump_data_version
from papers.importer import history, staging
from papers.importer.browse_index import data_changed
from papers.importer.files import DigestFile, prefer_fullest_days
from papers.importer.pacing import Checkpoints, Pace
from papers.importer.parse_ahead import ParseAhead
from papers.importer.plan import Changes, Stored, plan, staged
from papers.importer.records import DigestRecord
from papers.importer.report import ImportReport, ImportStats, summed
from papers.importer.writer import (
    any_stored,
    check_foreign_keys_now,
    checkpoint,
    data_version,
    locked_version,
    read_stored,
    refresh_statistics,
    write,
    write_rows,
)
from papers.models import Digest

__all__ = [
    "import_files",
    "load_digest",
    "load_digests",
    "load_file",
    "load_files",
]

# Where a file larger than a part is staged. PostgreSQL's one transaction per file
# keeps no other writer waiting (see _commit), and staging only slowed it: under 24
# readers a 20,000-row file imported at 124 papers/s staged against 287 whole, with
# a higher write p95 (1.68 against 1.30 s).
STAGED_DATABASES = ("sqlite",)
SOURCE_LENGTH = Digest._meta.get_field("source").max_length
# Author ids an import keeps from batch to batch (_KnownAuthors): about 14 MB.
KNOWN_AUTHORS = 100_000


def load_digest(
    record: DigestRecord, *, dry_run: bool = False, overwrite: bool = False
) -> ImportStats:
    """Store one digest day in one transaction; a dry run only reports."""
    return load_digests([record], dry_run=dry_run, overwrite=overwrite)


def load_digests(
    records: Iterable[DigestRecord], *, dry_run: bool = False, overwrite: bool = False
) -> ImportStats:
    """Store the days of one file in one transaction: all of them or none.

    A dry run reads and plans but writes nothing; its stats are exactly those a
    real import would report.
    """
    records = list(records)
    if dry_run:
        return summed(_plan_dry(records, Stored(), overwrite=overwrite)[0])
    with transaction.atomic():
        return summed(_load(records, overwrite=overwrite))


def load_file(
    file: DigestFile, *, dry_run: bool = False, overwrite: bool = False
) -> ImportStats | None:
    """Load one parsed input's days; None, with `file.error` set, when it failed.

    The database may still refuse a file the parser accepted (a value too long for
    its column, a clash with a row edited by hand): that file rolls back and is
    reported like a parse error, and the other files go on.
    """
    return load_files([file], dry_run=dry_run, overwrite=overwrite)[0]


def load_files(
    files: Sequence[DigestFile],
    *,
    dry_run: bool = False,
    overwrite: bool = False,
    on_loaded: Callable[[DigestFile, ImportStats | None], object] | None = None,
    batch_papers: int | None = None,
    release: bool = False,
) -> list[ImportStats | None]:
    """Load the files in order, each atomically; stats (None if it failed) per file.

    `on_loaded(file, stats)` is called for each file once its batch is committed,
    in order, for progress reports; `batch_papers` caps the papers per write
    transaction (by default, the database's). Files whose parsed days were released
    are parsed again when their batch comes, by a worker process a little ahead when
    there are many (papers.importer.parse_ahead); with `release`, files read from
    disk drop their parsed days once written, so memory stays flat on a large
    archive.
    """
    return _load_files(
        files,
        Pace(batch_papers),
        dry_run=dry_run,
        overwrite=overwrite,
        on_loaded=on_loaded,
        release=release,
    )


def _load_files(
    files: Sequence[DigestFile],
    pace: Pace,
    *,
    dry_run: bool,
    overwrite: bool,
    on_loaded: Callable[[DigestFile, ImportStats | None], object] | None,
    release: bool,
) -> list[ImportStats | None]:
    results: list[ImportStats | None] = []
    known = _KnownAuthors()
    statistics = _Statistics()
    virtual = Stored()  # a dry run's view of what earlier files would have written
    batch: list[DigestFile] = []
    size = 0

    def flush() -> None:
        nonlocal virtual
        for file in batch:
            ahead.reload(file)
        loaded = [file for file in batch if file.ok]
        if dry_run:
            stats, virtual = _dry_batch(loaded, virtual, overwrite=overwrite)
        else:
            stats = _write_batch(loaded, overwrite=overwrite, pace=pace, known=known)
            statistics.wrote(sum(each.created for each in stats.values()))
        for file in batch:
            results.append(stats.get(id(file)))
            if on_loaded is not None:
                on_loaded(file, results[-1])
            if release:
                file.release()
        batch.clear()

    # The files `flush` will reload, in order: all but those skipped as known.
    to_write = [file for file in files if file.known is None or overwrite]
    with ParseAhead(to_write) as ahead:
        for file in files:
            if file.known is not None and not overwrite:
                # Keep results and progress in file order: write what came before.
                if batch:
                    flush()
                    size = 0
                results.append(ImportStats.as_stored(file.known))
                if on_loaded is not None:
                    on_loaded(file, results[-1])
                continue
            papers = file.papers
            if batch and size + papers > pace.papers:
                flush()
                size = 0
            batch.append(file)
            size += papers
        if batch:
            flush()
    return results


def import_files(
    files: Sequence[DigestFile],
    *,
    dry_run: bool = False,
    overwrite: bool = False,
    on_loaded: Callable[[DigestFile, ImportStats | None], object] | None = None,
    release: bool = False,
    build_index: bool = True,
    build_apart: bool = False,
) -> ImportReport:
    """Import parsed inputs (papers.importer.files) for any caller; see module doc.

    Each day's fullest copy is loaded first (see `prefer_fullest_days`); `release`
    as for `load_files`. `build_index=False` leaves the browse index of the new data
    to the web workers; `build_apart` builds it in a process of its own (see
    papers.importer.browse_index.data_changed).
    """
    files = list(files)
    prefer_fullest_days(files)
    pace = Pace()
    if not dry_run:
        staging.discard_abandoned()
    # The lease keeps web workers from rebuilding their browse index after each
    # batch. The index of the new data is built before it ends, and saved for the
    # workers (papers.browse.shared): when the papers appear, no worker builds.
    with nullcontext() if dry_run else import_lease():
        results = _load_files(
            files,
            pace,
            dry_run=dry_run,
            overwrite=overwrite,
            on_loaded=on_loaded,
            release=release,
        )
        report = ImportReport(files=files, results=results, dry_run=dry_run)
        total = report.total
        changed = not dry_run and bool(total.created or total.updated or total.removed)
        if changed and build_index:
            report.warm_up_seconds = data_changed(apart=build_apart)
            report.built_apart = build_apart
    report.longest_write = pace.longest_write
    report.longest_version_lock = pace.longest_version_lock
    if changed:
        # At a million papers the merge writes some 500 MB of log, after the papers
        # are published: left to grow, it would be copied back by whichever
        # reader's bookmark toggle commits next.
        report.search_compaction = search_index.compact(
            after_step=Checkpoints().after_write
        )
        report.longest_write = max(
            report.longest_write, report.search_compaction.longest_step
        )
        # What the import left in the log is copied back now, by the import, rather
        # than by whichever reader's bookmark toggle commits next.
        checkpoint()
    return report


def _load(records: list[DigestRecord], *, overwrite: bool) -> list[ImportStats]:
    """Read, plan and write `records` in the current transaction; stats per day."""
    stored = read_stored(records, overwrite=overwrite)
    changes = plan(records, stored, overwrite=overwrite, source_length=SOURCE_LENGTH)
    write(changes, stored)
    return [ImportStats.of_day(day) for day in changes.stats]


def _plan_dry(
    records: list[DigestRecord], virtual: Stored, *, overwrite: bool
) -> tuple[list[ImportStats], Stored]:
    stored = read_stored(records, overwrite=overwrite)
    stored.papers.update(virtual.papers)
    stored.days.update(virtual.days)
    changes = plan(records, stored, overwrite=overwrite, source_length=SOURCE_LENGTH)
    virtual = Stored(
        papers={**virtual.papers, **changes.papers, **changes.redated},
        days={**virtual.days, **changes.days},
    )
    return [ImportStats.of_day(day) for day in changes.stats], virtual


def _per_file(
    files: list[DigestFile], days: list[ImportStats]
) -> dict[int, ImportStats]:
    stats, start = {}, 0
    for file in files:
        end = start + len(file.records)
        stats[id(file)] = summed(days[start:end])
        start = end
    return stats


def _records(files: list[DigestFile]) -> list[DigestRecord]:
    return [record for file in files for record in file.records]


def _dry_batch(
    files: list[DigestFile], virtual: Stored, *, overwrite: bool
) -> tuple[dict[int, ImportStats], Stored]:
    days, virtual = _plan_dry(_records(files), virtual, overwrite=overwrite)
    return _per_file(files, days), virtual


# PostgreSQL plans the importer's lookups from table statistics, which autovacuum
# refreshes late on a busy server; without them a 100,000-paper re-import planned
# merge joins over whole tables (5x slower). So the import refreshes them itself
# each time the papers it created reach ANALYZE_FROM, then twice as many.
ANALYZE_FROM = 5_000


class _Statistics:
    def __init__(self) -> None:
        self.created = 0
        self.due = ANALYZE_FROM

    def wrote(self, created: int) -> None:
        self.created += created
        if self.created >= self.due:
            refresh_statistics()
            self.due = 2 * self.created


class _WrittenMeanwhile(Exception):
    """Another writer changed the data while a batch was written without the lock."""


class _HeldByAnotherImport(Exception):
    """A batch names papers or days that another import's open stage wrote."""

    def __init__(self, stages: frozenset[int]) -> None:
        super().__init__(stages)
        self.stages = stages


class _PlannedTooEarly(Exception):
    """Another writer created papers or days a staged file planned as new."""


def _write_batch(
    files: list[DigestFile], *, overwrite: bool, pace: Pace, known: _KnownAuthors
) -> dict[int, ImportStats]:
    """Write a batch; if another import has written some of its papers or days but
    not published them yet, wait for that import's file to end, then write the
    batch against what it left (see papers.importer.staging). A staged file that
    another writer overtook (see _write_staged) is read and planned again."""
    while True:
        try:
            return _write_batch_now(files, overwrite=overwrite, pace=pace, known=known)
        except _HeldByAnotherImport as held:
            staging.wait_until_closed(held.stages)
        except _PlannedTooEarly:
            continue  # read and planned again, it finds what the other wrote


def _write_batch_now(
    files: list[DigestFile], *, overwrite: bool, pace: Pace, known: _KnownAuthors
) -> dict[int, ImportStats]:
    if not files:
        return {}
    records = _records(files)
    # PostgreSQL: the batch is written first and the data version's row locked only
    # at the end (see _commit); if another writer changed the data meanwhile, or the
    # write failed, it is written again the SQLite way.
    optimistic = connection.vendor == "postgresql"
    try:
        # Read and plan before taking the write lock; the data version tells
        # whether anyone wrote in between, in which case the plan is made again.
        planned = _Planned.read(files, records, overwrite=overwrite, known=known)
        # A file that fits in one part is written whole: staging costs three
        # more transactions (the stage, its days, the publication).
        if (
            connection.vendor in STAGED_DATABASES
            and len(files) == 1
            and len(planned.changes.new) > pace.part_papers
        ):
            return _write_staged(planned, pace)
        with pace.write(planned.papers):
            try:
                changes = _commit(planned, pace, optimistic=optimistic)
            except (_WrittenMeanwhile, DatabaseError):
                if not optimistic:
                    raise
                changes = _commit(planned, pace, optimistic=False)
        return _per_file(files, [ImportStats.of_day(day) for day in changes.stats])
    except DatabaseError as failure:
        if len(files) == 1:
            file = files[0]
            file.error = f"{file.name}: the database refused the import: {failure}"
            return {}
    # One file of the batch is at fault: find it, keeping the others.
    stats: dict[int, ImportStats] = {}
    for file in files:
        stats.update(_write_batch([file], overwrite=overwrite, pace=pace, known=known))
    return stats


def _write_staged(batch: _Planned, pace: Pace) -> dict[int, ImportStats]:
    """Write one file with more new papers than one part in short transactions
    (papers.importer.staging): its new days and papers hidden under a stage, then
    the changes to what was stored and the stage's publication in a last one. On
    failure what it wrote is deleted, and the file fails alone, unless another
    writer had created some of its new papers or days: then it is planned again."""
    (file,) = batch.files
    steps = staged(batch.changes)
    stage = staging.open_stage(file.name)
    try:
        _write_hidden(steps.days, batch, stage, pace)
        steps.days_created(
            dict(
                Digest._base_manager.filter(import_stage=stage).values_list(
                    "date", "pk"
                )
            )
        )
        while (part := steps.next_part(pace.part_papers)) is not None:
            _write_hidden(part, batch, stage, pace)
        with pace.write(0):
            _commit(batch, pace, optimistic=False, changes=steps.rest, publish=stage)
    except BaseException as failure:
        changes = batch.changes
        staging.discard(
            stage,
            authors={
                name
                for key in changes.authors
                for name in changes.papers[key].authors
                if name not in batch.stored.authors
            },
            tags=changes.new_tags,
        )
        if not isinstance(failure, DatabaseError):
            raise
        if any_stored(keys=list(changes.new), dates=list(steps.days.day_sources)):
            # Another import created some of its new papers or days meanwhile:
            # the file is planned again, against them.
            raise _PlannedTooEarly from failure
        file.error = f"{file.name}: the database refused the import: {failure}"
        return {}
    return _per_file(batch.files, [ImportStats.of_day(d) for d in steps.rest.stats])


def _write_hidden(part: Changes, batch: _Planned, stage: int, pace: Pace) -> None:
    """One short transaction of a staged file: rows nothing stored refers to,
    marked with the stage. If someone wrote since the file was planned, author ids
    are looked up again (an admin may have deleted one); a key or day someone else
    created meanwhile makes the database refuse the part, and _write_staged then
    takes the file back and has it planned again."""
    stored = batch.stored
    with pace.write(len(part.papers)), transaction.atomic():
        if data_version() != batch.seen:
            stored = Stored(tags=stored.tags)
        write_rows(part, stored, stage=stage)
        staging.renew(stage)


@dataclass
class _Planned:
    """A batch read and planned before its write transaction began."""

    files: list[DigestFile]
    records: list[DigestRecord]
    seen: str  # the data version when the batch was read
    stored: Stored
    changes: Changes
    overwrite: bool
    known: _KnownAuthors

    @classmethod
    def read(
        cls,
        files: list[DigestFile],
        records: list[DigestRecord],
        *,
        overwrite: bool,
        known: _KnownAuthors,
    ) -> _Planned:
        seen = data_version()
        stored, changes = cls._plan(records, overwrite, known.at(seen))
        return cls(files, records, seen, stored, changes, overwrite, known)

    @property
    def papers(self) -> int:
        return sum(len(record.papers) for record in self.records)

    def again(
        self, version: str, *, stage: int | None = None
    ) -> tuple[Stored, Changes]:
        """Plan again, against the data at `version`; `stage` is the batch's own,
        whose hidden rows it reads as stored."""
        return self._plan(
            self.records, self.overwrite, self.known.at(version), stage=stage
        )

    @staticmethod
    def _plan(
        records: list[DigestRecord],
        overwrite: bool,
        known_authors: dict[str, int],
        *,
        stage: int | None = None,
    ) -> tuple[Stored, Changes]:
        stored = read_stored(records, overwrite=overwrite, known_authors=known_authors)
        if held := stored.stages - {stage}:
            raise _HeldByAnotherImport(held)
        changes = plan(
            records, stored, overwrite=overwrite, source_length=SOURCE_LENGTH
        )
        return stored, changes


def _commit(
    batch: _Planned,
    pace: Pace,
    *,
    optimistic: bool,
    changes: Changes | None = None,
    publish: int | None = None,
) -> Changes:
    """Write a planned batch and its history in one transaction; the changes made.

    Every writer that changes papers bumps the data version in its transaction, so
    an unchanged version means the plan still holds. Locking its row first (SQLite
    locks the whole database anyway) makes other writers wait for the whole batch;
    `optimistic` locks it only once the rows are written, for the last few
    statements, and raises _WrittenMeanwhile (rolling the batch back) if the
    version moved since the batch was read.

    A staged file (see _write_staged) passes the `changes` left to write, and the
    stage this transaction publishes. Planned again, its file finds its own staged
    papers stored as they will be published, so only the rest is written.
    """
    stored, changes = batch.stored, changes or batch.changes
    with transaction.atomic():
        if not optimistic:
            locked = time.perf_counter()
            version = locked_version()
            if version != batch.seen:
                stored, changes = batch.again(version, stage=publish)
        wrote = write_rows(changes, stored)
        if optimistic:
            # Checked here, the deferred foreign keys (two for each row written)
            # no longer keep the version's row locked through the commit: on
            # PostgreSQL, 149 of a 0.5 s batch's 474 ms (median), now 10.
            check_foreign_keys_now()
            locked = time.perf_counter()
            version = locked_version()
            if version != batch.seen:
                raise _WrittenMeanwhile
        # Only files read from disk are recorded; an --overwrite import may undo
        # what earlier files wrote, so it ends the history's epoch.
        recorded = not batch.overwrite and any(file.sha256 for file in batch.files)
        epoch = history.epoch_for(version) if recorded else 0
        if publish is not None:
            staging.publish(publish)
            wrote = True
        left = version
        if wrote:
            # The browse indexes are stale once this commits, and only if it does.
            left = bump_data_version()
        if recorded:
            history.record_batch(epoch, batch.files)
    pace.held_version(time.perf_counter() - locked)
    batch.known.learn(stored.authors, found=version, left=left)
    return changes


class _KnownAuthors:
    """Author ids an import has proven, kept from one batch to the next, so each
    batch reads only the names it has not met yet (reading them all was 4 % of an
    import of 100,000 papers).

    They hold while the data version is the one the import's own last transaction
    left: any other writer changes it (an author deleted or renamed in the admin
    among them), and the ids are then not used.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.version: str | None = None

    def at(self, version: str) -> dict[str, int]:
        """The ids, if they are still true at `version`; else none."""
        return self.ids if version == self.version else {}

    def learn(self, ids: dict[str, int], *, found: str, left: str) -> None:
        """`ids` were true in a transaction of this import that found the data at
        version `found` and left it at `left`."""
        if found != self.version or len(self.ids) > KNOWN_AUTHORS:
            self.ids = {}  # another writer came between, or memory would grow
        self.ids.update(ids)
        self.version = left
