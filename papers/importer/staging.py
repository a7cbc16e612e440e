"""Import stages: a large file written in short transactions, published at once.

SQLite lets one writer in at a time, so a file of 100,000 papers written in one
transaction kept every other writer (a reader's bookmark toggle) waiting for 22 s.
Yet each file must stay all or nothing for readers. So a file with more new papers
than one batch is written in stages (papers.importer.loader): `open_stage` creates
an ImportStage row; the file's new days and new papers, with their authorships, tag
links, appearances and search rows, are written in short transactions marked with
its id, which every default manager hides (papers.models.visible); the last short
transaction writes the changes to stored papers and days and deletes the stage row
(`publish`), which makes everything appear at once.

A file that fails is taken back by `discard`, in short transactions too; until
then its rows stay hidden. An import killed outright leaves its stage open and
hidden: each import first discards the stages whose `alive_until` has passed (every
transaction of a running import renews it), see `discard_abandoned`.

The importer itself reads every row, hidden or not (papers.importer.writer). A
second import running at the same time whose batch names a paper or a day that
the first has written but not published yet does not merge into those rows, which
the first may yet take back: it waits until the first's stage is published or
discarded (`wait_until_closed`), then reads and plans the batch again.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Collection, Iterable

from django.db import transaction
from django.utils import timezone

from papers.models import Author, Digest, ImportStage, Paper, Tag

# How long a stage lives without a write of its import. Far longer than the gap
# between two transactions of a running import (a few seconds at most, when other
# writers hold the lock), so only a killed import's stage expires.
STAGE_LEASE = datetime.timedelta(minutes=10)
# Papers (and authors, tags) deleted per transaction when a stage is discarded.
DISCARD_PAPERS = 500
# How often an import waiting for another's stage (`wait_until_closed`) looks again.
WAIT_SECONDS = 0.2


def _until() -> datetime.datetime:
    return timezone.now() + STAGE_LEASE


def open_stage(source: str) -> int:
    """A new stage for the file `source`; its id marks what the import writes."""
    source_length = ImportStage._meta.get_field("source").max_length
    stage = ImportStage.objects.create(
        source=source[:source_length], alive_until=_until()
    )
    return stage.pk


def renew(stage: int) -> None:
    """Keep `stage` alive; call in each of its import's transactions."""
    ImportStage.objects.filter(pk=stage).update(alive_until=_until())


def publish(stage: int) -> None:
    """Show what `stage` wrote; call in the import's last transaction, which also
    bumps the data version."""
    ImportStage.objects.filter(pk=stage).delete()


def discard(
    stage: int, *, authors: Iterable[str] = (), tags: Iterable[str] = ()
) -> None:
    """Delete what `stage` wrote, then the stage, in short transactions.

    Deleting the papers deletes their authorships, tag links, appearances and
    search rows with them; the stage's days hold nothing else. Authors and tags are
    rows of their own that other papers may share: those among `authors` (names)
    and `tags` (slugs), which the import created, go once no paper has them.
    """
    papers = Paper._base_manager.filter(import_stage=stage)
    while True:
        with transaction.atomic():
            batch = list(papers.values_list("pk", flat=True)[:DISCARD_PAPERS])
            if not batch:
                break
            Paper._base_manager.filter(pk__in=batch).delete()
    authors, tags = list(authors), list(tags)
    for start in range(0, max(len(authors), len(tags)), DISCARD_PAPERS):
        with transaction.atomic():
            Author.objects.filter(
                name__in=authors[start : start + DISCARD_PAPERS],
                authorships__isnull=True,
            ).delete()
            Tag.objects.filter(
                slug__in=tags[start : start + DISCARD_PAPERS], papers__isnull=True
            ).delete()
    with transaction.atomic():
        Digest._base_manager.filter(import_stage=stage).delete()
        ImportStage.objects.filter(pk=stage).delete()


def discard_abandoned() -> int:
    """Discard the stages of imports that were killed; how many there were."""
    abandoned = list(
        ImportStage.objects.filter(alive_until__lt=timezone.now()).values_list(
            "pk", flat=True
        )
    )
    for stage in abandoned:
        discard(stage)
    return len(abandoned)


def wait_until_closed(stages: Collection[int]) -> None:
    """Wait until none of `stages` is open: each published or discarded by its own
    import, or past its lease (that import was killed) and discarded here."""
    while True:
        still_open = ImportStage.objects.filter(pk__in=stages)
        if not still_open.exists():
            return
        if not still_open.filter(alive_until__gte=timezone.now()).exists():
            discard_abandoned()
            return
        pause()


def pause() -> None:
    """One wait of `wait_until_closed` (a test makes the other import end here)."""
    time.sleep(WAIT_SECONDS)
