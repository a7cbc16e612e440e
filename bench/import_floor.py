"""Benchmark: how much of an import's time the database itself needs.

    python bench/import_floor.py                      # 100,000 papers, SQLite
    python bench/import_floor.py --papers 20000 --database-url postgres://postgres@127.0.0.1/floor
    python bench/import_floor.py --one-transaction    # the replay's commits as one

Imports the synthetic archive of bench/import_bench.py (day files) into an empty,
migrated database, in this process, recording every statement the import sends,
its parameters and every commit. Then empties and migrates the database again and
sends the same statements, in the same transactions, straight to the driver's
connection: no parsing, no planning, no Python building the rows. That replay is the
floor of this schema: its time is spent inside the database, storing these rows in
these indexes and this full-text index, and an importer that stores the same can
shave little off it, whatever its code.

Prints the import's time, the replay's, their ratio, the rate each gives, and where
the replay's time went (each kind of statement, and the commits). Tells nothing about
Django's start-up: both are timed inside one process.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_bench import generate, reset_database  # noqa: E402


@dataclass
class Statement:
    sql: str
    params: Any
    many: bool = False
    copy: list | None = None  # PostgreSQL COPY: its rows

    @property
    def kind(self) -> str:
        """The statement without its values: what the breakdown groups by."""
        return re.sub(r"\s+", " ", self.sql)[:70]


COMMIT = Statement("COMMIT", None)


def record_import(folder: Path) -> tuple[float, list[Statement]]:
    """Import `folder` into the configured database; its seconds and statements."""
    from django.db import connection
    from django.db.backends.base.base import BaseDatabaseWrapper

    from papers.importer import writer
    from papers.importer.files import read_digest_files
    from papers.importer.history import known_files
    from papers.importer.loader import import_files
    from papers.management.commands.import_digest import KEEP_PARSED_PAPERS

    log: list[Statement] = []

    def on_execute(execute, sql, params, many, context):
        if many:
            params = list(params)
        log.append(Statement(sql, params, many))
        return execute(sql, params, many, context)

    commit = BaseDatabaseWrapper._commit

    def on_commit(self):
        log.append(COMMIT)
        return commit(self)

    insert = writer._insert

    def on_insert(table, columns, rows):
        # PostgreSQL's COPY does not pass the execute hook (SQLite's inserts do).
        if rows and connection.vendor == "postgresql":
            rows = [list(row) for row in rows]
            names = ", ".join(columns)
            log.append(Statement(f"COPY {table} ({names}) FROM STDIN", None, copy=rows))
        return insert(table, columns, rows)

    BaseDatabaseWrapper._commit = on_commit
    writer._insert = on_insert
    try:
        # As the command does, reading and parsing the files included.
        started = time.perf_counter()
        with connection.execute_wrapper(on_execute):
            files = read_digest_files(
                [str(folder)],
                stdin=sys.stdin,
                keep_papers=KEEP_PARSED_PAPERS,
                known=known_files,
            )
            report = import_files(files, release=True, build_index=False)
        seconds = time.perf_counter() - started
    finally:
        BaseDatabaseWrapper._commit = commit
        writer._insert = insert
    if report.failed:
        sys.exit(f"the import failed: {report.summary()}")
    print(report.summary())
    return seconds, log


def replay(
    log: list[Statement], *, one_transaction: bool = False
) -> tuple[float, dict[str, float]]:
    """Send the statements again, straight to the driver; seconds, by kind.
    `one_transaction` sends them all in one: what the import's commits cost."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection  # with Django's SQLite functions registered
    postgres = connection.vendor == "postgresql"
    if postgres:
        raw.autocommit = True
    spent: dict[str, float] = collections.defaultdict(float)
    open_transaction = False
    started = time.perf_counter()
    for statement in log:
        began = time.perf_counter()
        if statement is COMMIT:
            if open_transaction and not one_transaction:
                raw.execute("COMMIT")
                open_transaction = False
            spent["COMMIT"] += time.perf_counter() - began
            continue
        if not open_transaction and not statement.sql.startswith("PRAGMA"):
            raw.execute("BEGIN" if postgres else "BEGIN IMMEDIATE")
            open_transaction = True
        if statement.copy is not None:
            with raw.cursor() as cursor, cursor.copy(statement.sql) as copy:
                for row in statement.copy:
                    copy.write_row(row)
        else:
            sql = statement.sql if postgres else statement.sql.replace("%s", "?")
            cursor = raw.cursor()
            if statement.many:
                cursor.executemany(sql, statement.params)
            else:
                cursor.execute(sql, statement.params or ())
                if cursor.description:
                    cursor.fetchall()
            cursor.close()
        spent[statement.kind] += time.perf_counter() - began
    if open_transaction:
        raw.execute("COMMIT")
    return time.perf_counter() - started, spent


def migrate(url: str) -> None:
    reset_database(url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--one-transaction",
        action="store_true",
        help="Replay every statement in one transaction instead of the import's.",
    )
    args = parser.parse_args()

    folder = ROOT / "bench" / "import_data" / str(args.papers)
    generate(folder, args.papers)
    url = args.database_url or f"sqlite:///{ROOT / 'bench' / 'import_floor.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digestsite.settings")
    migrate(url)
    import django

    django.setup()
    from django.db import connection

    imported, log = record_import(folder)
    connection.close()
    migrate(url)
    floor, spent = replay(log, one_transaction=args.one_transaction)
    connection.close()

    rate = args.papers / imported
    print(f"import        {imported:7.1f} s {rate:8,.0f} papers/s")
    print(f"replay        {floor:7.1f} s {args.papers / floor:8,.0f} papers/s")
    print(f"import/replay {imported / floor:7.2f}")
    print("where the replay's time went:")
    for kind, seconds in sorted(spent.items(), key=lambda item: -item[1])[:10]:
        print(f"  {seconds:6.2f} s  {kind}")


if __name__ == "__main__":
    main()
