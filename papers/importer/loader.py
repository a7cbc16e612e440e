"""Write parsed digest days to the database.

`load_digests(records)` stores the days of one file in one transaction and
`load_digest(record)` is its one-day form; both return `ImportStats`. `load_files`
loads parsed inputs (see papers.importer.files) one transaction each, for the import
command and the admin's upload page. Rows are upserted on natural keys (`Paper.key`,
`Author.name`, `Tag.slug`, `Digest.date`) and every relation is written with bulk
queries, so a day costs a fixed number of queries whatever its length (lists longer
than `CHUNK` are split to stay under SQLite's limit on query variables).

Rules when a day names a paper that is already stored:

- An import adds to a day, never removes from it: papers already on the day keep
  their appearance and position, and papers new to the day follow its current last
  position in file order. A publisher ships each day twice (a markdown table of
  selected papers, a JSON of all of them), so importing both, in either order and any
  number of times, leaves the day holding every paper of both.
- With `overwrite=True` the file is authoritative for its days too: each day's
  appearances become exactly its rows at the rows' positions, and a paper dropped
  from the day loses that appearance (the paper itself is never deleted).
- Tags, GitHub URLs and Hugging Face URLs are merged: what is stored stays, in its
  order, and the day's new values follow.
- Title, summary, arXiv URL and authors come from the newest digest: the day's values
  are applied when its date is after the paper's last digest date, so importing an
  older day later only adds that day's appearance, tags and links. Between two copies
  of the same day the first one imported keeps its values (the markdown and the JSON
  word a paper differently, and re-importing either must change nothing); apply a
  corrected copy of a day with `overwrite=True`.
- Fields listed in `paper.edited_fields` (changed by hand in the admin) are left
  alone. With `overwrite=True` the file is authoritative: its title, summary, arXiv
  URL and authors replace the stored ones whatever the dates or edits, tags and links
  are merged as usual, and `edited_fields` is cleared.

Writes never parse text: records come from `papers.importer.parser`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from papers.browse.version import bump_data_version
from papers.importer.files import DigestFile
from papers.importer.parser import tag_slug
from papers.importer.records import DigestRecord, PaperRecord
from papers.models import Appearance, Author, Authorship, Digest, Paper, Tag

# Longest list sent in one `IN (...)`: SQLite builds can cap a query at 999 variables.
CHUNK = 500

# The paper fields a re-import may change, and so the ones an admin edit protects.
TEXT_FIELDS = ("title", "summary", "arxiv_url")
LINK_FIELDS = ("github_urls", "huggingface_urls")
EDITABLE_FIELDS = (*TEXT_FIELDS, *LINK_FIELDS, "authors", "tags")

_WARNING_LINE = re.compile(r"line (\d+): (.*)", re.DOTALL)

TagLink = Paper.tags.through


@dataclass
class ImportStats:
    """What an import did; papers count once per day they appear on."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    days: int = 0
    # Appearances dropped because an --overwrite import of the day left them out.
    removed: int = 0
    # Data-quality findings, "source:line: message".
    warnings: list[str] = field(default_factory=list)

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
        )

    @property
    def papers(self) -> int:
        return self.created + self.updated + self.unchanged


def load_digest(
    record: DigestRecord, *, dry_run: bool = False, overwrite: bool = False
) -> ImportStats:
    """Store one digest day in one transaction; a dry run rolls it back."""
    return load_digests([record], dry_run=dry_run, overwrite=overwrite)


def load_digests(
    records: Iterable[DigestRecord], *, dry_run: bool = False, overwrite: bool = False
) -> ImportStats:
    """Store the days of one file in one transaction: all of them or none.

    A dry run does every write, counts, then rolls back, so its stats are exactly
    those a real import would report.
    """
    stats = ImportStats()
    with transaction.atomic():
        for record in records:
            stats += _load_day(record, overwrite=overwrite)
        # The browse indexes are stale once this commits (and only if it does).
        bump_data_version()
        if dry_run:
            transaction.set_rollback(True)
    return stats


def load_file(
    file: DigestFile, *, dry_run: bool = False, overwrite: bool = False
) -> ImportStats | None:
    """Load one parsed input's days; None, with `file.error` set, when it failed.

    The database may still refuse a file the parser accepted (a value too long for
    its column, a clash with a row edited by hand): that file rolls back and is
    reported like a parse error, and the other files go on.
    """
    if not file.ok:
        return None
    try:
        return load_digests(file.records, dry_run=dry_run, overwrite=overwrite)
    except DatabaseError as failure:
        file.error = f"{file.name}: the database refused the import: {failure}"
        return None


def load_files(
    files: Sequence[DigestFile],
    *,
    dry_run: bool = False,
    overwrite: bool = False,
    on_loaded: Callable[[DigestFile, ImportStats | None], object] | None = None,
) -> list[ImportStats | None]:
    """Load each file in its own transaction; stats (None if it failed) per file.

    A dry run rolls back all the files together at the end rather than each on its
    own, so a later file sees what earlier ones would have written (a paper on two
    days counts as created once) and the stats are exactly those of a real run.
    `on_loaded(file, stats)` is called after each file, for progress reports.
    """
    results: list[ImportStats | None] = []
    with transaction.atomic() if dry_run else nullcontext():
        for file in files:
            results.append(load_file(file, overwrite=overwrite))
            if on_loaded is not None:
                on_loaded(file, results[-1])
        if dry_run:
            transaction.set_rollback(True)
    return results


def _load_day(record: DigestRecord, *, overwrite: bool) -> ImportStats:
    rows, warnings = _unique_rows(record)
    stats = ImportStats(days=1, warnings=warnings)
    now = timezone.now()
    source = record.source[: Digest._meta.get_field("source").max_length]

    digest, day_is_new = Digest.objects.get_or_create(
        date=record.date, defaults={"source": source}
    )
    stored = _in_bulk(Paper.objects.all(), "key", [row.key for row in rows])
    author_ids = _upsert_authors(
        {name: None for row in rows for name in row.authors}.keys()
    )
    tag_ids = _upsert_tags(name for row in rows for name in row.tags)
    stored_ids = [paper.pk for paper in stored.values()]
    stored_authors = _authors_by_paper(stored_ids)
    stored_tags = _tags_by_paper(stored_ids)
    positions = {} if day_is_new else _appearances_by_paper(digest)

    new_papers: list[Paper] = []
    changed_papers: list[Paper] = []
    authors_to_replace: list[Paper] = []
    new_tag_links: list[tuple[Paper, int]] = []
    for row in rows:
        row_tags = list(dict.fromkeys(tag_ids[tag_slug(name)] for name in row.tags))
        paper = stored.get(row.key)
        if paper is None:
            paper = _new_paper(row)
            new_papers.append(paper)
            authors_to_replace.append(paper)
            new_tag_links.extend((paper, tag_id) for tag_id in row_tags)
            stats.created += 1
            continue

        edited = set() if overwrite else set(paper.edited_fields)
        newest = (
            overwrite
            or paper.last_digest_date is None
            or record.date > paper.last_digest_date
        )
        changed = False
        if newest:
            for name in TEXT_FIELDS:
                value = getattr(row, name)
                if name not in edited and getattr(paper, name) != value:
                    setattr(paper, name, value)
                    changed = True
            if "authors" not in edited and stored_authors.get(
                paper.pk, ()
            ) != _distinct(row.authors):
                authors_to_replace.append(paper)
                changed = True
        for name in LINK_FIELDS:
            merged = _distinct([*getattr(paper, name), *getattr(row, name)])
            if name not in edited and list(merged) != getattr(paper, name):
                setattr(paper, name, list(merged))
                changed = True
        if "tags" not in edited:
            have = stored_tags.get(paper.pk, set())
            missing = [tag_id for tag_id in row_tags if tag_id not in have]
            new_tag_links.extend((paper, tag_id) for tag_id in missing)
            changed = changed or bool(missing)
        if overwrite and paper.edited_fields:
            paper.edited_fields = []
            changed = True
        if paper.pk not in positions or (
            overwrite and positions[paper.pk][1] != row.position
        ):
            changed = True
        if changed:
            paper.updated_at = now
            changed_papers.append(paper)
            stats.updated += 1
        else:
            stats.unchanged += 1

    Paper.objects.bulk_create(new_papers, batch_size=CHUNK)
    if any(paper.pk is None for paper in new_papers):
        # Backends without RETURNING leave the primary keys unset.
        created = _in_bulk(Paper.objects.all(), "key", [p.key for p in new_papers])
        for paper in new_papers:
            paper.pk = created[paper.key].pk
    paper_fields = [*TEXT_FIELDS, *LINK_FIELDS, "edited_fields", "updated_at"]
    Paper.objects.bulk_update(
        changed_papers, paper_fields, batch_size=_update_batch_size(paper_fields)
    )
    rows_by_key = {row.key: row for row in rows}
    _replace_authors(authors_to_replace, rows_by_key, author_ids)
    TagLink.objects.bulk_create(
        [TagLink(paper_id=paper.pk, tag_id=tag_id) for paper, tag_id in new_tag_links],
        ignore_conflicts=True,
        batch_size=CHUNK,
    )

    day_changed = _write_appearances(
        digest,
        rows_by_key,
        {**stored, **{p.key: p for p in new_papers}},
        positions,
        exact=overwrite,
    )
    stats.removed = len(day_changed.removed_papers)
    if day_changed.added:
        Paper.objects.filter(
            Exists(Appearance.objects.filter(digest=digest, paper=OuterRef("pk")))
        ).refresh_digest_dates()
    for chunk in _chunks(day_changed.removed_papers):
        Paper.objects.filter(pk__in=chunk).refresh_digest_dates()

    if not day_is_new and (
        digest.source != source or new_papers or changed_papers or stats.removed
    ):
        Digest.objects.filter(pk=digest.pk).update(source=source, imported_at=now)
    return stats


def _unique_rows(record: DigestRecord) -> tuple[list[PaperRecord], list[str]]:
    """The day's rows, a paper listed twice kept at its first row; plus warnings."""
    warnings = [_located(record.source, warning) for warning in record.warnings]
    first: dict[str, PaperRecord] = {}
    for row in record.papers:
        if row.key in first:
            warnings.append(
                f"{record.source}:{row.line}: {row.key} is listed twice on "
                f"{record.date.isoformat()} (first on line {first[row.key].line}); "
                "this row is ignored"
            )
        else:
            first[row.key] = row
    return list(first.values()), warnings


def _located(source: str, warning: str) -> str:
    """Turn the parser's "line 12: msg" into "source:12: msg", like errors."""
    match = _WARNING_LINE.fullmatch(warning)
    if match:
        return f"{source}:{match[1]}: {match[2]}"
    return f"{source}: {warning}"


def _new_paper(row: PaperRecord) -> Paper:
    return Paper(
        key=row.key,
        arxiv_id=row.arxiv_id,
        title=row.title,
        summary=row.summary,
        arxiv_url=row.arxiv_url,
        github_urls=list(_distinct(row.github_urls)),
        huggingface_urls=list(_distinct(row.huggingface_urls)),
    )


def _upsert_authors(names: Iterable[str]) -> dict[str, int]:
    names = list(names)
    ids = {
        name: pk
        for chunk in _chunks(names)
        for name, pk in Author.objects.filter(name__in=chunk).values_list("name", "pk")
    }
    missing = [name for name in names if name not in ids]
    if missing:
        # ignore_conflicts: another import may have added the same author meanwhile.
        Author.objects.bulk_create(
            [Author(name=name) for name in missing],
            ignore_conflicts=True,
            batch_size=CHUNK,
        )
        for chunk in _chunks(missing):
            ids.update(Author.objects.filter(name__in=chunk).values_list("name", "pk"))
    return ids


def _upsert_tags(names: Iterable[str]) -> dict[str, int]:
    """Tag ids by slug; the first spelling of a new slug becomes the tag's name."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(tag_slug(name), name)
    ids = _find_tags(wanted)
    missing = {slug: name for slug, name in wanted.items() if slug not in ids}
    if missing:
        Tag.objects.bulk_create(
            [Tag(name=name, slug=slug) for slug, name in missing.items()],
            ignore_conflicts=True,
            batch_size=CHUNK,
        )
        ids.update(_find_tags(missing))
    return ids


def _find_tags(wanted: dict[str, str]) -> dict[str, int]:
    # A tag renamed in the admin keeps its slug; one whose slug was changed by hand
    # is still found by its name, so neither ever gets a twin.
    by_slug: dict[str, int] = {}
    by_name: dict[str, int] = {}
    items = list(wanted.items())
    # Two values per tag in one query: half a chunk keeps under the variable limit.
    for chunk in _chunks(items, CHUNK // 2):
        query = Q(slug__in=[slug for slug, _ in chunk]) | Q(
            name__in=[name for _, name in chunk]
        )
        for pk, slug, name in Tag.objects.filter(query).values_list(
            "pk", "slug", "name"
        ):
            by_slug[slug] = pk
            by_name[name] = pk
    found = {}
    for slug, name in items:
        pk = by_slug.get(slug, by_name.get(name))
        if pk is not None:
            found[slug] = pk
    return found


def _authors_by_paper(paper_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    authors: dict[int, list[str]] = {}
    for chunk in _chunks(paper_ids):
        for paper_id, name in (
            Authorship.objects.filter(paper_id__in=chunk)
            .order_by("paper_id", "position")
            .values_list("paper_id", "author__name")
        ):
            authors.setdefault(paper_id, []).append(name)
    return {paper_id: tuple(names) for paper_id, names in authors.items()}


def _tags_by_paper(paper_ids: Sequence[int]) -> dict[int, set[int]]:
    tags: dict[int, set[int]] = {}
    for chunk in _chunks(paper_ids):
        for paper_id, tag_id in TagLink.objects.filter(paper_id__in=chunk).values_list(
            "paper_id", "tag_id"
        ):
            tags.setdefault(paper_id, set()).add(tag_id)
    return tags


def _appearances_by_paper(digest: Digest) -> dict[int, tuple[int, int]]:
    """(appearance id, position) by paper id for the day as stored."""
    return {
        paper_id: (pk, position)
        for pk, paper_id, position in Appearance.objects.filter(
            digest=digest
        ).values_list("pk", "paper_id", "position")
    }


def _replace_authors(
    papers: list[Paper], rows: dict[str, PaperRecord], author_ids: dict[str, int]
) -> None:
    for chunk in _chunks([paper.pk for paper in papers]):
        Authorship.objects.filter(paper_id__in=chunk).delete()
    Authorship.objects.bulk_create(
        [
            Authorship(paper_id=paper.pk, author_id=author_ids[name], position=position)
            for paper in papers
            for position, name in enumerate(_distinct(rows[paper.key].authors), 1)
        ],
        batch_size=CHUNK,
    )


@dataclass
class _DayChanges:
    added: bool
    removed_papers: list[int]


def _write_appearances(
    digest: Digest,
    rows: dict[str, PaperRecord],
    papers: dict[str, Paper],
    stored: dict[int, tuple[int, int]],
    *,
    exact: bool,
) -> _DayChanges:
    """Add the rows missing from the day after its last position; see the module doc.

    `exact` makes the day's appearances exactly its rows, at the rows' positions.
    """
    new: list[Appearance] = []
    moved: list[Appearance] = []
    kept: set[int] = set()
    last = max((position for _, position in stored.values()), default=0)
    for key, row in rows.items():
        paper_id = papers[key].pk
        kept.add(paper_id)
        if paper_id not in stored:
            if not exact:
                last += 1
            new.append(
                Appearance(
                    paper_id=paper_id,
                    digest=digest,
                    date=digest.date,
                    position=row.position if exact else last,
                )
            )
        elif exact and stored[paper_id][1] != row.position:
            moved.append(Appearance(pk=stored[paper_id][0], position=row.position))
    gone = [paper_id for paper_id in stored if exact and paper_id not in kept]
    for chunk in _chunks([stored[paper_id][0] for paper_id in gone]):
        Appearance.objects.filter(pk__in=chunk).delete()
    Appearance.objects.bulk_update(
        moved, ["position"], batch_size=_update_batch_size(["position"])
    )
    Appearance.objects.bulk_create(new, batch_size=CHUNK)
    return _DayChanges(added=bool(new), removed_papers=gone)


def _in_bulk(
    queryset: models.QuerySet, field_name: str, values: Sequence[Any]
) -> dict[Any, Any]:
    found = {}
    for chunk in _chunks(values):
        found.update(queryset.in_bulk(chunk, field_name=field_name))
    return found


def _update_batch_size(fields: Sequence[str]) -> int:
    # bulk_update sends two variables per object and field (`WHEN pk = %s THEN %s`)
    # plus the primary key list; Django's own estimate counts one per field.
    limit = connection.features.max_query_params
    per_object = 2 * len(fields) + 1
    return min(CHUNK, limit // per_object) if limit else CHUNK


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    """The values without repeats, in first-seen order."""
    return tuple(dict.fromkeys(values))


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
