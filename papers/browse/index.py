"""The facet index: every paper's tags, authors, digest days, flags and sort positions
as numpy arrays, so a filter is a boolean mask over the papers and a facet's counts
are one `np.bincount`.

Papers are rows 0..n-1 in ascending id order. A link table (paper -> tags, authors,
months) is kept both ways: by paper (CSR: `paper_starts`, `values`) to count the values
of the papers in a mask, and by value (`value_starts`, `rows`) to find the papers of a
selected value. The sort orders come from the database itself (a ROW_NUMBER over the
same ORDER BY as the SQL path), so collations and NULL placement agree exactly.

Each process holds the index of a database, and replaces it when the data version
(papers.browse.version) moves, once a running import's lease ends
(papers.browse.lease), by one thread while the others answer from the index they
have (`facet_index`). One process of the machine builds it and saves it for the
others, which map the saved arrays (papers.browse.shared); an import builds the
index of its papers itself before they appear (`refresh_index`). `FacetIndex.build`
reads every table in a single aggregate query each, parsed by numpy rather than row
by row in Python.
"""

from __future__ import annotations

import ctypes
import datetime
import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import numpy as np
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import F, Func, IntegerField, QuerySet, Window
from django.db.models.functions import Cast, RowNumber

from papers.browse.lookups import Lookups, number_list_sql, parse_numbers
from papers.browse.shared import IndexStore, index_store
from papers.browse.version import DataState, current_state, current_version

logger = logging.getLogger(__name__)

# Sort orders kept as positions; "relevance" and "bookmarked" are computed per request.
SORT_ORDERS = ("newest", "oldest", "title")


class DateNumber(Func):
    """A date as the integer YYYYMMDD, which sorts like the date and whose // 100 is
    the month."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(replace(%(expressions)s, '-', '') AS INTEGER)",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(to_char(%(expressions)s, 'YYYYMMDD') AS INTEGER)",
            **extra,
        )


def int_columns(
    queryset: QuerySet, width: int, *, dtype: type = np.int64
) -> np.ndarray:
    """The integer columns c0..c{width-1} of a `values(c0=..., ...)` queryset as an
    (n, width) array, fetched as one comma-separated string: a million rows cost one
    row and one numpy parse instead of a million Python tuples."""
    connection = connections[queryset.db]
    sql, params = queryset.query.sql_with_params()
    aggregate = number_list_sql(connection.vendor, width)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {aggregate} FROM ({sql}) t", params)
        (text,) = cursor.fetchone()
    return parse_numbers(text, width, dtype)


def _slices(array: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """`array[start:start + length]` for each start and length, one after the other,
    in one gather rather than a Python loop over the slices."""
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return array[offsets + np.arange(lengths.sum())]


def _minor_in_order(major: np.ndarray, minor: np.ndarray, minors: int) -> np.ndarray:
    """`minor` (each below `minors`) in the order of (major, minor), as int32: one
    sort of a single integer key, where `np.lexsort` on the two keys took three
    times as long (a million papers' 4.7 million author links: 1.8 s, both ways)."""
    keys = np.sort(major.astype(np.int64) * minors + minor)
    return (keys % max(minors, 1)).astype(np.int32)


@dataclass(frozen=True, eq=False)
class Links:
    """Links between paper rows and the values of one facet (tags, authors, months)."""

    paper_starts: np.ndarray  # CSR: the values of row r are values[paper_starts[r]:...]
    values: np.ndarray
    lengths: np.ndarray  # values per row
    value_starts: (
        np.ndarray
    )  # by value: the rows of value v are rows[value_starts[v]:...]
    rows: np.ndarray
    totals: np.ndarray  # papers per value, over every paper
    by_total: np.ndarray  # values by descending total, ties by value

    @classmethod
    def from_pairs(cls, rows: np.ndarray, values: np.ndarray, papers: int, size: int):
        rows = rows.astype(np.int32)
        values = values.astype(np.int32)
        lengths = np.bincount(rows, minlength=papers).astype(np.int32)
        per_value = np.bincount(values, minlength=size)
        return cls(
            paper_starts=np.concatenate(([0], np.cumsum(lengths))),
            values=_minor_in_order(rows, values, size),
            lengths=lengths,
            value_starts=np.concatenate(([0], np.cumsum(per_value))),
            rows=_minor_in_order(values, rows, papers),
            totals=per_value,
            by_total=np.lexsort((np.arange(size), -per_value)).astype(np.int32),
        )

    @property
    def size(self) -> int:
        return len(self.value_starts) - 1

    def papers_with_any(self, values: list[int], papers: int) -> np.ndarray:
        """The mask of rows linked to at least one of `values`."""
        mask = np.zeros(papers, dtype=bool)
        for value in values:
            mask[self.rows[self.value_starts[value] : self.value_starts[value + 1]]] = (
                True
            )
        return mask

    def counts(self, mask: np.ndarray | None) -> np.ndarray:
        """Papers per value among the rows of `mask` (every paper when None)."""
        if mask is None:
            return self.totals
        matching = np.flatnonzero(mask)
        if len(matching) * 2 > len(mask):
            # Most papers: count the few others and subtract (a broad tag, has_hf=0).
            return self.totals - self.counts(~mask)
        if len(matching) * 16 < len(mask):
            # Few papers: gather their own links rather than scanning every link.
            picked = _slices(
                self.values, self.paper_starts[matching], self.lengths[matching]
            )
        else:
            picked = self.values[np.repeat(mask, self.lengths)]
        return np.bincount(picked, minlength=self.size)

    def shared_with(self, row: int) -> np.ndarray:
        """Per paper row, how many of row `row`'s own values it has too (`row`
        itself included): one gather over the rows of those values."""
        values = self.values[self.paper_starts[row] : self.paper_starts[row + 1]]
        starts = self.value_starts[values]
        linked = _slices(self.rows, starts, self.value_starts[values + 1] - starts)
        return np.bincount(linked, minlength=len(self.lengths))

    def counts_of(self, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Papers of `mask` per value, for the given values only (each has links)."""
        starts = self.value_starts[values]
        lengths = self.value_starts[values + 1] - starts
        linked = mask[_slices(self.rows, starts, lengths)]
        return np.add.reduceat(linked, np.cumsum(lengths) - lengths, dtype=np.int64)

    @property
    def nbytes(self) -> int:
        return sum(
            array.nbytes
            for array in (
                self.by_total,
                self.paper_starts,
                self.values,
                self.lengths,
                self.value_starts,
                self.rows,
                self.totals,
            )
        )


@dataclass(frozen=True, eq=False)
class FacetIndex:
    version: str
    paper_ids: np.ndarray  # ascending; a paper's row is its place here
    has_code: np.ndarray
    has_hf: np.ndarray
    tags: Links
    tag_names: tuple[str, ...]  # by tag value (ascending tag id)
    tag_values: dict[str, int]
    authors: Links
    author_ids: np.ndarray  # by author value; ascending, so value order is id order
    author_names: _PackedNames  # by author value
    months: Links  # distinct (paper, month of a digest day)
    month_numbers: np.ndarray  # YYYYMM by month value, ascending
    day_numbers: np.ndarray  # YYYYMMDD of every appearance, ascending
    day_rows: np.ndarray  # the paper row of each of those appearances
    positions: dict[str, np.ndarray]  # sort -> each row's position in that order
    orders: dict[str, np.ndarray]  # sort -> the rows in that order
    latest_digest: datetime.date | None
    built_in: float = field(default=0.0)  # seconds

    @property
    def size(self) -> int:
        return len(self.paper_ids)

    @property
    def nbytes(self) -> int:
        arrays = [
            self.paper_ids,
            self.has_code,
            self.has_hf,
            self.author_ids,
            self.month_numbers,
            self.day_numbers,
            self.day_rows,
            *self.positions.values(),
            *self.orders.values(),
        ]
        links = self.tags.nbytes + self.authors.nbytes + self.months.nbytes
        names = self.author_names.nbytes
        return links + names + sum(array.nbytes for array in arrays)

    def locate(self, paper_ids) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the given paper ids that the index holds, and which of the ids
        those are (a mask over `paper_ids`): papers added since it was built are not
        in it until the next rebuild."""
        ids = np.asarray(
            list(paper_ids) if not isinstance(paper_ids, np.ndarray) else paper_ids,
            dtype=np.int64,
        )
        if not len(ids) or not self.size:
            return np.zeros(0, dtype=np.int64), np.zeros(len(ids), dtype=bool)
        rows = np.minimum(np.searchsorted(self.paper_ids, ids), self.size - 1)
        known = self.paper_ids[rows] == ids
        return rows[known], known

    def rows_of(self, paper_ids) -> np.ndarray:
        return self.locate(paper_ids)[0]

    def mask_of(self, paper_ids) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[self.rows_of(paper_ids)] = True
        return mask

    def author_values(self, author_ids) -> list[int]:
        ids = np.asarray(list(author_ids), dtype=np.int64)
        if not len(ids) or not len(self.author_ids):
            return []
        values = np.minimum(
            np.searchsorted(self.author_ids, ids), len(self.author_ids) - 1
        )
        return [int(v) for v in values[self.author_ids[values] == ids]]

    def days_between(
        self, start: datetime.date | None, end: datetime.date | None
    ) -> np.ndarray:
        """Rows with a digest day in [start, end] (bounds optional)."""
        mask = np.zeros(self.size, dtype=bool)
        mask[self.appearances_between(start, end)[1]] = True
        return mask

    def appearances_between(
        self, start: datetime.date | None, end: datetime.date | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The digest days (YYYYMMDD, ascending) in [start, end] (bounds optional)
        and the paper row of each: one slice of the appearances sorted by day."""
        low = 0
        high = len(self.day_numbers)
        if start:
            low = np.searchsorted(self.day_numbers, _day_number(start), side="left")
        if end:
            high = np.searchsorted(self.day_numbers, _day_number(end), side="right")
        return self.day_numbers[low:high], self.day_rows[low:high]

    def saved(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The index as JSON metadata and named arrays (papers.browse.shared)."""
        arrays = {name: getattr(self, name) for name in _PLAIN_ARRAYS}
        for facet in _LINKED:
            links = getattr(self, facet)
            for part in _LINK_ARRAYS:
                arrays[f"{facet}.{part}"] = getattr(links, part)
        for sort in SORT_ORDERS:
            arrays[f"positions.{sort}"] = self.positions[sort]
            arrays[f"orders.{sort}"] = self.orders[sort]
        arrays["author_names.starts"] = self.author_names.starts
        arrays["author_names.ends"] = self.author_names.ends
        meta = {
            "version": self.version,
            "latest_digest": (
                self.latest_digest.isoformat() if self.latest_digest else None
            ),
            "built_in": self.built_in,
            "tag_names": list(self.tag_names),
            "author_names": self.author_names.text,
        }
        return meta, arrays

    @classmethod
    def from_saved(cls, meta: dict, arrays: dict[str, np.ndarray]) -> FacetIndex:
        """The index `saved()` described."""
        tag_names = tuple(meta["tag_names"])
        latest = meta["latest_digest"]
        return cls(
            **{name: arrays[name] for name in _PLAIN_ARRAYS},
            **{facet: _links_of(arrays, facet) for facet in _LINKED},
            version=meta["version"],
            tag_names=tag_names,
            tag_values={name: value for value, name in enumerate(tag_names)},
            author_names=_PackedNames(
                text=meta["author_names"],
                starts=arrays["author_names.starts"],
                ends=arrays["author_names.ends"],
            ),
            positions={sort: arrays[f"positions.{sort}"] for sort in SORT_ORDERS},
            orders={sort: arrays[f"orders.{sort}"] for sort in SORT_ORDERS},
            latest_digest=datetime.date.fromisoformat(latest) if latest else None,
            built_in=meta["built_in"],
        )

    @classmethod
    def build(cls, *, using: str = DEFAULT_DB_ALIAS) -> FacetIndex:
        """The index of the database's data as it is now.

        Each part is read and arranged by a function of its own, so the part's
        intermediate arrays (a million papers' five million author links, the text
        they are read from) are freed before the next part is read: the build's peak
        memory stays near the index's own size."""
        from papers.models import Digest, Paper

        started = time.perf_counter()
        version = current_version(using=using)  # before the data: never newer than it
        papers = Paper.objects.using(using).order_by()
        flags = int_columns(
            papers.order_by("pk").values(
                c0=F("pk"),
                c1=Cast("has_code", IntegerField()),
                c2=Cast("has_hf", IntegerField()),
            ),
            3,
        )
        # The subquery's order is not guaranteed to survive the aggregate: sort here.
        flags = flags[np.argsort(flags[:, 0], kind="stable")]
        paper_ids = flags[:, 0].copy()
        has_code = flags[:, 1].astype(bool)
        has_hf = flags[:, 2].astype(bool)
        del flags
        rows = _RowMapper(paper_ids)
        tags, tag_names = _tag_links(rows, using=using)
        authors, author_ids, author_names = _author_links(rows, using=using)
        months, month_numbers, day_numbers, day_rows = _day_links(rows, using=using)
        # Every paper, hidden ones too (an open import stage's, which `rows` leaves
        # out): checking each paper's stage as the sort's index is walked made the
        # three orders 8 s of a million papers' build, against 3 s without.
        positions, orders = _sort_orders(
            Paper._base_manager.using(using).order_by(), rows
        )
        latest = (
            Digest.objects.using(using)
            .order_by("-date")
            .values_list("date", flat=True)
            .first()
        )
        return cls(
            version=version,
            paper_ids=paper_ids,
            has_code=has_code,
            has_hf=has_hf,
            tags=tags,
            tag_names=tag_names,
            tag_values={name: value for value, name in enumerate(tag_names)},
            authors=authors,
            author_ids=author_ids,
            author_names=author_names,
            months=months,
            month_numbers=month_numbers,
            day_numbers=day_numbers,
            day_rows=day_rows,
            positions=positions,
            orders=orders,
            latest_digest=latest,
            built_in=time.perf_counter() - started,
        )


def _tag_links(rows: _RowMapper, *, using: str) -> tuple[Links, tuple[str, ...]]:
    """The papers' tags, and the tag names by value (ascending tag id)."""
    from papers.models import Paper, Tag

    tag_pairs = rows.pairs(
        int_columns(
            Paper.tags.through.objects.using(using)
            .order_by()
            .values(c0=F("paper_id"), c1=F("tag_id")),
            2,
        )
    )
    tag_list = list(Tag.objects.using(using).order_by("pk").values_list("pk", "name"))
    tag_ids = np.array([pk for pk, _ in tag_list], dtype=np.int64)
    tag_value = np.minimum(
        np.searchsorted(tag_ids, tag_pairs[:, 1]), max(len(tag_ids) - 1, 0)
    )
    known = tag_ids[tag_value] == tag_pairs[:, 1] if len(tag_ids) else tag_value < 0
    links = Links.from_pairs(
        tag_pairs[known, 0], tag_value[known], rows.count, len(tag_ids)
    )
    return links, tuple(name for _, name in tag_list)


def _author_links(
    rows: _RowMapper, *, using: str
) -> tuple[Links, np.ndarray, _PackedNames]:
    """The papers' authors, the author ids by value, and their names."""
    from papers.models import Author, Authorship

    author_pairs = rows.pairs(
        int_columns(
            Authorship.objects.using(using)
            .order_by()
            .values(c0=F("paper_id"), c1=F("author_id")),
            2,
        )
    )
    author_ids, author_value = np.unique(author_pairs[:, 1], return_inverse=True)
    links = Links.from_pairs(
        author_pairs[:, 0], author_value, rows.count, len(author_ids)
    )
    del author_pairs, author_value
    names = _PackedNames.of(
        author_ids,
        Author.objects.using(using).order_by().values(c0=F("pk"), c1=F("name")),
        using=using,
    )
    return links, author_ids, names


def _day_links(
    rows: _RowMapper, *, using: str
) -> tuple[Links, np.ndarray, np.ndarray, np.ndarray]:
    """The months of the papers' digest days (YYYYMM by value), and every appearance
    as its day (YYYYMMDD, ascending) and the paper row of each."""
    from papers.models import Appearance

    days = rows.pairs(
        int_columns(
            Appearance.objects.using(using)
            .order_by()
            .values(c0=F("paper_id"), c1=DateNumber("date")),
            2,
        )
    )
    by_day = np.argsort(days[:, 1], kind="stable")
    month_numbers, month_value = np.unique(days[:, 1] // 100, return_inverse=True)
    paper_months = np.unique(days[:, 0] * len(month_numbers) + month_value)
    months = Links.from_pairs(
        paper_months // max(len(month_numbers), 1),
        paper_months % max(len(month_numbers), 1),
        rows.count,
        len(month_numbers),
    )
    return months, month_numbers, days[by_day, 1], days[by_day, 0].astype(np.int32)


def _sort_orders(
    papers: QuerySet, rows: _RowMapper
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each sort order's position of every row, and its rows in order; `papers` may
    hold papers `rows` does not know, which are left out."""
    from papers.filters import ORDERINGS

    count = rows.count
    positions, orders = {}, {}
    for sort in SORT_ORDERS:
        ranked = int_columns(
            papers.values(
                c0=F("pk"), c1=Window(RowNumber(), order_by=list(ORDERINGS[sort]))
            ),
            2,
        )
        ranked = rows.pairs(ranked)
        order = ranked[np.argsort(ranked[:, 1], kind="stable"), 0]
        if len(order) < count:  # papers deleted meanwhile: the version moved too
            order = np.concatenate((order, np.setdiff1d(np.arange(count), order)))
        position = np.empty(count, dtype=np.int32)
        position[order] = np.arange(count, dtype=np.int32)
        positions[sort] = position
        orders[sort] = order.astype(np.int32)
    return positions, orders


@dataclass(frozen=True, eq=False)
class _PackedNames:
    """Names by value, packed into one string: a facet lists its authors without a
    query, and a million papers' 300,000-odd authors cost a few MB, not a Python
    string object each."""

    text: str
    starts: np.ndarray  # by value; -1 for an author gone since the links were read
    ends: np.ndarray

    @classmethod
    def of(cls, ids: np.ndarray, rows: QuerySet, *, using: str) -> _PackedNames:
        """The names of `ids` (ascending) from `rows`' (c0=id, c1=name)."""
        lookups = Lookups(using=using)
        lookups.values("names", rows, width=2)
        lookups.run()
        pairs = sorted(lookups["names"])
        names = [name for _, name in pairs]
        known_ids = np.array([pk for pk, _ in pairs], dtype=np.int64)
        lengths = np.fromiter(map(len, names), dtype=np.int64, count=len(names))
        bounds = np.concatenate(([0], np.cumsum(lengths)))
        places = np.minimum(np.searchsorted(known_ids, ids), max(len(known_ids) - 1, 0))
        known = known_ids[places] == ids if len(known_ids) else np.zeros(len(ids), bool)
        return cls(
            text="".join(names),
            starts=np.where(known, bounds[places], -1),
            ends=np.where(known, bounds[places + 1] if len(known_ids) else 0, -1),
        )

    def __getitem__(self, value: int) -> str | None:
        start = int(self.starts[value])
        return None if start < 0 else self.text[start : int(self.ends[value])]

    @property
    def nbytes(self) -> int:
        return len(self.text.encode()) + self.starts.nbytes + self.ends.nbytes


class _RowMapper:
    """Paper ids to rows, for link tables read a moment after the papers."""

    def __init__(self, paper_ids: np.ndarray) -> None:
        self.paper_ids = paper_ids
        self.count = len(paper_ids)

    def pairs(self, pairs: np.ndarray) -> np.ndarray:
        """(paper id, value) pairs as (row, value), dropping papers added since."""
        if not len(pairs) or not len(self.paper_ids):
            return np.zeros((0, 2), dtype=np.int64)
        rows = np.minimum(
            np.searchsorted(self.paper_ids, pairs[:, 0]), len(self.paper_ids) - 1
        )
        known = self.paper_ids[rows] == pairs[:, 0]
        return np.column_stack((rows[known], pairs[known, 1]))


def _day_number(day: datetime.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


# How `saved()` names the index's arrays: these under their own names, each of
# Links' as "facet.part", the sort orders' as "positions.sort" and "orders.sort".
_PLAIN_ARRAYS = (
    "paper_ids",
    "has_code",
    "has_hf",
    "author_ids",
    "month_numbers",
    "day_numbers",
    "day_rows",
)
_LINKED = ("tags", "authors", "months")
_LINK_ARRAYS = tuple(part.name for part in fields(Links))


def _links_of(arrays: dict[str, np.ndarray], facet: str) -> Links:
    return Links(**{part: arrays[f"{facet}.{part}"] for part in _LINK_ARRAYS})


_built: dict[str, FacetIndex] = {}
_lock = threading.Lock()

# A build expected to take longer than this (the last one did) runs on a thread of
# its own while every request, even the one that found the data changed, answers
# from the index the process has: after an admin's edit at a million papers, no
# visitor waits the 10 s of a build. A shorter one runs in the request, which then
# answers from the new data at once (an admin checking an edit on a small archive).
BUILD_IN_REQUEST_SECONDS = 1.0
_building_on_a_thread: set[str] = set()


def facet_index(
    *, using: str = DEFAULT_DB_ALIAS, state: DataState | None = None
) -> FacetIndex:
    """This process's index of the database's current data, rebuilt when the data
    version moved since it was built, except while an import holds its lease
    (papers.browse.lease): then the index it has is served. `state` is the version
    as the caller just read it; without it, one small query reads it.

    One thread of the process replaces the index; while it does, the process's other
    threads answer from the index it has rather than queue behind it (seconds at a
    million papers, for every request a worker takes in the meantime). Their pages
    show the data as it was before the change, whole, as during an import's lease;
    the thread that replaces it answers from the new data, so a single reader, an
    admin checking an edit, sees it on their next request. A process without an
    index has nothing to answer from, and its threads wait for the first one.

    The new index is the one another process saved for this version when there is
    one (papers.browse.shared), else built here and saved for the others; while
    another process builds it, this one answers from the index it has too. A build
    that would keep the request waiting long (the last one took more than
    BUILD_IN_REQUEST_SECONDS) runs on a thread of its own instead, and the request
    answers from the index the process has, like the others."""
    if state is None:
        state = current_state(using=using)
    index = _built.get(using)
    if index is not None and state.serves(index.version):
        return index
    if not _lock.acquire(blocking=index is None):
        return index  # another thread is replacing it
    try:
        index = _built.get(using)
        if index is None or not state.serves(index.version):
            if index is not None and index.built_in > BUILD_IN_REQUEST_SECONDS:
                _keep(using, _saved_at(state.token, using=using))
                if _built[using] is index:  # none saved: build it meanwhile
                    _build_on_a_thread(state.token, previous=index, using=using)
            else:
                _keep(using, _index_at(state.token, previous=index, using=using))
    finally:
        _lock.release()
    return _built[using]


def held_index(*, using: str = DEFAULT_DB_ALIAS) -> FacetIndex | None:
    """`facet_index()` once this process holds an index of the database, else None:
    for a page that can do without one (a paper page's related papers) and should
    not wait for a process's first build, seconds at a million papers."""
    if _built.get(using) is None:
        return None
    return facet_index(using=using)


def _saved_at(version: str, *, using: str) -> FacetIndex | None:
    store = index_store(using)
    return _load(store, version) if store is not None else None


def _build_on_a_thread(version: str, *, previous: FacetIndex, using: str) -> None:
    """Replace the index from a thread of its own; call holding `_lock`."""
    if using in _building_on_a_thread:
        return
    _building_on_a_thread.add(using)

    def build() -> None:
        try:
            new = _index_at(version, previous=previous, using=using)
            with _lock:
                _keep(using, new)
        except Exception:  # a request's error page would not show it: log it
            logger.exception("Could not build the browse index")
        finally:
            _building_on_a_thread.discard(using)
            connections.close_all()  # this thread's own

    threading.Thread(target=build, name="browse-index", daemon=True).start()


def refresh_index(*, using: str = DEFAULT_DB_ALIAS) -> FacetIndex:
    """This process's index of the data as it is now, lease or not: an import's
    last step before it ends its lease, so that every worker finds the index of its
    papers saved when they appear."""
    with _lock:
        index = _built.get(using)
        version = current_version(using=using)
        if index is None or index.version != version:
            _keep(using, _index_at(version, previous=None, using=using))
    return _built[using]


def _index_at(
    version: str, *, previous: FacetIndex | None, using: str
) -> FacetIndex | None:
    """The index of the data at `version`: the one saved by another process, else
    one built here and saved; None (keep `previous`) while another process builds
    one, unless there is no previous index to answer from."""
    store = index_store(using)
    if store is None:
        return _build(using)
    if (saved := _load(store, version)) is not None:
        return saved
    with store.build_lock(wait=previous is None) as building:
        if not building:
            return None
        if (saved := _load(store, version)) is not None:  # built while we waited
            return saved
        built = _build(using)
        if store.save(built.version, *built.saved()) and (
            saved := _load(store, built.version)
        ):
            # Answer from the saved copy too: its pages are shared with the others,
            # and this process's own copy is given back.
            del built
            _give_back_freed_memory()
            return saved
        return built


def _build(using: str) -> FacetIndex:
    index = FacetIndex.build(using=using)
    _give_back_freed_memory()
    logger.info(
        "Built the browse index of %d papers in %.2f s", index.size, index.built_in
    )
    return index


def _find_malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc's; other C libraries lack it
    except (OSError, AttributeError):
        return None


_malloc_trim = _find_malloc_trim()


def _give_back_freed_memory() -> None:
    """Return to the system the memory the process has freed. glibc's malloc keeps
    it for the process otherwise: after building a million papers' index and
    switching to the saved copy, a web worker held 305 MB of private memory, and
    62 MB once this ran (9 ms)."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _load(store: IndexStore, version: str) -> FacetIndex | None:
    started = time.perf_counter()
    saved = store.load(version)
    if saved is None:
        return None
    index = FacetIndex.from_saved(*saved)
    logger.info(
        "Loaded the browse index of %d papers in %.1f ms",
        index.size,
        (time.perf_counter() - started) * 1000,
    )
    return index


def _keep(using: str, index: FacetIndex | None) -> None:
    if index is not None:
        _built[using] = index
        _freeze_long_lived_objects()


_frozen = False


def _freeze_long_lived_objects() -> None:
    """Move what the process holds after its first index build (modules, URL
    patterns, compiled templates, the index) out of the collector's generations.

    A full collection walks every object still in them: some 100,000 by then, 50 to
    130 ms spent in the middle of whichever request allocated the last straw. Frozen
    objects are still freed when nothing refers to them; a cycle among them would
    only be kept. Once per process, after a collection, so no garbage is frozen.
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def forget_indexes() -> None:
    """Drop every built index (tests switch databases under one process)."""
    _built.clear()
