"""Which files an import may skip: the bytes it imported before, and since when.

Importing the same bytes again changes nothing as long as nothing but imports that
never remove anything has written since: such imports only add appearances, tags
and links, and apply a day's text only when it is newer than the paper's last
digest day, so a file once imported stays absorbed in what is stored. An edit or
deletion in the admin, a shell `save()`, or an `--overwrite` import can undo part of
what a file wrote; each of them changes the data version (papers.browse.version).

So the history is an epoch (one ImportEpoch row: a number and the data version it
is valid for) and, per file name, the hash of the bytes last imported and the epoch
they were imported in (ImportedFile). Each write transaction of an import that does
not overwrite checks, before writing, whether the data version still equals the
epoch's token: if so, the epoch lasts; if not, someone else wrote and a new epoch
begins. After writing, the epoch takes the new data version and the batch's files
are recorded in it. A file may be skipped when its name, its bytes' hash and the
current epoch all match and the epoch's token is the current data version.

A skipped file is reported exactly as a re-import would report it: every paper "as
stored", from the days and warnings recorded with it. A skipped file leaves its
days' `source` and `imported_at` as they were.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

from papers.browse.version import VERSION_PK, current_version
from papers.importer.files import DigestFile, KnownFile
from papers.importer.records import DataWarning
from papers.models import DataVersion, ImportedFile, ImportEpoch

EPOCH_PK = 1
NAME_LENGTH = ImportedFile._meta.get_field("name").max_length
EPOCH_TABLE = ImportEpoch._meta.db_table
FILE_TABLE = ImportedFile._meta.db_table


def known_files(names: Sequence[str]) -> dict[str, KnownFile]:
    """What the current epoch recorded for the files `names`, by name.

    Empty when the data version has moved on since the epoch's last import.
    """
    epoch = ImportEpoch.objects.filter(pk=EPOCH_PK).first()
    if epoch is None or epoch.token != current_version():
        return {}
    found: dict[str, KnownFile] = {}
    for start in range(0, len(names), 500):
        rows = ImportedFile.objects.filter(
            name__in=names[start : start + 500], epoch=epoch.number
        ).values_list("name", "sha256", "days", "warnings")
        for name, sha256, days, warnings in rows:
            found[name] = KnownFile(
                sha256=sha256,
                days=tuple(
                    (datetime.date.fromisoformat(date), tuple(keys))
                    for date, keys in days
                ),
                warnings=tuple(
                    DataWarning(line=line, kind=kind, text=text, source=name)
                    for line, kind, text in warnings
                ),
            )
    return found


def epoch_for(version: str) -> int:
    """The epoch a write transaction's files belong to, given the data version it
    found on starting (papers.importer.writer.locked_version)."""
    # Plain SQL here and below: these run in every write transaction of an import.
    rows = _fetch(f"SELECT number, token FROM {EPOCH_TABLE} WHERE id = %s", [EPOCH_PK])
    if not rows:
        return 1
    number, token = rows[0]
    return number if token == version else number + 1


def record_batch(number: int, files: Iterable[DigestFile]) -> None:
    """Carry epoch `number` to the data version this transaction leaves, and record
    the files it wrote (those read from disk, whose bytes were hashed)."""
    version = f"(SELECT token FROM {DataVersion._meta.db_table} WHERE id = %s)"
    _execute(
        f"INSERT INTO {EPOCH_TABLE} (id, number, token) VALUES (%s, %s, {version}) "
        "ON CONFLICT (id) DO UPDATE SET number = excluded.number, "
        "token = excluded.token",
        [EPOCH_PK, number, VERSION_PK],
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            file.name,
            file.sha256,
            number,
            json.dumps(
                [
                    [
                        record.date.isoformat(),
                        list(dict.fromkeys(row.key for row in record.papers)),
                    ]
                    for record in file.records
                ]
            ),
            json.dumps(
                [
                    [warning.line, warning.kind, warning.text]
                    for record in file.records
                    for warning in record.warnings
                ]
            ),
            now,
        )
        for file in files
        # A name too long for the column is not recorded (never skipped) rather
        # than failing its file.
        if file.sha256 and file.ok and len(file.name) <= NAME_LENGTH
    ]
    if rows:
        as_json = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {FILE_TABLE} "
                "(name, sha256, epoch, days, warnings, imported_at) "
                f"VALUES (%s, %s, %s, {as_json}, {as_json}, %s) "
                "ON CONFLICT (name) DO UPDATE SET sha256 = excluded.sha256, "
                "epoch = excluded.epoch, days = excluded.days, "
                "warnings = excluded.warnings, imported_at = excluded.imported_at",
                rows,
            )


def _fetch(sql: str, params: Sequence[object]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _execute(sql: str, params: Sequence[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
