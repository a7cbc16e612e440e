"""The admin upload as a background job: `enqueue_import(job)` and the task it runs.

The upload page stores the uploaded files with a queued ImportJob
(`ImportJob.objects.create_for_upload`) and calls `enqueue_import`, which hands the
job to the tasks backend once the row is committed (settings.TASKS; the site's
papers.tasks_backend runs it on a background thread of the web process). That
thread starts a process of its own for the import (`run_import_job`), which parses
the stored bytes and imports them through the same `import_files()` as the
command, writing progress to the job row after each file (throttled to a few writes
a second) and the report when done; the stored bytes are deleted afterwards.

A file that cannot be read, parsed or written writes nothing and marks the job
failed with its message; the other files still import, as with the command.
"""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from papers.importer.apart import can_run_apart, run_apart
from papers.importer.files import DigestFile, DigestSourceError, decode, parse_text
from papers.importer.loader import import_files
from papers.importer.report import ImportReport, ImportStats
from papers.models import ImportJob, ImportJobFile

logger = logging.getLogger(__name__)

# Seconds between progress writes: the page polls every second, and each write is a
# short transaction the import's own writes wait for on SQLite.
PROGRESS_EVERY = 0.5


def enqueue_import(job: ImportJob) -> None:
    """Run the job in the background once the transaction that made it commits."""
    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))


@task()
def run_import_job(job_id: int) -> str:
    """Import the job's stored files, in a process of its own where one sees this
    database (papers.importer.apart): on the web worker's thread, the import would
    wait for the worker's requests while holding SQLite's write lock. Returns the
    job's final status."""
    if can_run_apart():
        error = run_apart(f"{__name__}:import_job", job_id, show_output=True)
        status = ImportJob.objects.values_list("status", flat=True).get(pk=job_id)
        if status == ImportJob.Status.QUEUED:  # the process did not get to it
            return import_job(job_id)
        if status == ImportJob.Status.RUNNING:  # it died, killed or out of memory
            ImportJobFile.objects.filter(job_id=job_id).delete()
            return _stopped(job_id, error)
        return str(status)
    return import_job(job_id)


def import_job(job_id: int) -> str:
    """Import the job's stored files here; returns its final status."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:  # run twice: the first run counts
        return str(job.status)
    started = time.perf_counter()
    _update(job_id, status=ImportJob.Status.RUNNING, started_at=timezone.now())
    try:
        files = [_parse(stored) for stored in job.files.order_by("position")]
        progress = _Progress(job_id, started)
        report = import_files(
            files,
            dry_run=job.dry_run,
            overwrite=job.overwrite,
            on_loaded=progress.loaded,
        )
        # The import alone, without the browse index built after it.
        seconds = time.perf_counter() - started - (report.warm_up_seconds or 0.0)
        status = _finish(job_id, report, seconds=seconds)
        # As the command says with -v2: how long other writers waited at most.
        logger.info(
            "Import job %s: %s The longest write transaction took %s ms.",
            job_id,
            report.summary(),
            f"{report.longest_write * 1000:,.0f}",
        )
    except Exception as error:
        # An error of the importer itself, not of one file: nothing more is
        # known than the message, which the job page shows.
        logger.exception("Import job %s failed", job_id)
        status = _stopped(job_id, error)
    finally:
        ImportJobFile.objects.filter(job_id=job_id).delete()
    return str(status)


def _stopped(job_id: int, reason: object) -> str:
    """Mark the job failed because the import itself stopped, for `reason`; its
    status."""
    _update(
        job_id,
        status=ImportJob.Status.FAILED,
        errors=[f"The import stopped: {reason}"],
        finished_at=timezone.now(),
    )
    return str(ImportJob.Status.FAILED)


def _parse(stored: ImportJobFile) -> DigestFile:
    try:
        text = decode(bytes(stored.data), name=stored.name)
    except DigestSourceError as error:
        return DigestFile(stored.name, error=str(error))
    return parse_text(stored.name, text)


class _Progress:
    """`import_files`'s on_loaded callback: counts files and papers, writes them to
    the job row now and then, and the rate in papers per second."""

    def __init__(self, job_id: int, started: float) -> None:
        self.job_id = job_id
        self.started = started
        self.files = 0
        self.papers = 0
        self.written_at = 0.0

    def loaded(self, file: DigestFile, stats: ImportStats | None) -> None:
        self.files += 1
        if stats is not None:
            self.papers += stats.papers
        now = time.perf_counter()
        if now - self.written_at >= PROGRESS_EVERY:
            self.written_at = now
            _update(
                self.job_id,
                files_done=self.files,
                papers_done=self.papers,
                papers_per_second=self.papers / max(now - self.started, 1e-9),
            )


def _finish(job_id: int, report: ImportReport, *, seconds: float) -> str:
    results = []
    for file, stats in zip(report.files, report.results, strict=True):
        row = {"name": file.name, "error": file.error}
        if stats is not None:
            row |= {
                "days": stats.days,
                "created": stats.created,
                "updated": stats.updated,
                "unchanged": stats.unchanged,
                "warnings": [warning.located for warning in stats.warnings],
            }
        results.append(row)
    status = ImportJob.Status.FAILED if report.failed else ImportJob.Status.DONE
    papers = report.total.papers
    _update(
        job_id,
        status=status,
        files_done=len(report.files),
        papers_done=papers,
        papers_per_second=papers / max(seconds, 1e-9),
        summary=report.summary(),
        file_results=results,
        errors=[file.error for file in report.files if file.error],
        finished_at=timezone.now(),
    )
    return status


def _update(job_id: int, **fields: object) -> None:
    ImportJob.objects.filter(pk=job_id).update(updated_at=timezone.now(), **fields)
