"""`manage.py import_digest PATH [PATH ...]`: import digest files into the database.

A thin CLI over `papers.importer`: `files` finds, reads and parses the inputs (files,
folders walked recursively in sorted order, `-` for standard input) and `loader`
writes each file's days in one transaction. A file that cannot be read or parsed is
reported on stderr as `path:line: message` and writes nothing; the other files still
import and the command fails at the end naming how many files failed. An import adds
to a day and never removes from it, unless `--overwrite` makes each file
authoritative for its days (see papers.importer.loader). When one run holds the same
day twice (a publisher's markdown table and its JSON), the copy with the most papers
is loaded first, so the day's order follows the fullest table.

After an import the browse index of the new data is built once (papers.browse), which
shows that the new data browses and how long a web worker's rebuild takes.

Verbosity: 0 prints errors only; 1 adds the summary and a warning count per file
with data-quality findings; 2 adds one line per file and every finding.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from papers.browse.engine import warm_up
from papers.importer.files import DigestFile, read_digest_files
from papers.importer.loader import ImportStats, load_files

# Show a progress bar from this many files on, when stderr is a terminal.
PROGRESS_FROM = 10
PROGRESS_WIDTH = 30


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
            help="Parse and load everything, report the counts, then roll back.",
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
        files = read_digest_files(options["paths"], stdin=sys.stdin)
        self._total = len(files)
        self._bar = (
            verbosity == 1 and len(files) >= PROGRESS_FROM and self.stderr.isatty()
        )
        self._verbosity = verbosity
        self._done = 0
        results = load_files(
            files,
            dry_run=options["dry_run"],
            overwrite=options["overwrite"],
            on_loaded=self._loaded,
        )
        self._clear_progress()
        loaded = [stats for stats in results if stats is not None]
        total = sum(loaded, ImportStats())
        failed = len(results) - len(loaded)

        if verbosity >= 1:
            prefix = "Dry run, nothing saved: " if options["dry_run"] else "Imported "
            message = (
                f"{prefix}{len(files) - failed} of {len(files)} files: "
                f"{total.created} papers created, {total.updated} updated, "
                f"{total.unchanged} unchanged, {total.days} days"
                + f", {len(total.warnings)} warnings, {failed} errors."
            )
            style = self.style.WARNING if failed else self.style.SUCCESS
            self.stdout.write(style(message))
        if loaded and not options["dry_run"]:
            seconds = warm_up()
            if verbosity >= 2:
                self.stdout.write(f"Built the browse index in {seconds:.1f} s.")
        if failed:
            raise CommandError(f"{failed} of {len(files)} files failed.")

    def _loaded(self, file: DigestFile, stats: ImportStats | None) -> None:
        """Report one file as soon as it is loaded, then advance the progress bar."""
        if stats is None:
            self._clear_progress()
            self.stderr.write(self.style.ERROR(file.error))
        else:
            self._report(file, stats, self._verbosity)
        self._done += 1
        self._progress(self._done, self._total)

    def _report(self, file: DigestFile, stats: ImportStats, verbosity: int) -> None:
        if verbosity >= 2:
            self.stdout.write(
                f"{file.name}: {stats.days} days, {stats.created} created, "
                f"{stats.updated} updated, {stats.unchanged} unchanged"
                + (f", {stats.removed} dropped from their day" if stats.removed else "")
                + (f", {len(stats.warnings)} warnings" if stats.warnings else "")
            )
            for line in stats.warnings:
                self.stdout.write(f"  {line}")
        elif verbosity == 1 and stats.warnings:
            self._clear_progress()
            self.stdout.write(
                self.style.WARNING(
                    f"{file.name}: {len(stats.warnings)} data-quality warnings "
                    "(-v 2 lists them)"
                )
            )

    def _progress(self, done: int, total: int) -> None:
        """Redraw `[#####     ] 12/200` in place on stderr (a terminal only)."""
        if not self._bar:
            return
        filled = PROGRESS_WIDTH * done // total
        bar = "#" * filled + " " * (PROGRESS_WIDTH - filled)
        self.stderr.write(f"\r[{bar}] {done}/{total}", _plain, ending="")
        self.stderr.flush()

    def _clear_progress(self) -> None:
        if self._bar:
            self.stderr.write("\r\033[K", _plain, ending="")
