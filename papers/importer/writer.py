"""The import's database side: read what is stored, write a plan's changes.

`read_stored(records)` fetches, in a few bulk queries, what papers.importer.plan needs
to know about the papers, days and tags some records name. `write(changes, stored)`
applies a plan with one bulk statement per table and kind of change, whatever the
number of days or papers, and maintains the search index in bulk: per-row search
triggers (migration 0002, made switchable by migration 0007) are switched off inside
the import's own transaction only, so other connections' single edits keep the index
in step as before, and the writer inserts each paper's search document once, with its
author names joined here rather than re-aggregated per authorship row.

Writes never parse text, and merge rules live in the plan: this module only turns
final values into SQL. Callers run `write` inside a transaction.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.db import DatabaseError, connection
from django.utils import timezone

from papers.browse.version import VERSION_PK, bump_data_version
from papers.importer.parser import tag_slug
from papers.importer.plan import Changes, Stored, StoredDay, StoredPaper
from papers.importer.records import DigestRecord
from papers.models import (
    Appearance,
    Author,
    Authorship,
    DataVersion,
    Digest,
    ImportStage,
    Paper,
    Tag,
)

TagLink = Paper.tags.through
# Rows per `IN (...)` list: under SQLite's variable limit (which a build may lower
# to 999) and small enough to keep each statement short.
MAX_CHUNK = 5_000

# The SQLite search table, whose triggers the import drops for one transaction,
# and the setting that switches PostgreSQL's off (see _search_triggers_off).
SQLITE_SEARCH_TABLE = "papers_paper_fts"
POSTGRES_BULK_SETTING = "papers.search_bulk"


def chunks(values: Sequence[Any], size: int | None = None) -> Iterator[Sequence[Any]]:
    size = size or chunk_size()
    for start in range(0, len(values), size):
        yield values[start : start + size]


def chunk_size(per_row: int = 1) -> int:
    limit = connection.features.max_query_params or MAX_CHUNK
    return max(1, min(MAX_CHUNK, (limit - 10) // per_row))


def _fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _fetch_in(sql: str, values: Sequence[Any], *, extra: Sequence[Any] = ()) -> list:
    """Rows of `sql` whose `IN ({in})` is bound to `values`.

    PostgreSQL gets them as one array (`= ANY(%s)`): one statement whatever their
    number, and no thousands of parameters to parse and bind (a 100,000-paper
    import spent 2.5 s looking up author names as `IN` lists). Elsewhere each chunk
    of `values` fills an `IN` list.
    """
    if connection.vendor == "postgresql":
        values = list(values)
        if not values:
            return []
        return _fetch(sql.replace("IN ({in})", "= ANY(%s)"), [*extra, values])
    rows: list = []
    for chunk in chunks(list(values)):
        marks = ", ".join(["%s"] * len(chunk))
        rows.extend(_fetch(sql.format(**{"in": marks}), [*extra, *chunk]))
    return rows


def _execute(sql: str, params: Sequence[Any] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _many(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def _insert(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert plain new rows: PostgreSQL's COPY, which skips parsing, planning and
    binding each row (several times faster than INSERT), else one executemany."""
    if not rows:
        return
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        # Django's own error classes, as for any query, so a refused file fails
        # alone (papers.importer.loader).
        with (
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    _many(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _insert_unless_stored(
    table: str,
    columns: Sequence[str],
    values: Sequence[Sequence[str]],
    *,
    returning: str = "id",
) -> list[tuple]:
    """Insert text rows, given column by column (`values[i]` fills `columns[i]`),
    leaving out those a unique column already holds (ON CONFLICT DO NOTHING).

    PostgreSQL gets each column as one array, unnested into rows by one statement:
    row by row (executemany), 10,000 new authors took 1.1 s of a 20,000-paper
    import. It returns the `returning` columns of the rows it inserted; elsewhere
    one executemany returns nothing, and the caller reads back what it needs.
    """
    if not values or not values[0]:
        return []
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        arrays = ", ".join(["%s::text[]"] * len(columns))
        return _fetch(
            f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT DO NOTHING RETURNING {returning}",
            [list(column) for column in values],
        )
    marks = ", ".join(["%s"] * len(columns))
    _many(
        f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING",
        list(zip(*values, strict=True)),
    )
    return []


def _json(value: Any) -> Any:
    return value if isinstance(value, list) else json.loads(value or "[]")


def _json_list(values: Sequence[str]) -> str:
    # Most papers have no links or edits: their "[]" needs no encoder.
    return json.dumps(list(values)) if values else "[]"


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


# Reading --------------------------------------------------------------------------


def read_stored(
    records: Sequence[DigestRecord],
    *,
    overwrite: bool = False,
    known_authors: Mapping[str, int] | None = None,
) -> Stored:
    """What the database holds for the papers, days and tags `records` name.

    With `overwrite`, papers on the records' days that the records leave out are
    read too: the plan takes those days from them. `known_authors` holds author
    ids by name that the caller knows to be still true; only other names are read.
    """
    stages: set[int] = set()
    dates = sorted({record.date for record in records})
    days = _read_days(dates, stages)
    keys = {row.key for record in records for row in record.papers}
    if overwrite:
        keys.update(key for day in days.values() for key in day.positions)
    wanted_tags: dict[str, str] = {}
    authors: dict[str, None] = {}
    for record in records:
        for row in record.papers:
            for name in row.tags:
                wanted_tags.setdefault(tag_slug(name), name)
            authors.update(dict.fromkeys(row.authors))
    known = known_authors or {}
    return Stored(
        papers=_read_papers(sorted(keys), stages),
        days=days,
        tags=_read_tags(wanted_tags),
        authors={name: known[name] for name in authors if name in known}
        | _read_authors([name for name in authors if name not in known]),
        stages=_still_open(stages),
    )


def _read_authors(names: Sequence[str]) -> dict[str, int]:
    sql = f"SELECT name, id FROM {Author._meta.db_table} WHERE name IN ({{in}})"
    return dict(_fetch_in(sql, names))


def any_stored(*, keys: Sequence[str], dates: Sequence[datetime.date]) -> bool:
    """Whether any paper with one of `keys` or day of `dates` is stored, hidden or
    not."""
    papers = f"SELECT 1 FROM {Paper._meta.db_table} WHERE key IN ({{in}}) LIMIT 1"
    days = f"SELECT 1 FROM {Digest._meta.db_table} WHERE date IN ({{in}}) LIMIT 1"
    ops = connection.ops
    return bool(
        _fetch_in(papers, keys)
        or _fetch_in(days, [ops.adapt_datefield_value(date) for date in dates])
    )


def _still_open(stages: set[int]) -> frozenset[int]:
    """Those of `stages` not yet published or discarded: a row keeps the id of the
    stage that wrote it, and is shown once that stage's row is gone."""
    if not stages:
        return frozenset()
    table = ImportStage._meta.db_table
    found = _fetch_in(f"SELECT id FROM {table} WHERE id IN ({{in}})", list(stages))
    return frozenset(pk for (pk,) in found)


def _read_days(
    dates: Sequence[datetime.date], stages: set[int]
) -> dict[datetime.date, StoredDay]:
    """The days stored for `dates`; adds to `stages` the open stages that wrote
    any of them (see Stored.stages)."""
    ops = connection.ops
    found = {}
    for pk, date, source, stage in _fetch_in(
        f"SELECT id, date, source, import_stage FROM {Digest._meta.db_table} "
        "WHERE date IN ({in})",
        [ops.adapt_datefield_value(date) for date in dates],
    ):
        found[_date(date)] = (pk, source)
        if stage is not None:
            stages.add(stage)
    positions: dict[int, dict[str, int]] = {pk: {} for pk, _ in found.values()}
    for digest_id, key, position in _fetch_in(
        f"SELECT a.digest_id, p.key, a.position FROM {Appearance._meta.db_table} a "
        f"JOIN {Paper._meta.db_table} p ON p.id = a.paper_id "
        "WHERE a.digest_id IN ({in})",
        list(positions),
    ):
        positions[digest_id][key] = position
    return {
        date: StoredDay(date=date, source=source, positions=positions[pk], id=pk)
        for date, (pk, source) in found.items()
    }


def _read_papers(keys: Sequence[str], stages: set[int]) -> dict[str, StoredPaper]:
    """The papers stored under `keys`; adds to `stages` the open stages that wrote
    any of them."""
    rows = _fetch_in(
        "SELECT id, key, arxiv_id, title, summary, arxiv_url, github_urls, "
        f"huggingface_urls, edited_fields, import_stage FROM {Paper._meta.db_table} "
        "WHERE key IN ({in})",
        keys,
    )
    stages.update(row[-1] for row in rows if row[-1] is not None)
    ids = [row[0] for row in rows]
    authors: dict[int, list[str]] = {}
    for paper_id, name in _fetch_in(
        f"SELECT s.paper_id, a.name FROM {Authorship._meta.db_table} s "
        f"JOIN {Author._meta.db_table} a ON a.id = s.author_id "
        "WHERE s.paper_id IN ({in}) ORDER BY s.paper_id, s.position",
        ids,
    ):
        authors.setdefault(paper_id, []).append(name)
    tags: dict[int, set[int]] = {}
    for paper_id, tag_id in _fetch_in(
        f"SELECT paper_id, tag_id FROM {TagLink._meta.db_table} "
        "WHERE paper_id IN ({in})",
        ids,
    ):
        tags.setdefault(paper_id, set()).add(tag_id)
    dates: dict[int, set[datetime.date]] = {}
    for paper_id, date in _fetch_in(
        f"SELECT paper_id, date FROM {Appearance._meta.db_table} "
        "WHERE paper_id IN ({in})",
        ids,
    ):
        dates.setdefault(paper_id, set()).add(_date(date))
    papers = {}
    for pk, key, arxiv_id, title, summary, url, github, hf, edited, _ in rows:
        papers[key] = StoredPaper(
            id=pk,
            key=key,
            arxiv_id=arxiv_id,
            title=title,
            summary=summary,
            arxiv_url=url,
            github_urls=tuple(_json(github)),
            huggingface_urls=tuple(_json(hf)),
            authors=tuple(authors.get(pk, ())),
            tags=frozenset(tags.get(pk, ())),
            edited_fields=tuple(_json(edited)),
            dates=frozenset(dates.get(pk, ())),
        )
    return papers


def _read_tags(wanted: dict[str, str]) -> dict[str, int]:
    """Stored tag ids by slug, for the (slug, first spelling) pairs wanted.

    A tag renamed in the admin keeps its slug; one whose slug was changed by hand
    is still found by its name, so neither ever gets a twin.
    """
    if not wanted:
        return {}
    by_slug: dict[str, int] = {}
    by_name: dict[str, int] = {}
    table = Tag._meta.db_table
    for pk, slug, name in _fetch_in(
        f"SELECT id, slug, name FROM {table} WHERE slug IN ({{in}})", list(wanted)
    ) + _fetch_in(
        f"SELECT id, slug, name FROM {table} WHERE name IN ({{in}})",
        list(wanted.values()),
    ):
        by_slug[slug] = pk
        by_name[name] = pk
    found = {}
    for slug, name in wanted.items():
        pk = by_slug.get(slug, by_name.get(name))
        if pk is not None:
            found[slug] = pk
    return found


# Writing --------------------------------------------------------------------------


def refresh_statistics() -> None:
    """PostgreSQL: ANALYZE the tables an import fills (see papers.importer.loader);
    it reads a sample of each and blocks neither readers nor writers."""
    if connection.vendor != "postgresql":
        return
    tables = [Paper, Author, Authorship, Appearance, Digest, Tag, TagLink]
    _execute("ANALYZE " + ", ".join(model._meta.db_table for model in tables))


def locked_version() -> str:
    """The data version, read first in a write transaction; call inside one.

    On PostgreSQL its row stays locked until the transaction ends, so no other
    writer's change can land between this read and the writes that follow (SQLite's
    write transactions already exclude each other).
    """
    return data_version(lock=connection.features.has_select_for_update)


def check_foreign_keys_now() -> None:
    """PostgreSQL: check the foreign keys this transaction deferred now, rather than
    in its commit (Django's `check_constraints`: immediate, then deferred again), so
    a lock taken after this is not held through them."""
    if connection.vendor == "postgresql":
        connection.check_constraints()


def data_version(*, lock: bool = False) -> str:
    """The data version (papers.browse.version.current_version in plain SQL, which
    each batch of an import reads twice)."""
    sql = f"SELECT token FROM {DataVersion._meta.db_table} WHERE id = %s"
    rows = _fetch(sql + (" FOR UPDATE" if lock else ""), [VERSION_PK])
    return (rows[0][0] or "") if rows else ""


def write(changes: Changes, stored: Stored) -> None:
    """Apply a plan's changes; call inside a transaction (one file, or a batch)."""
    if write_rows(changes, stored):
        # The browse indexes are stale once this commits (and only if it does):
        # the version changes in the same transaction as the data.
        bump_data_version()


def write_rows(changes: Changes, stored: Stored, *, stage: int | None = None) -> bool:
    """`write` without the data version's bump, which the caller then makes in the
    same transaction; whether anything was written.

    With `stage` (an open papers.models.ImportStage), the papers, days and
    appearances it inserts are marked as that stage's: hidden until it publishes.
    """
    if not changes.writes_anything:
        return False
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    _prepare_connection()
    with _search_triggers_off():
        author_ids = _ensure_authors(
            {
                name: None
                for key in changes.authors
                for name in changes.papers[key].authors
            },
            stored.authors,
        )
        tag_ids = {**stored.tags, **_ensure_tags(changes.new_tags)}
        day_ids = _write_days(changes, now, stage)
        paper_ids = _write_papers(changes, stored, now, stage)
        _write_authorships(changes, paper_ids, author_ids)
        _write_tag_links(changes, paper_ids, tag_ids)
        _write_appearances(changes, stored, paper_ids, day_ids, stage)
        _write_search_documents(changes, stored, paper_ids)
    return True


def _prepare_connection() -> None:
    """SQLite: set this connection up for imports, once per connection: a 64 MB
    page cache (the default 2 MB is smaller than the indexes a large import
    touches) and, in WAL mode, no automatic checkpoint (see checkpoint)."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    # Remembered on Django's wrapper: a new raw connection (after a reconnect) is
    # set up again.
    if getattr(connection, "_importer_prepared", None) is not raw:
        _execute("PRAGMA cache_size = -65536")
        if _in_wal_mode():
            # The import copies the log back itself, between its transactions
            # (see checkpoint).
            _execute("PRAGMA wal_autocheckpoint = 0")
        connection._importer_prepared = raw


def checkpoint() -> int | None:
    """SQLite in WAL mode: copy the write-ahead log back into the database file, as
    far as no reader still needs it; the pages the log held. None elsewhere, and
    inside a transaction (whose writes are not in the log yet).

    SQLite's automatic checkpoint runs inside the `commit()` that crosses its limit,
    after the write lock is released: other writers do not wait for it, but the
    import's own timing of its transactions did. At 100,000 papers one write in
    seven looked 90 to 160 ms longer than it held the lock, and the batches after
    it were sized too small. So the import turns it off and calls this between its
    transactions (papers.importer.pacing.Checkpoints). A passive checkpoint, like
    SQLite's own: it never waits for readers or writers.
    """
    if connection.in_atomic_block or not _in_wal_mode():
        return None
    [(_busy, log, _copied)] = _fetch("PRAGMA wal_checkpoint(PASSIVE)")
    return log


def _in_wal_mode() -> bool:
    if connection.vendor != "sqlite":
        return False
    [(mode,)] = _fetch("PRAGMA journal_mode")
    return mode == "wal"


class _search_triggers_off:
    """Switch the per-row search triggers off for the rest of this transaction.

    SQLite: the triggers that write the search table are dropped and created again,
    from their own stored SQL, before the transaction ends. Transactional DDL: no
    other connection ever sees them missing, and a rollback restores them. Merely
    guarding them (migration 0007's `papers_search_bulk` row) still costs each paper
    row about 17 us of trigger set-up, two thirds of its insert. PostgreSQL: a
    transaction-local setting that the triggers check.
    """

    def __enter__(self) -> None:
        self.dropped: list[tuple[str, str]] = []
        if connection.vendor == "sqlite":
            self.dropped = _fetch(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND sql LIKE %s",
                [f"%{SQLITE_SEARCH_TABLE}%"],
            )
            for name, _ in self.dropped:
                _execute(f'DROP TRIGGER "{name}"')
        elif connection.vendor == "postgresql":
            _fetch("SELECT set_config(%s, 'on', true)", [POSTGRES_BULK_SETTING])

    def __exit__(self, *exc: object) -> None:
        # Switched back on even after an error, so a caller that goes on in the same
        # transaction instead of rolling back never commits without the triggers; an
        # error that aborted the transaction (PostgreSQL) undoes the switch anyway.
        try:
            with connection.cursor() as cursor:
                for _, sql in self.dropped:
                    cursor.execute(sql, None)  # verbatim: no markers to convert
            if connection.vendor == "postgresql":
                _fetch("SELECT set_config(%s, 'off', true)", [POSTGRES_BULK_SETTING])
        except DatabaseError:
            if exc[0] is None:
                raise


def _ensure_authors(names: dict[str, None], stored: dict[str, int]) -> dict[str, int]:
    """Author ids by name, creating the authors not stored yet.

    `stored` holds the ids read with the plan: the data version proves them still
    true (every change to an author bumps it, and a batch whose version moved is
    planned again), so only the other names are looked up here.
    """
    ids = {name: stored[name] for name in names if name in stored}
    missing = [name for name in names if name not in ids]
    if missing:
        created = dict(
            _insert_unless_stored(
                Author._meta.db_table, ["name"], [missing], returning="name, id"
            )
        )
        ids.update(created)
        # Those another writer added meanwhile, or all where nothing was returned.
        ids.update(_read_authors([name for name in missing if name not in created]))
    return ids


def _ensure_tags(new_tags: dict[str, str]) -> dict[str, int]:
    """Ids by slug of the tags a plan found missing, created with their spelling."""
    if not new_tags:
        return {}
    _insert_unless_stored(
        Tag._meta.db_table, ["name", "slug"], [list(new_tags.values()), list(new_tags)]
    )
    return _read_tags(new_tags)


def _write_days(
    changes: Changes, now: Any, stage: int | None
) -> dict[datetime.date, int]:
    ops = connection.ops
    table = Digest._meta.db_table
    ids = {date: day.id for date, day in changes.days.items() if day.id is not None}
    new = [date for date in changes.day_sources if date not in ids]
    _many(
        f"INSERT INTO {table} (date, source, imported_at, import_stage) "
        "VALUES (%s, %s, %s, %s)",
        [
            (ops.adapt_datefield_value(d), changes.day_sources[d], now, stage)
            for d in new
        ],
    )
    _many(
        f"UPDATE {table} SET source = %s, imported_at = %s WHERE id = %s",
        [
            (source, now, ids[date])
            for date, source in changes.day_sources.items()
            if date in ids
        ],
    )
    if new:
        ids.update(
            (_date(date), pk)
            for pk, date in _fetch_in(
                f"SELECT id, date FROM {table} WHERE date IN ({{in}})",
                [ops.adapt_datefield_value(date) for date in new],
            )
        )
    return ids


def _write_papers(
    changes: Changes, stored: Stored, now: Any, stage: int | None
) -> dict[str, int]:
    """Insert and update the papers; their ids by key (every key the plan names)."""
    ops = connection.ops
    table = Paper._meta.db_table
    postgres = connection.vendor == "postgresql"
    as_json = "%s::jsonb" if postgres else "%s"
    # PostgreSQL searches a column the triggers used to fill per authorship row;
    # the names are joined here once per paper instead, and the stored search
    # vector (migration 0010) is recomputed from them by the database, once.

    def dates(paper: StoredPaper) -> tuple:
        first, last = paper.first_date, paper.last_date
        return (
            first and ops.adapt_datefield_value(first),
            last and ops.adapt_datefield_value(last),
        )

    def values(paper: StoredPaper) -> list:
        row = [
            paper.arxiv_id,
            paper.title,
            paper.summary,
            paper.arxiv_url,
            _json_list(paper.github_urls),
            _json_list(paper.huggingface_urls),
            *dates(paper),
            _json_list(paper.edited_fields),
        ]
        if postgres:
            row.append(", ".join(paper.authors))
        return row

    new = [changes.papers[key] for key in changes.papers if key in changes.new]
    _insert(
        table,
        [
            "arxiv_id",
            "title",
            "summary",
            "arxiv_url",
            "github_urls",
            "huggingface_urls",
            "first_digest_date",
            "last_digest_date",
            "edited_fields",
            # PostgreSQL searches a column the triggers used to fill per
            # authorship row; the document is computed here once per paper.
            *(["author_names"] if postgres else []),
            "key",
            "created_at",
            "updated_at",
            "import_stage",
        ],
        [[*values(paper), paper.key, now, now, stage] for paper in new],
    )
    changed = [p for key, p in changes.papers.items() if key not in changes.new]
    _many(
        f"UPDATE {table} SET arxiv_id = %s, title = %s, summary = %s, "
        f"arxiv_url = %s, github_urls = {as_json}, huggingface_urls = {as_json}, "
        f"first_digest_date = %s, last_digest_date = %s, edited_fields = {as_json}"
        f"{', author_names = %s' if postgres else ''}, updated_at = %s WHERE id = %s",
        [[*values(paper), now, paper.id] for paper in changed],
    )
    _many(
        f"UPDATE {table} SET first_digest_date = %s, last_digest_date = %s "
        "WHERE id = %s",
        [[*dates(paper), paper.id] for paper in changes.redated.values()],
    )
    ids = {key: paper.id for key, paper in stored.papers.items()}
    ids.update((key, p.id) for key, p in changes.papers.items() if p.id is not None)
    if new:
        ids.update(
            _fetch_in(
                f"SELECT key, id FROM {table} WHERE key IN ({{in}})",
                [paper.key for paper in new],
            )
        )
    return ids


def _write_tag_links(
    changes: Changes, paper_ids: dict[str, int], tag_ids: dict[str, int]
) -> None:
    table = TagLink._meta.db_table
    new, added = [], []
    for key, tags in changes.tag_links.items():
        ids = dict.fromkeys(
            tag if isinstance(tag, int) else tag_ids[tag] for tag in tags
        )
        rows = new if key in changes.new else added
        rows.extend((paper_ids[key], tag_id) for tag_id in ids)
    # A new paper has no links yet; a stored one may have gained one meanwhile.
    _insert(table, ["paper_id", "tag_id"], new)
    _many(
        f"INSERT INTO {table} (paper_id, tag_id) VALUES (%s, %s) "
        "ON CONFLICT DO NOTHING",
        added,
    )


def _write_authorships(
    changes: Changes, paper_ids: dict[str, int], author_ids: dict[str, int]
) -> None:
    table = Authorship._meta.db_table
    replaced = [paper_ids[key] for key in changes.authors if key not in changes.new]
    for chunk in chunks(replaced):
        marks = ", ".join(["%s"] * len(chunk))
        _execute(f"DELETE FROM {table} WHERE paper_id IN ({marks})", chunk)
    _insert(
        table,
        ["paper_id", "author_id", "position"],
        [
            (paper_ids[key], author_ids[name], position)
            for key in changes.authors
            for position, name in enumerate(changes.papers[key].authors, 1)
        ],
    )


def _write_appearances(
    changes: Changes,
    stored: Stored,
    paper_ids: dict[str, int],
    day_ids: dict[datetime.date, int],
    stage: int | None,
) -> None:
    ops = connection.ops
    table = Appearance._meta.db_table
    inserts, moves, deletes = [], [], []
    for (date, key), position in changes.appearances.items():
        day = stored.days.get(date)
        was_stored = day is not None and key in day.positions
        where = (day_ids[date], paper_ids[key])
        if position is None:
            if was_stored:
                deletes.append(where)
        elif was_stored:
            moves.append((position, *where))
        else:
            inserts.append((*where, ops.adapt_datefield_value(date), position, stage))
    _many(f"DELETE FROM {table} WHERE digest_id = %s AND paper_id = %s", deletes)
    _many(
        f"UPDATE {table} SET position = %s WHERE digest_id = %s AND paper_id = %s",
        moves,
    )
    _insert(
        table, ["digest_id", "paper_id", "date", "position", "import_stage"], inserts
    )


def _write_search_documents(
    changes: Changes, stored: Stored, paper_ids: dict[str, int]
) -> None:
    """SQLite: one FTS row per new or re-worded paper (PostgreSQL: see papers)."""
    if connection.vendor != "sqlite":
        return
    documents = [
        paper
        for key, paper in changes.papers.items()
        if key in changes.new or paper.search_text != stored.papers[key].search_text
    ]
    old = [paper_ids[p.key] for p in documents if p.key not in changes.new]
    _many("DELETE FROM papers_paper_fts WHERE rowid = %s", [(pk,) for pk in old])
    _many(
        "INSERT INTO papers_paper_fts (rowid, title, summary, authors, arxiv_id) "
        "VALUES (%s, %s, %s, %s, %s)",
        [
            (
                paper_ids[p.key],
                p.title,
                p.summary,
                ", ".join(p.authors),
                p.arxiv_id,
            )
            for p in documents
        ],
    )
