"""A shared cache for the count queries that every visitor of a page state runs.

Facet counts and result counts over a large archive cost up to seconds each, and most
visits ask for the same few states (the home page, a popular tag, the latest week).
Rows are cached under a hash of the query's own SQL and parameters, so two states share
an entry only when they run the same query, and under a data version that every import
and every change logged by the admin bumps.

Queries that depend on one reader's marks (bookmarks, dismissals) are never passed
here: the reader's own clicks would not bump the version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

VERSION_KEY = "papers:data-version"
# Imports and admin changes invalidate entries; the timeout only bounds how long a
# change made some other way (a database shell) can go unseen.
TIMEOUT = 24 * 60 * 60  # seconds


def bump_data_version() -> None:
    """Invalidate every cached count: the papers changed."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted
        cache.set(VERSION_KEY, 1, None)


def _key(queryset: QuerySet, kind: str) -> str:
    sql, params = queryset.query.sql_with_params()
    # Which database answers, not only the alias: several sites (or a benchmark)
    # may share one cache, and the same SQL over another database counts other rows.
    database = connections[queryset.db].settings_dict
    where = (database["ENGINE"], database["HOST"], database["PORT"], database["NAME"])
    digest = hashlib.sha256(repr((where, sql, params)).encode()).hexdigest()
    version = cache.get_or_set(VERSION_KEY, 1, None)
    return f"papers:{kind}:{version}:{digest}"


def _cached[T](queryset: QuerySet, kind: str, compute: Callable[[], T]) -> T:
    try:
        key = _key(queryset, kind)
    except EmptyResultSet:  # the ORM knows it matches nothing: nothing to cache
        return compute()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


def cached_rows(queryset: QuerySet) -> list:
    """The rows of a values()/values_list() query, from the cache when fresh."""
    return _cached(queryset, "rows", lambda: list(queryset))


def cached_count(queryset: QuerySet) -> int:
    return _cached(queryset, "count", queryset.count)


class SharedCountPaginator(Paginator):
    """A Paginator whose total comes from the shared count cache, counted from
    `count_from` (the same rows in a form that counts faster) when given."""

    def __init__(
        self,
        object_list: QuerySet,
        per_page: int,
        *,
        count_from: QuerySet | None = None,
        **options: Any,
    ) -> None:
        super().__init__(object_list, per_page, **options)
        self.count_from = object_list if count_from is None else count_from

    @cached_property
    def count(self) -> int:
        return cached_count(self.count_from)
