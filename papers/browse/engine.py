"""`browse(scope, params, reader) -> Browse`: one list state for every caller.

The query string is validated by the page's FilterSet form (papers.filters, which
stays the SQL definition of every filter). Each active filter becomes a boolean mask
over the facet index's papers; the total and the page come from the AND of them all,
each facet's counts from the AND of every mask but its own selection's. The database
answers only what the index does not hold, in two queries whatever the filters: one
lookup statement (papers.browse.lookups: the data version, full-text matches, the
selected authors' ids, the reader's own marks, the facet search boxes' matches), then
the page's papers with their authors, tags and days.

Sorted "for_you" (a logged-in reader only: the form refuses it otherwise), the state
is its filters' papers that papers.for_you scores, best first: the suggestions are
computed once, their papers are one more mask (which no facet ignores, so counts and
facets describe the papers listed), and the scores order the rows of the state.
`select()` gives the same masks to pages that summarise a state (trends).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Case, F, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.http import QueryDict
from django.urls import reverse

from papers.browse.facets import (
    MAX_FACET_SEARCH,
    AuthorFacet,
    BooleanFacet,
    FacetKind,
    FacetRequest,
    Facets,
    MonthFacet,
    TagFacet,
    selection_facets,
)
from papers.browse.index import FacetIndex, facet_index
from papers.browse.lookups import Lookups
from papers.browse.querystring import (
    Chip,
    QuickRange,
    active_filters,
    clear_all_url,
    quick_ranges,
)
from papers.browse.reader import Reader
from papers.browse.version import data_state, data_state_row
from papers.filters import DEFAULT_PAGE_SIZE, FOR_YOU, BookmarkFilter, PaperFilter
from papers.for_you import ForYou, explain, suggest
from papers.models import Author, Bookmark, Dismissal, Paper, Tag
from papers.search import matching_rows

FACETS: tuple[FacetKind, ...] = (
    TagFacet(),
    AuthorFacet(),
    BooleanFacet("has_code"),
    BooleanFacet("has_hf"),
    MonthFacet(),
)


@dataclass(frozen=True)
class Scope:
    """The papers a page lists before any filter, and the path its links stay on."""

    path: str
    author: str | None = None  # an author's page: their papers
    tag: str | None = None  # a tag's page: the papers carrying it
    bookmarks: bool = False  # "My bookmarks": the reader's bookmarked papers

    @property
    def filter_class(self) -> type[PaperFilter]:
        return BookmarkFilter if self.bookmarks else PaperFilter


@dataclass(frozen=True)
class Browse:
    """A list state: the validated filters or their errors, and what they select."""

    form: forms.Form
    errors: dict[str, list[str]]  # by parameter; empty when the query string is valid
    facets: Facets
    clear_url: str
    page: Page | None = None
    chips: tuple[Chip, ...] = ()
    quick_ranges: tuple[QuickRange, ...] = ()
    sort: str = ""  # as asked; "" for the default
    effective_sort: str = ""  # the order the results are in
    tag_mode: str = "any"
    author_q: str = ""
    tag_q: str = ""
    for_you: ForYou | None = None  # the suggestions, when sorted "for_you"

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def data(self) -> dict[str, Any]:
        return self.form.cleaned_data if self.valid else {}

    @property
    def total(self) -> int:
        return self.page.paginator.count if self.page is not None else 0

    @property
    def page_range(self) -> Iterable:
        if self.page is None:
            return ()
        return self.page.paginator.get_elided_page_range(
            self.page.number, on_each_side=2, on_ends=1
        )


@dataclass(frozen=True, eq=False)
class Selection:
    """The papers of a list state as a mask over the facet index (None: every paper
    of the index), or the errors of its parameters."""

    index: FacetIndex | None
    mask: np.ndarray | None
    data: dict[str, Any]
    errors: dict[str, list[str]]

    @property
    def valid(self) -> bool:
        return not self.errors


def _errors(form: forms.Form) -> dict[str, list[str]]:
    return {
        name: [str(message) for message in messages]
        for name, messages in form.errors.items()
    }


def select(
    scope: Scope,
    params: QueryDict,
    reader: Reader,
    *,
    using: str = DEFAULT_DB_ALIAS,
) -> Selection:
    """The papers `params` select within `scope`, as `browse` counts them (its total
    is the mask's count), without ordering, paging or facets."""
    form = scope.filter_class.bound_form(params, reader=reader)
    if not form.is_valid():
        return Selection(None, None, {}, _errors(form))
    data = form.cleaned_data
    index, state = _resolved(_State(data, scope, reader, Lookups(using=using)))
    return Selection(index, state.matching(), data, {})


def facet_search(params: QueryDict, name: str) -> str:
    """A facet's own search box ("find an author"): narrows the values it lists."""
    return params.get(name, "").replace("\x00", "").strip()[:MAX_FACET_SEARCH]


def browse(
    scope: Scope,
    params: QueryDict,
    reader: Reader,
    *,
    filter_class: type[PaperFilter] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Browse:
    """The list state `params` asks for within `scope`, as `reader` sees it.

    `filter_class` defaults to the scope's (BookmarkFilter on "My bookmarks"); the API
    passes ApiPaperFilter for its `page_size`. With an invalid parameter nothing is
    counted: the errors come back with the selection, so fixing one value keeps the
    rest.
    """
    filter_class = filter_class or scope.filter_class
    form = filter_class.bound_form(params, reader=reader)
    author_q, tag_q = facet_search(params, "author_q"), facet_search(params, "tag_q")
    clear_url = clear_all_url(scope.path, params)
    if not form.is_valid():
        return Browse(
            form=form,
            errors=_errors(form),
            facets=selection_facets(
                getattr(form, "cleaned_data", {}), path=scope.path, params=params
            ),
            clear_url=clear_url,
            author_q=author_q,
            tag_q=tag_q,
        )
    data = form.cleaned_data
    index, state = _resolved(
        _State(
            data, scope, reader, Lookups(using=using), tag_q=tag_q, author_q=author_q
        )
    )
    effective_sort = filter_class.sort_in_force(data)
    sort = effective_sort
    if sort == "relevance" and not data.get("q"):
        sort = "newest"
    rows = state.ordered(state.matching(), sort)
    paginator = Paginator(rows, data.get("page_size") or DEFAULT_PAGE_SIZE)
    page = paginator.get_page(data.get("page"))
    page.object_list = _papers(
        index.paper_ids[np.asarray(page.object_list, dtype=np.int64)],
        reader,
        bookmarks=scope.bookmarks,
        using=using,
    )
    if state.for_you is not None:
        explain(page.object_list, state.for_you)
    request = FacetRequest(
        data=data,
        path=scope.path,
        params=params,
        tag_allowed=state.tags_matching(),
        author_allowed=state.authors_matching(),
        author_values=state.selected_authors,
    )
    counted = {}
    for facet in FACETS:
        mask = state.matching(ignoring=facet.ignores(data))
        counted[facet.name] = facet.facet_results(
            index, facet.counts(index, mask, request), request
        )
    return Browse(
        form=form,
        errors={},
        facets=Facets(**counted),
        clear_url=clear_url,
        page=page,
        chips=tuple(active_filters(data, path=scope.path, params=params)),
        quick_ranges=tuple(
            quick_ranges(index.latest_digest, data, path=scope.path, params=params)
        ),
        sort=data.get("sort") or "",
        effective_sort=effective_sort,
        tag_mode=data.get("tag_mode") or "any",
        author_q=author_q,
        tag_q=tag_q,
        for_you=state.for_you,
    )


def count_among(
    scope: Scope,
    reader: Reader,
    states: Sequence[tuple[QueryDict, Iterable[int]]],
    *,
    using: str = DEFAULT_DB_ALIAS,
) -> list[int | None]:
    """For each (params, paper ids): how many of those papers the state selects, or
    None when its parameters are invalid.

    Only the filters' masks are built (no facets, no page): the header's "N new" of a
    reader's saved searches costs one lookup statement for them all (each state's
    text search, selected authors and reader marks among its parts).
    """
    lookups = Lookups(using=using)
    pending: list[tuple[_State, list[int]] | int | None] = []
    for number, (params, paper_ids) in enumerate(states):
        form = scope.filter_class.bound_form(params, reader=reader)
        ids = list(paper_ids)
        if not form.is_valid():
            pending.append(None)
        elif not ids:  # nothing to count: no need for the filters
            pending.append(0)
        else:
            # A count needs no order: skip the text search's ranking.
            data = {**form.cleaned_data, "sort": "newest"}
            state = _State(data, scope, reader, lookups, prefix=f"{number}:")
            pending.append((state, ids))
    if not any(isinstance(entry, tuple) for entry in pending):
        return pending  # type: ignore[return-value]
    index = _index_after(lookups)
    counts: list[int | None] = []
    for entry in pending:
        if not isinstance(entry, tuple):
            counts.append(entry)
            continue
        state, ids = entry
        mask = state.resolve(index).matching()
        among = index.mask_of(ids)
        counts.append(int(np.count_nonzero(among if mask is None else among & mask)))
    return counts


def _index_after(lookups: Lookups) -> FacetIndex:
    """Run the request's lookups, the data version among them, and return the
    index of that version."""
    using = lookups.using
    lookups.constant_row("version", lambda: data_state_row(using=using), width=2)
    lookups.run()
    return facet_index(using=lookups.using, state=data_state(lookups["version"]))


def _resolved(state: _State) -> tuple[FacetIndex, _State]:
    index = _index_after(state.lookups)
    return index, state.resolve(index)


def warm_up(*, using: str = DEFAULT_DB_ALIAS) -> float:
    """Build this process's index of the current data (the import's last step, which
    also proves the new data browses); returns the seconds it took. Web workers build
    their own on their first request after the data version moved."""
    started = time.perf_counter()
    browse(Scope(path=reverse("papers:list")), QueryDict(), Reader(), using=using)
    return time.perf_counter() - started


def _papers(
    ids: np.ndarray, reader: Reader, *, bookmarks: bool, using: str
) -> list[Paper]:
    """The papers with these ids, in this order, with what a card shows."""
    user = reader.user or AnonymousUser()
    papers = (
        Paper.objects.using(using)
        .filter(pk__in=[int(pk) for pk in ids])
        .for_listing()
        .with_is_bookmarked(user)
        .with_is_dismissed(user)
        .with_is_new(reader.since if reader.user else None)
    )
    if bookmarks and reader.user:
        papers = papers.with_bookmark_of(reader.user).with_bookmarked_at(reader.user)
    by_id = {paper.pk: paper for paper in papers}
    return [by_id[int(pk)] for pk in ids if int(pk) in by_id]


class _State:
    """The masks of one request's filters over the index.

    What the filters need from the database is asked in the request's one lookup
    statement (papers.browse.lookups): the constructor adds those parts (under
    `prefix`, so several states can share one statement), `resolve(index)` reads
    them once the statement ran and builds the masks.
    """

    def __init__(
        self,
        data: dict[str, Any],
        scope: Scope,
        reader: Reader,
        lookups: Lookups,
        *,
        tag_q: str = "",
        author_q: str = "",
        prefix: str = "",
    ) -> None:
        self.data = data
        self.scope = scope
        self.reader = reader if reader.user else None
        self.lookups = lookups
        self.using = lookups.using
        self.prefix = prefix
        self.ranks: np.ndarray | None = None  # by row, when sorting by relevance
        self.for_you: ForYou | None = None  # when sorting "for_you"
        self.scores: np.ndarray | None = None  # by row, when sorting "for_you"
        self.selected_authors: dict[str, int | None] = {}
        self._ask(tag_q, author_q)

    def _key(self, name: str) -> str:
        return self.prefix + name

    def _ask(self, tag_q: str, author_q: str) -> None:
        """Add what the filters need to the lookups."""
        data, lookups, using = self.data, self.lookups, self.using
        if data.get("q"):
            rows = matching_rows(data["q"], ranked=self.ranked, using=using)
            if rows is not None:
                width = 2 if self.ranked else 1
                lookups.numbers(self._key("q"), rows, width=width, dtype=np.float64)
        names = list(data.get("author") or [])
        if self.scope.author is not None:
            names.append(self.scope.author)
        if names:
            lookups.values(
                self._key("authors"),
                Author.objects.using(using)
                .filter(name__in=names)
                .order_by()
                .values(c0=F("name"), c1=F("pk")),
                width=2,
            )
        if tag_q:
            lookups.values(
                self._key("tag_q"),
                Tag.objects.using(using)
                .filter(name__icontains=tag_q)
                .order_by()
                .values(c0=F("name")),
            )
        if author_q:
            self._ask_ids(
                "author_q", Author.objects.using(using).filter(name__icontains=author_q)
            )
        if self.reader:
            self._ask_reader()

    def _ask_reader(self) -> None:
        data, user, using = self.data, self.reader.user, self.using
        if (
            self.scope.bookmarks
            or data.get("bookmarked")
            or set(data.get("hide") or ()) & {"bookmarked", "read"}
            or data.get("status")
            or data.get("sort") == "bookmarked"
        ):
            # Each with its place among them, oldest first: how recent it is. (An
            # aggregate need not keep its subquery's order; the place says it.)
            self.lookups.numbers(
                self._key("bookmarks"),
                Bookmark.objects.using(using)
                .filter(user=user)
                .order_by()
                .values(
                    c0=F("paper_id"),
                    c1=_status_code(),
                    c2=Window(RowNumber(), order_by=[F("created_at"), F("paper_id")]),
                ),
                width=3,
            )
        if "dismissed" in (data.get("hide") or ()):
            self._ask_ids(
                "dismissed",
                Dismissal.objects.using(using).filter(user=user),
                column="paper_id",
            )
        if data.get("new") and self.reader.since:
            self._ask_ids(
                "new", Paper.objects.using(using).created_since(self.reader.since)
            )
        if (reading_list := data.get("list")) is not None:
            self._ask_ids(
                "list",
                Bookmark.objects.using(using).filter(
                    user_id=reading_list.user_id, lists=reading_list
                ),
                column="paper_id",
            )

    def _ask_ids(self, name: str, queryset: QuerySet, *, column: str = "pk") -> None:
        """Ask for one id column of `queryset`'s rows, in no particular order."""
        self.lookups.numbers(
            self._key(name), queryset.order_by().values(c0=F(column)), width=1
        )

    @property
    def ranked(self) -> bool:
        return self.data.get("sort") == "relevance" or not self.data.get("sort")

    def _answer(self, name: str, default: Any = None) -> Any:
        return self.lookups.get(self._key(name), default)

    def resolve(self, index: FacetIndex) -> _State:
        """Build the masks over `index` from the lookups' answers."""
        self.index = index
        author_ids = dict(self._answer("authors", ()))
        self.selected_authors = {
            name: next(iter(index.author_values([author_ids[name]])), None)
            if name in author_ids
            else None
            for name in self.data.get("author") or []
        }
        self.scope_mask = self._scope_mask(self.scope, author_ids)
        self.masks = self._filter_masks()
        return self

    # --- Masks ---

    def matching(self, ignoring: Sequence[str] = ()) -> np.ndarray | None:
        """The AND of the scope and every filter but those `ignoring`; None when
        nothing constrains the papers (facets then use their precomputed totals)."""
        masks = [mask for name, mask in self.masks.items() if name not in ignoring]
        if self.scope_mask is not None:
            masks.append(self.scope_mask)
        if not masks:
            return None
        result = masks[0].copy()
        for mask in masks[1:]:
            result &= mask
        return result

    def _scope_mask(
        self, scope: Scope, author_ids: dict[str, int]
    ) -> np.ndarray | None:
        index = self.index
        if scope.bookmarks:
            if not self.reader:
                return np.zeros(index.size, dtype=bool)
            return index.mask_of(self.bookmarks[0])
        if scope.author is not None:
            values = index.author_values(
                [author_ids[scope.author]] if scope.author in author_ids else []
            )
            return index.authors.papers_with_any(values, index.size)
        if scope.tag is not None:
            return self._tagged_any([scope.tag])
        return None

    def _tagged_any(self, names: Iterable[str]) -> np.ndarray:
        values = [
            self.index.tag_values[name]
            for name in names
            if name in self.index.tag_values
        ]
        return self.index.tags.papers_with_any(values, self.index.size)

    def _filter_masks(self) -> dict[str, np.ndarray]:
        """One mask per active filter, keyed by the parameter a facet ignores."""
        index, data, masks = self.index, self.data, {}
        if data.get("q"):
            found = self._answer("q", np.zeros((0, 2)))
            rows, known = index.locate(found[:, 0].astype(np.int64))
            masks["q"] = np.zeros(index.size, dtype=bool)
            masks["q"][rows] = True
            if self.ranked:
                self.ranks = np.zeros(index.size)
                self.ranks[rows] = found[known, 1]
        if tags := data.get("tag"):
            if data.get("tag_mode") == "all":
                mask = np.ones(index.size, dtype=bool)
                for name in tags:
                    mask &= self._tagged_any([name])
                masks["tag"] = mask
            else:
                masks["tag"] = self._tagged_any(tags)
        if excluded := data.get("tag_not"):
            masks["tag_not"] = ~self._tagged_any(excluded)
        if data.get("author"):
            values = [v for v in self.selected_authors.values() if v is not None]
            masks["author"] = index.authors.papers_with_any(values, index.size)
        start, end = data.get("date_from"), data.get("date_to")
        if start or end:
            # One digest day must lie in the whole range; the month facet ignores it.
            masks["date_from"] = index.days_between(start, end)
        for name in ("has_code", "has_hf"):
            if data.get(name):
                masks[name] = getattr(index, name) == (data[name] == "1")
        if self.reader:
            masks.update(self._reader_masks())
            if data.get("sort") == FOR_YOU:
                masks[FOR_YOU] = self._for_you_mask()
        return masks

    def _for_you_mask(self) -> np.ndarray:
        """The papers the reader's suggestions score (every one, not a page of them:
        at most papers.for_you's SEEDS * PER_SEED); keeps their scores for the order."""
        index = self.index
        self.for_you = suggest(self.reader.user, limit=None)
        suggestions = self.for_you.suggestions
        rows, known = index.locate([s.paper_id for s in suggestions])
        self.scores = np.zeros(index.size)
        self.scores[rows] = np.array([s.score for s in suggestions])[known]
        mask = np.zeros(index.size, dtype=bool)
        mask[rows] = True
        return mask

    def _reader_masks(self) -> dict[str, np.ndarray]:
        index, data, masks = self.index, self.data, {}
        if data.get("bookmarked"):
            bookmarked = index.mask_of(self.bookmarks[0])
            masks["bookmarked"] = (
                bookmarked if data["bookmarked"] == "1" else ~bookmarked
            )
        if hide := data.get("hide"):
            hidden = np.zeros(index.size, dtype=bool)
            if "bookmarked" in hide:
                hidden |= index.mask_of(self.bookmarks[0])
            if "read" in hide:
                paper_ids, statuses = self.bookmarks
                hidden |= index.mask_of(paper_ids[statuses == _READ])
            if "dismissed" in hide:
                hidden |= index.mask_of(self._answer("dismissed")[:, 0])
            masks["hide"] = ~hidden
        if data.get("new"):
            masks["new"] = (
                index.mask_of(self._answer("new")[:, 0])
                if self.reader.since
                else np.zeros(index.size, dtype=bool)
            )
        if status := data.get("status"):
            paper_ids, statuses = self.bookmarks
            masks["status"] = index.mask_of(paper_ids[statuses == _code_of(status)])
        if data.get("list") is not None:
            masks["list"] = index.mask_of(self._answer("list")[:, 0])
        return masks

    @property
    def bookmarks(self) -> tuple[np.ndarray, np.ndarray]:
        """The reader's bookmarks, oldest first: paper ids and status codes."""
        rows = self._answer("bookmarks", np.zeros((0, 3), dtype=np.int64))
        rows = rows[np.argsort(rows[:, 2], kind="stable")]
        return rows[:, 0], rows[:, 1]

    # --- Order ---

    def ordered(self, mask: np.ndarray | None, sort: str) -> np.ndarray | _RowsInOrder:
        """The rows of `mask` in the sort's order (as a paginator slices them)."""
        index = self.index
        if sort in index.orders:
            order = index.orders[sort]
            if mask is None:
                return order
            count = int(np.count_nonzero(mask))
            if count * 16 < index.size:  # few: sort them rather than scan all
                rows = np.flatnonzero(mask)
                return rows[np.argsort(index.positions[sort][rows], kind="stable")]
            return _RowsInOrder(order, mask, count)
        rows = np.arange(index.size) if mask is None else np.flatnonzero(mask)
        newest = index.positions["newest"][rows]
        if sort == "relevance":
            ranks = self.ranks if self.ranks is not None else np.zeros(index.size)
            return rows[np.lexsort((newest, -ranks[rows]))]
        if sort == FOR_YOU:
            # Best score first, then the higher id: papers.for_you.suggest's order.
            scores = self.scores if self.scores is not None else np.zeros(index.size)
            return rows[np.lexsort((-index.paper_ids[rows], -scores[rows]))]
        # "bookmarked": most recently bookmarked first, then the higher id. The
        # bookmarks come oldest first, so their place says how recent each is.
        paper_ids, _ = self.bookmarks
        when = np.zeros(index.size, dtype=np.int64)
        bookmarked, known = index.locate(paper_ids)
        when[bookmarked] = np.arange(1, len(paper_ids) + 1)[known]
        return rows[np.lexsort((-index.paper_ids[rows], -when[rows]))]

    # --- Facet search boxes ---

    def tags_matching(self) -> frozenset[str] | None:
        found = self._answer("tag_q")
        return None if found is None else frozenset(found)

    def authors_matching(self) -> np.ndarray | None:
        found = self._answer("author_q")
        if found is None:
            return None
        allowed = np.zeros(len(self.index.author_ids), dtype=bool)
        allowed[self.index.author_values(found[:, 0])] = True
        return allowed


class _RowsInOrder(Sequence):
    """The rows of a broad mask in a precomputed order, found only as far as the
    page asked for: the first page of "one broad tag" walks a few hundred rows of the
    order instead of a million."""

    def __init__(self, order: np.ndarray, mask: np.ndarray, count: int) -> None:
        self.order, self.mask, self.count = order, mask, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.step not in (None, 1):
            return np.asarray(self[:])[item]
        start, stop, _ = item.indices(self.count)
        if start >= stop:
            return self.order[:0]
        # Enough of the order to hold `stop` matches at the mask's density, and more
        # while it does not.
        scanned = min(len(self.order), (stop * len(self.order)) // self.count + 1024)
        while True:
            head = self.order[:scanned]
            found = head[self.mask[head]]
            if len(found) >= stop or scanned == len(self.order):
                return found[start:stop]
            scanned = min(len(self.order), scanned * 2)


_STATUSES = list(Bookmark.Status.values)
_READ = _STATUSES.index(Bookmark.Status.READ)


def _code_of(status: str) -> int:
    return _STATUSES.index(status)


def _status_code() -> Case:
    """A bookmark's status as its place in Bookmark.Status (numbers travel as one
    text; names would need quoting)."""
    return Case(
        *(
            When(status=status, then=Value(code))
            for code, status in enumerate(_STATUSES)
        ),
        default=Value(-1),
    )
