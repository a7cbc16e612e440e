"""`manage.py import_digest PATH [PATH ...]`: import digest files into the database.

A thin CLI over `papers.importer`: `files` finds, reads and parses the inputs (files,
folders walked recursively in sorted order, `-` for standard input, none larger than
`--max-size` MB) and `loader.import_files` writes them, each file all or nothing. A
file that cannot be read or parsed is reported on stderr as `path:line: message` and
writes nothing; the other files still import and the command fails at the end
naming how many files failed. An import adds to a day and never removes from it,
unless `--overwrite` makes each file authoritative for its days (see
papers.importer.plan). When one run holds the same day twice (a publisher's markdown
table and its JSON), the copy with the most papers is loaded first, so the day's
order follows the fullest table.

The summary counts what an admin can check against the site: files, distinct days,
papers new to the database, papers changed, papers already as stored, warnings and
errors. A dry run plans everything and prints the same summary, writing nothing.

Web workers browse an import's papers with a browse index of the new data. The
command builds it after writing, before the papers appear, in a process of its own,
and saves it for the workers of this machine (papers.importer.browse_index.data_changed,
papers.browse.shared): none of them has to build it. Where the index is not shared
(`BROWSE_INDEX_DIR` empty), each worker builds its own, and --build-index builds one
in the command too, to show that the new data browses and how long a build takes;
--no-build-index leaves it to the workers in any case.

Verbosity: 0 prints errors only; 1 adds the summary and a warning count per file
with data-quality findings; 2 adds one line per file and every finding. Long imports
show their progress on stderr: files done, papers and the rate in papers per second,
as a bar redrawn in place on a terminal, or as a line every PROGRESS_LINE_SECONDS
seconds when stderr is a file or a pipe (a log, a cron job's mail).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from papers.browse.shared import index_store
from papers.importer.apart import can_run_apart
from papers.importer.files import DEFAULT_MAX_MEGABYTES, DigestFile, read_digest_files
from papers.importer.history import known_files
from papers.importer.loader import import_files
from papers.importer.parse_ahead import PARSE_AHEAD_FROM
from papers.importer.report import ImportStats, counted

# Parsed papers held in memory before further files are only sketched now and parsed
# when their turn comes: an archive of any size then imports in about the same
# memory. As many as parse-ahead starts from, so on a larger archive writing starts
# sooner and the worker parses while the batches are written (100,000 papers import
# 7% faster than keeping 20,000).
KEEP_PARSED_PAPERS = PARSE_AHEAD_FROM
# Show a progress bar from this many files on, when stderr is a terminal.
PROGRESS_FROM = 10
PROGRESS_WIDTH = 30
# Without a terminal: a progress line at most this often, so a short import prints
# none and a long one a few dozen.
PROGRESS_LINE_SECONDS = 10.0


def _plain(text: str) -> str:
    """No styling: stderr's default style is ERROR, bold red on a terminal."""
    return text


class Command(BaseCommand):
    help = (
        "Import daily AI-paper digests (markdown tables or JSON daily results) from "
        "files, folders (recursively) or '-' for standard input. An import adds to "
        "a day and never removes from it; papers edited in the admin keep their "
        "edits. --overwrite makes the files authoritative."
    )
    _bar = False  # whether a progress bar is being drawn on stderr
    # The import reads no URL configuration or templates; the system checks would
    # cost half a second of every run, most of a re-import's time.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths",
            nargs="+",
            metavar="PATH",
            help="A digest file, a folder to search recursively, or '-' for stdin.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Parse and plan everything and report the counts; save nothing.",
        )
        parser.add_argument(
            "--max-size",
            type=float,
            default=DEFAULT_MAX_MEGABYTES,
            metavar="MB",
            help=(
                "Refuse input files larger than this many megabytes "
                f"(default {DEFAULT_MAX_MEGABYTES:g})."
            ),
        )
        parser.add_argument(
            "--build-index",
            action=argparse.BooleanOptionalAction,
            default=None,
            help=(
                "After writing, build the browse index of the new data, in a "
                "process of its own where one can see the database (at a million "
                "papers: some 13 s and 412 MB). By default it does when the index "
                "is shared with the web workers (BROWSE_INDEX_DIR), which then load "
                "it instead of building it."
            ),
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help=(
                "Let the files' title, summary, arXiv link and authors replace the "
                "stored ones, including fields edited in the admin, and make each "
                "day hold exactly its file's papers in the file's order."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        if options["max_size"] <= 0:
            raise CommandError("--max-size must be a positive number of megabytes.")
        files = read_digest_files(
            options["paths"],
            stdin=sys.stdin,
            max_bytes=int(options["max_size"] * 1024 * 1024),
            keep_papers=KEEP_PARSED_PAPERS,
            # Bytes imported before are skipped unless the files are to overwrite.
            known=None if options["overwrite"] else known_files,
        )
        self._total = len(files)
        self._bar = (
            verbosity == 1 and len(files) >= PROGRESS_FROM and self.stderr.isatty()
        )
        self._lines = verbosity >= 1 and not self.stderr.isatty()
        self._verbosity = verbosity
        self._done = 0
        self._papers = 0
        self._started = time.perf_counter()
        self._line_at = self._started
        report = import_files(
            files,
            dry_run=options["dry_run"],
            overwrite=options["overwrite"],
            on_loaded=self._loaded,
            release=True,
            build_index=(
                index_store(connection.alias) is not None
                if options["build_index"] is None
                else options["build_index"]
            ),
            build_apart=can_run_apart(),  # not on top of the import's memory
        )
        self._clear_progress()
        failed = report.failed

        if verbosity >= 1:
            style = self.style.WARNING if failed else self.style.SUCCESS
            self.stdout.write(style(report.summary()))
        if verbosity >= 2:
            # The import alone, without the browse index built after it.
            seconds = time.perf_counter() - self._started
            seconds -= report.warm_up_seconds or 0.0
            papers = report.total.papers
            writes = (
                "a dry run writes nothing"
                if report.dry_run
                else "the longest write transaction took "
                f"{report.longest_write * 1000:,.0f} ms"
            )
            if not report.dry_run and connection.vendor == "postgresql":
                # Other writers there wait only for the data version's row.
                writes += (
                    ", and it held the data version's row, which other writers "
                    f"of papers wait for, {report.longest_version_lock * 1000:,.0f} "
                    "ms at most"
                )
            self.stdout.write(
                f"{papers} paper rows in {seconds:.1f} s "
                f"({papers / max(seconds, 1e-9):,.0f} papers/s); {writes}."
            )
            if report.warm_up_seconds is not None:
                self.stdout.write(
                    f"Built the browse index in {report.warm_up_seconds:.1f} s"
                    + (", in a process of its own." if report.built_apart else ".")
                )
            if (compaction := report.search_compaction) is not None:
                merged = (
                    "the search index"
                    if compaction.whole
                    else "the search index's smaller pieces"
                )
                steps = counted(compaction.steps, "%(count)d step", "%(count)d steps")
                self.stdout.write(
                    f"Merged {merged} in {compaction.seconds:.1f} s ({steps}, "
                    f"the longest {compaction.longest_step * 1000:,.0f} ms)."
                )
        if failed:
            raise CommandError(
                f"{failed} of "
                + counted(len(files), "%(count)d file", "%(count)d files")
                + " failed."
            )

    def _loaded(self, file: DigestFile, stats: ImportStats | None) -> None:
        """Report one file as soon as it is loaded, then advance the progress bar."""
        if stats is None:
            self._clear_progress()
            self.stderr.write(self.style.ERROR(file.error))
        else:
            self._report(file, stats, self._verbosity)
            self._papers += stats.papers
        self._done += 1
        self._progress(self._done, self._total)

    def _report(self, file: DigestFile, stats: ImportStats, verbosity: int) -> None:
        if verbosity >= 2:
            self.stdout.write(
                f"{file.name}: "
                + counted(stats.days, "%(count)d day", "%(count)d days")
                + f", {stats.created} created, {stats.updated} updated, "
                f"{stats.unchanged} unchanged"
                + (f", {stats.removed} dropped from their day" if stats.removed else "")
                + (
                    ", "
                    + counted(
                        len(stats.warnings), "%(count)d warning", "%(count)d warnings"
                    )
                    if stats.warnings
                    else ""
                )
            )
            for warning in stats.warnings:
                self.stdout.write(f"  {warning.located}")
        elif verbosity == 1 and stats.warnings:
            self._clear_progress()
            self.stdout.write(
                self.style.WARNING(
                    f"{file.name}: "
                    + counted(
                        len(stats.warnings),
                        "%(count)d data-quality warning",
                        "%(count)d data-quality warnings",
                    )
                    + " (-v 2 lists them)"
                )
            )

    def _progress(self, done: int, total: int) -> None:
        """Redraw `[#####     ] 12/200 files, 600 papers, 9,000 papers/s` in place
        on a terminal; elsewhere write `Progress: 12/200 files, ...` now and then."""
        now = time.perf_counter()
        rate = self._papers / max(now - self._started, 1e-9)
        counts = (
            f"{done}/{total} files, "
            + counted(self._papers, "%(count)d paper", "%(count)d papers")
            + f", {rate:,.0f} papers/s"
        )
        if self._bar:
            filled = PROGRESS_WIDTH * done // total
            bar = "#" * filled + " " * (PROGRESS_WIDTH - filled)
            self.stderr.write(f"\r[{bar}] {counts}", _plain, ending="")
            self.stderr.flush()
        elif (
            self._lines
            and done < total
            and now - self._line_at >= PROGRESS_LINE_SECONDS
        ):
            self._line_at = now
            self.stderr.write(f"Progress: {counts}", _plain)

    def _clear_progress(self) -> None:
        if self._bar:
            self.stderr.write("\r\033[K", _plain, ending="")
