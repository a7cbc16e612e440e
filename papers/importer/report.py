"""What an import did, counted as an admin checks it against the site.

`ImportStats` counts one day, one file or a whole run (they add up); an
`ImportReport` holds every input of one `import_files()` call
(papers.importer.loader) with what became of it, and its one-line summary: files,
distinct days, papers new to the database, papers changed, papers already as
stored, warnings and errors.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import ngettext

from papers import search_index
from papers.importer.files import DigestFile, KnownFile
from papers.importer.plan import DayStats
from papers.importer.records import DataWarning

__all__ = ["ImportReport", "ImportStats", "counted", "summed"]


@dataclass
class ImportStats:
    """What an import did; created/updated/unchanged count a paper once per day it
    appears on, the key sets once per paper (for a run's summary)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    days: int = 0
    # Appearances dropped because an --overwrite import of the day left them out.
    removed: int = 0
    warnings: list[DataWarning] = field(default_factory=list)
    created_keys: set[str] = field(default_factory=set)
    updated_keys: set[str] = field(default_factory=set)
    seen_keys: set[str] = field(default_factory=set)
    dates: set[datetime.date] = field(default_factory=set)

    @classmethod
    def of_day(cls, day: DayStats) -> ImportStats:
        return cls(
            created=len(day.created),
            updated=len(day.updated),
            unchanged=len(day.unchanged),
            days=1,
            removed=day.removed,
            warnings=list(day.warnings),
            created_keys=set(day.created),
            updated_keys=set(day.updated),
            seen_keys={*day.created, *day.updated, *day.unchanged},
            dates={day.date},
        )

    @classmethod
    def as_stored(cls, known: KnownFile) -> ImportStats:
        """A skipped file's stats: what re-importing it would report."""
        stats = cls(warnings=list(known.warnings))
        for date, keys in known.days:
            stats.unchanged += len(keys)
            stats.days += 1
            stats.seen_keys.update(keys)
            stats.dates.add(date)
        return stats

    def __add__(self, other: ImportStats) -> ImportStats:
        if not isinstance(other, ImportStats):
            return NotImplemented
        return ImportStats(
            created=self.created + other.created,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
            days=self.days + other.days,
            removed=self.removed + other.removed,
            warnings=[*self.warnings, *other.warnings],
            created_keys=self.created_keys | other.created_keys,
            updated_keys=self.updated_keys | other.updated_keys,
            seen_keys=self.seen_keys | other.seen_keys,
            dates=self.dates | other.dates,
        )

    @property
    def papers(self) -> int:
        return self.created + self.updated + self.unchanged

    # What an admin checks against the site: distinct papers and days.
    @property
    def new_papers(self) -> int:
        return len(self.created_keys)

    @property
    def changed_papers(self) -> int:
        return len(self.updated_keys - self.created_keys)

    @property
    def papers_as_stored(self) -> int:
        return len(self.seen_keys - self.created_keys - self.updated_keys)

    def __iadd__(self, other: ImportStats) -> ImportStats:
        # In place: summing a whole archive with `+` would copy the growing key
        # sets once per file, quadratic in the number of files.
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.days += other.days
        self.removed += other.removed
        self.warnings.extend(other.warnings)
        self.created_keys |= other.created_keys
        self.updated_keys |= other.updated_keys
        self.seen_keys |= other.seen_keys
        self.dates |= other.dates
        return self


def summed(stats: Iterable[ImportStats]) -> ImportStats:
    total = ImportStats()
    for each in stats:
        total += each
    return total


@dataclass
class ImportReport:
    """Every input of one import and what became of it."""

    files: list[DigestFile]
    results: list[ImportStats | None]  # None where the file failed (file.error)
    dry_run: bool = False
    longest_write: float = 0.0  # seconds, the longest write transaction
    # Seconds the data version's row was locked at most: on PostgreSQL, where writers
    # of different rows do not wait for each other, what other writers of papers
    # (an admin's edit, another import) waited for the import at most.
    longest_version_lock: float = 0.0
    # Seconds the browse index of the new data took to build (None: not built), and
    # whether a process of its own built it (see `data_changed`).
    warm_up_seconds: float | None = None
    built_apart: bool = False
    # The full-text index merged after the import (None: nothing was written).
    search_compaction: search_index.Compaction | None = None

    @cached_property
    def total(self) -> ImportStats:
        return summed(stats for stats in self.results if stats is not None)

    @property
    def failed(self) -> int:
        return sum(1 for stats in self.results if stats is None)

    def summary(self) -> str:
        """One line an admin can check against the site."""
        total = self.total
        prefix = "Dry run, nothing saved: " if self.dry_run else "Imported "
        return (
            f"{prefix}{len(self.files) - self.failed} of "
            + counted(len(self.files), "%(count)d file", "%(count)d files")
            + ", "
            + counted(len(total.dates), "%(count)d day", "%(count)d days")
            + ": "
            + counted(total.new_papers, "%(count)d new paper", "%(count)d new papers")
            + f", {total.changed_papers} changed, {total.papers_as_stored} as stored, "
            + counted(len(total.warnings), "%(count)d warning", "%(count)d warnings")
            + ", "
            + counted(self.failed, "%(count)d error", "%(count)d errors")
            + "."
        )


def counted(count: int, singular: str, plural: str) -> str:
    """`count` and its noun in the right number: "1 file", "2 files"."""
    return ngettext(singular, plural, count) % {"count": count}
