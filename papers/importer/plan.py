"""The import's merge rules as one pure function: `plan(records, stored) -> Changes`.

`stored` is what the database holds for the papers and days the records name (read
by papers.importer.writer); `Changes` is what must be written so the database holds
the records too, plus what each day did for the summary. Nothing here touches the
database, so every rule is tested on plain values (tests/test_plan.py).

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
- Fields listed in a paper's `edited_fields` (changed by hand in the admin) are left
  alone. With `overwrite=True` the file is authoritative: its title, summary, arXiv
  URL and authors replace the stored ones whatever the dates or edits, tags and links
  are merged as usual, and `edited_fields` is cleared.

Records are applied in order, each seeing what the ones before it did, so one plan
can hold many files (a batch) and still mean exactly what importing them one by one
means. A paper listed twice on a day was already reported by the parser; the plan
keeps its first row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from papers.importer.parser import tag_slug
from papers.importer.records import DataWarning, DigestRecord, PaperRecord

# The paper fields a re-import may change, and so the ones an admin edit protects.
TEXT_FIELDS = ("title", "summary", "arxiv_url")
LINK_FIELDS = ("github_urls", "huggingface_urls")
EDITABLE_FIELDS = (*TEXT_FIELDS, *LINK_FIELDS, "authors", "tags")

# A tag is its stored id, or its slug while it is not stored yet.
TagRef = int | str


@dataclass(frozen=True)
class StoredPaper:
    """A paper as stored (or as a plan leaves it); `id` is None until written."""

    key: str
    arxiv_id: str
    title: str
    summary: str
    arxiv_url: str
    github_urls: tuple[str, ...] = ()
    huggingface_urls: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    tags: frozenset[TagRef] = frozenset()
    edited_fields: tuple[str, ...] = ()
    dates: frozenset[datetime.date] = frozenset()  # the days it appears on
    id: int | None = None

    @property
    def first_date(self) -> datetime.date | None:
        return min(self.dates, default=None)

    @property
    def last_date(self) -> datetime.date | None:
        return max(self.dates, default=None)

    @property
    def search_text(self) -> tuple[str, ...]:
        """What the search index holds for the paper: a change here re-indexes it."""
        return (self.title, self.summary, self.arxiv_id, *self.authors)


@dataclass(frozen=True)
class StoredDay:
    date: datetime.date
    source: str = ""
    positions: Mapping[str, int] = field(default_factory=dict)  # key -> position
    id: int | None = None


@dataclass
class Stored:
    """What the database holds for the papers, days and tags some records name."""

    papers: dict[str, StoredPaper] = field(default_factory=dict)
    days: dict[datetime.date, StoredDay] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)  # slug -> stored tag id
    # name -> stored author id: read with the rest, so that a write looks up only
    # the authors new to the database (the plan itself needs no ids).
    authors: dict[str, int] = field(default_factory=dict)
    # The open import stages (papers.importer.staging) that wrote any of the papers
    # and days read: rows still hidden, which their import may yet take back.
    stages: frozenset[int] = frozenset()

    def after(self, changes: Changes) -> Stored:
        """What is stored once `changes` are written (for dry runs in batches)."""
        return Stored(
            papers={**self.papers, **changes.papers, **changes.redated},
            days={**self.days, **changes.days},
            tags=self.tags,
            authors=self.authors,
        )


@dataclass
class DayStats:
    """What one day of the records did; papers count once per day they are on."""

    date: datetime.date
    source: str
    created: list[str] = field(default_factory=list)  # paper keys
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: int = 0  # appearances an --overwrite day left out
    warnings: tuple[DataWarning, ...] = ()


@dataclass
class Changes:
    """What to write; every mapping holds final values, not steps."""

    # Papers to insert or update, as they must end up (updated_at is bumped).
    papers: dict[str, StoredPaper] = field(default_factory=dict)
    new: set[str] = field(default_factory=set)  # keys of papers to insert
    authors: set[str] = field(default_factory=set)  # keys whose authors are rewritten
    tag_links: dict[str, list[TagRef]] = field(default_factory=dict)  # links to add
    new_tags: dict[str, str] = field(default_factory=dict)  # slug -> first spelling
    # Papers whose only change is losing a day (--overwrite): new digest dates only.
    redated: dict[str, StoredPaper] = field(default_factory=dict)
    # (date, key) -> final position, None when the appearance goes; only changes.
    appearances: dict[tuple[datetime.date, str], int | None] = field(
        default_factory=dict
    )
    days: dict[datetime.date, StoredDay] = field(default_factory=dict)  # touched
    # Days whose digest row gets this source and a new import time.
    day_sources: dict[datetime.date, str] = field(default_factory=dict)
    stats: list[DayStats] = field(default_factory=list)  # one per record, in order

    @property
    def writes_anything(self) -> bool:
        return bool(self.papers or self.redated or self.appearances or self.day_sources)


@dataclass
class Staged:
    """A large plan cut into short writes (see `staged`): `days` creates the new
    days, each `next_part()` creates some new papers, and `rest` changes what was
    stored. All share one `days` mapping, so the ids of the new days, once written
    (`days_created`), reach every part."""

    days: Changes
    rest: Changes
    changes: Changes
    new_keys: list[str]
    # key -> the (date, position) of each of its appearances to write
    appearances: dict[str, list[tuple[datetime.date, int | None]]]
    taken: int = 0

    def days_created(self, ids: Mapping[datetime.date, int]) -> None:
        shared = self.rest.days
        for date, pk in ids.items():
            shared[date] = replace(shared[date], id=pk)

    def next_part(self, papers: int) -> Changes | None:
        """The next (at most) `papers` new papers with their authors, tag links and
        appearances; None once every new paper was taken. Sized as it goes, so a
        part fits the time the writer has for it then."""
        keys = self.new_keys[self.taken : self.taken + max(1, papers)]
        if not keys:
            return None
        self.taken += len(keys)
        changes = self.changes
        part = Changes(days=self.rest.days)
        for key in keys:
            part.papers[key] = changes.papers[key]
            part.new.add(key)
            if key in changes.authors:
                part.authors.add(key)
            if key in changes.tag_links:
                part.tag_links[key] = changes.tag_links[key]
            for date, position in self.appearances.get(key, ()):
                part.appearances[(date, key)] = position
        part.new_tags = _tags_named(changes.new_tags, part.tag_links)
        return part


def staged(changes: Changes) -> Staged:
    """`changes` as writes that can each be short: the new days, then the new
    papers in parts (each with its authors, tag links and appearances), then the
    rest, which changes stored papers and days.

    The days and parts only add rows that nothing stored refers to, so they can be
    written ahead, hidden, and published by the rest's transaction
    (papers.importer.staging). Only the rest carries the stats.
    """
    days = changes.days  # shared: see Staged
    new_days = {
        date: source
        for date, source in changes.day_sources.items()
        if days[date].id is None
    }
    new = changes.new
    rest = Changes(
        papers={k: v for k, v in changes.papers.items() if k not in new},
        authors=changes.authors - new,
        redated=changes.redated,
        days=days,
        # The new days are created with their source.
        day_sources={
            date: source
            for date, source in changes.day_sources.items()
            if date not in new_days
        },
        stats=changes.stats,
    )
    rest.tag_links = {k: v for k, v in changes.tag_links.items() if k not in new}
    rest.new_tags = _tags_named(changes.new_tags, rest.tag_links)
    appearances: dict[str, list[tuple[datetime.date, int | None]]] = {}
    for (date, key), position in changes.appearances.items():
        if key in new:
            appearances.setdefault(key, []).append((date, position))
        else:
            rest.appearances[(date, key)] = position
    return Staged(
        days=Changes(days=days, day_sources=new_days),
        rest=rest,
        changes=changes,
        new_keys=[key for key in changes.papers if key in new],
        appearances=appearances,
    )


def _tags_named(new_tags: dict[str, str], links: dict[str, list[TagRef]]) -> dict:
    """The new tags (slug -> spelling) that `links` refer to, in their order."""
    return {
        ref: new_tags[ref]
        for refs in links.values()
        for ref in refs
        if isinstance(ref, str) and ref in new_tags
    }


def plan(
    records: Iterable[DigestRecord],
    stored: Stored,
    *,
    overwrite: bool = False,
    source_length: int = 500,
) -> Changes:
    """What to write so the database holds `records` too; see the module doc."""
    planner = _Planner(stored, overwrite=overwrite, source_length=source_length)
    for record in records:
        planner.day(record)
    return planner.changes


def distinct(values: Iterable[str]) -> tuple[str, ...]:
    """The values without repeats, in first-seen order."""
    return tuple(dict.fromkeys(values))


class _Planner:
    def __init__(self, stored: Stored, *, overwrite: bool, source_length: int) -> None:
        self.stored = stored
        self.overwrite = overwrite
        self.source_length = source_length
        self.changes = Changes()
        # Appearances as stored, to tell a change from a return to what is stored.
        self.stored_positions = {
            (date, key): position
            for date, day in stored.days.items()
            for key, position in day.positions.items()
        }

    def paper(self, key: str) -> StoredPaper | None:
        changes = self.changes
        return (
            changes.papers.get(key)
            or changes.redated.get(key)
            or self.stored.papers.get(key)
        )

    def tag(self, name: str) -> TagRef:
        slug = tag_slug(name)
        found = self.stored.tags.get(slug)
        if found is not None:
            return found
        self.changes.new_tags.setdefault(slug, name)
        return slug

    def day(self, record: DigestRecord) -> None:
        changes = self.changes
        source = record.source[: self.source_length]
        stats = DayStats(date=record.date, source=source, warnings=record.warnings)
        changes.stats.append(stats)
        stored_day = changes.days.get(record.date) or self.stored.days.get(record.date)
        day_is_new = stored_day is None
        positions = dict(stored_day.positions) if stored_day else {}
        last = max(positions.values(), default=0)

        seen: set[str] = set()
        for row in record.papers:
            if row.key in seen:
                continue
            seen.add(row.key)
            paper = self.paper(row.key)
            if row.key not in positions:
                if not self.overwrite:
                    last += 1
                position = row.position if self.overwrite else last
            else:
                position = positions[row.key]
                if self.overwrite:
                    position = row.position
            on_day_before = positions.get(row.key)
            positions[row.key] = position
            if paper is None:
                self._create(row, record.date)
                stats.created.append(row.key)
            elif self._merge(paper, row, record.date, on_day_before, position):
                stats.updated.append(row.key)
            else:
                stats.unchanged.append(row.key)
            if on_day_before != position:
                self._appearance(record.date, row.key, position)

        if self.overwrite:
            for key in [key for key in positions if key not in seen]:
                del positions[key]
                self._appearance(record.date, key, None)
                self._drop_day(key, record.date)
                stats.removed += 1

        changes.days[record.date] = StoredDay(
            date=record.date,
            source=source,
            positions=positions,
            id=stored_day.id if stored_day else None,
        )
        if day_is_new or (
            (stored_day.source if stored_day else "") != source
            or stats.created
            or stats.updated
            or stats.removed
        ):
            changes.day_sources[record.date] = source

    def _appearance(self, date: datetime.date, key: str, position: int | None) -> None:
        if self.stored_positions.get((date, key)) == position:
            self.changes.appearances.pop((date, key), None)
        else:
            self.changes.appearances[(date, key)] = position

    def _create(self, row: PaperRecord, date: datetime.date) -> None:
        tags = distinct_refs(self.tag(name) for name in row.tags)
        paper = StoredPaper(
            key=row.key,
            arxiv_id=row.arxiv_id,
            title=row.title,
            summary=row.summary,
            arxiv_url=row.arxiv_url,
            github_urls=distinct(row.github_urls),
            huggingface_urls=distinct(row.huggingface_urls),
            authors=distinct(row.authors),
            tags=frozenset(tags),
            dates=frozenset({date}),
        )
        self.changes.papers[row.key] = paper
        self.changes.new.add(row.key)
        self.changes.authors.add(row.key)
        self.changes.tag_links[row.key] = list(tags)

    def _merge(
        self,
        paper: StoredPaper,
        row: PaperRecord,
        date: datetime.date,
        position_before: int | None,
        position: int,
    ) -> bool:
        """Apply the row to a known paper; whether anything about it changed."""
        edited = set() if self.overwrite else set(paper.edited_fields)
        newest = self.overwrite or paper.last_date is None or date > paper.last_date
        values: dict = {}
        authors_changed = False
        if newest:
            for name in TEXT_FIELDS:
                value = getattr(row, name)
                if name not in edited and getattr(paper, name) != value:
                    values[name] = value
            authors = distinct(row.authors)
            if "authors" not in edited and paper.authors != authors:
                values["authors"] = authors
                authors_changed = True
        for name in LINK_FIELDS:
            merged = distinct([*getattr(paper, name), *getattr(row, name)])
            if name not in edited and merged != getattr(paper, name):
                values[name] = merged
        missing: list[TagRef] = []
        if "tags" not in edited:
            missing = [
                tag
                for tag in distinct_refs(self.tag(name) for name in row.tags)
                if tag not in paper.tags
            ]
            if missing:
                values["tags"] = paper.tags | frozenset(missing)
        if self.overwrite and paper.edited_fields:
            values["edited_fields"] = ()
        if position_before is None:
            values["dates"] = paper.dates | {date}
        changed = bool(values) or position_before != position
        if not changed:
            return False
        key = paper.key
        self.changes.papers[key] = replace(paper, **values)
        self.changes.redated.pop(key, None)
        if authors_changed:
            self.changes.authors.add(key)
        if missing:
            self.changes.tag_links.setdefault(key, []).extend(missing)
        return True

    def _drop_day(self, key: str, date: datetime.date) -> None:
        paper = self.paper(key)
        if paper is None:  # not read: the caller gave no stored paper for the day
            return
        paper = replace(paper, dates=paper.dates - {date})
        if key in self.changes.papers:
            self.changes.papers[key] = paper
        else:
            self.changes.redated[key] = paper


def distinct_refs(refs: Iterable[TagRef]) -> list[TagRef]:
    return list(dict.fromkeys(refs))
