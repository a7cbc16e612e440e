"""What a browse request asks the database besides its page, in one statement.

The facet index (papers.browse.index) answers tags, authors, months, flags and sort
orders from memory. A request still needs a few answers only the database has: the
data version and the import lease, the papers a full-text search matches (and their
ranks), the ids of the authors it names, the reader's own marks, the values a facet's
search box matches. Each is a queryset whose rows are reduced to one text value (a
comma-separated list of numbers, or JSON) by a scalar subquery, and all of them go in
one SELECT: whatever its filters, a request makes one round trip for them, and every
answer comes from the same snapshot of the data.

    lookups = Lookups(using="default")
    lookups.numbers("q", rows.values(c0=F("pk"), c1=rank), width=2)
    lookups.run()
    lookups["q"]  # an (n, 2) array
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


def number_list_sql(vendor: str, width: int) -> str:
    """The aggregate that writes columns c0..c{width-1} of every row of a subquery
    `t` as one comma-separated text."""
    if vendor == "postgresql":
        cells = " || ',' || ".join(f"t.c{i}::text" for i in range(width))
        return f"string_agg({cells}, ',')"
    cells = " || ',' || ".join(f"t.c{i}" for i in range(width))
    return f"group_concat({cells}, ',')"


def parse_numbers(text: str | None, width: int, dtype: type) -> np.ndarray:
    if not text:
        return np.zeros((0, width), dtype=dtype)
    return np.fromstring(text, dtype=dtype, sep=",").reshape(-1, width)


def _json_list_sql(vendor: str, width: int) -> str:
    cells = ", ".join(f"t.c{i}" for i in range(width))
    if vendor == "postgresql":
        item = "t.c0" if width == 1 else f"json_build_array({cells})"
        return f"CAST(json_agg({item}) AS text)"
    item = "t.c0" if width == 1 else f"json_array({cells})"
    return f"json_group_array({item})"


def _json_row_sql(vendor: str, width: int) -> str:
    cells = ", ".join(f"t.c{i}" for i in range(width))
    if vendor == "postgresql":
        return f"CAST(json_build_array({cells}) AS text)"
    return f"json_array({cells})"


# (database alias, name) -> the SQL and parameters of a `constant_row()`.
_CONSTANT_SQL: dict[tuple[str, str], tuple[str, tuple]] = {}


class Lookups:
    """Named answers gathered before one `run()`; read them by name afterwards."""

    def __init__(self, *, using: str) -> None:
        self.using = using
        self.vendor = connections[using].vendor
        self._parts: dict[str, tuple[str, list[Any], Callable[[Any], Any]]] = {}
        self._answers: dict[str, Any] | None = None

    def numbers(
        self, name: str, queryset: QuerySet, *, width: int, dtype: type = np.int64
    ) -> None:
        """The numeric columns c0.. of `queryset.values(c0=..., ...)` as an (n, width)
        array. The rows come in the order the aggregate met them, which SQL does
        not promise to be the queryset's: a column that must order them says so."""
        self._add(
            name,
            queryset,
            number_list_sql(self.vendor, width),
            lambda text: parse_numbers(text, width, dtype),
        )

    def values(self, name: str, queryset: QuerySet, *, width: int = 1) -> None:
        """Columns c0.. of `queryset.values(c0=..., ...)` as a list of values (one
        column) or of lists, in no promised order (as for `numbers`)."""
        self._add(
            name,
            queryset,
            _json_list_sql(self.vendor, width),
            lambda text: json.loads(text) if text else [],
        )

    def row(self, name: str, queryset: QuerySet, *, width: int) -> None:
        """The first row's columns c0.., as a list (None when there is no row)."""
        self._add(
            name,
            queryset[:1],
            _json_row_sql(self.vendor, width),
            lambda text: json.loads(text) if text else None,
        )

    def constant_row(
        self, name: str, build: Callable[[], QuerySet], *, width: int
    ) -> None:
        """`row()` of a queryset whose SQL never changes (the data version): built
        and compiled once per database and process, not on every request."""
        key = (self.using, name)
        if key not in _CONSTANT_SQL:
            _CONSTANT_SQL[key] = build()[:1].query.sql_with_params()
        sql, params = _CONSTANT_SQL[key]
        self._add_sql(
            name,
            sql,
            params,
            _json_row_sql(self.vendor, width),
            lambda text: json.loads(text) if text else None,
        )

    def _add(
        self, name: str, queryset: QuerySet, aggregate: str, parse: Callable
    ) -> None:
        try:
            sql, params = queryset.query.sql_with_params()
        except EmptyResultSet:  # e.g. `pk__in=[]`: no rows, nothing to ask
            sql, params = "", ()
        self._add_sql(name, sql, params, aggregate, parse)

    def _add_sql(
        self, name: str, sql: str, params: Sequence, aggregate: str, parse: Callable
    ) -> None:
        if self._answers is not None:
            raise RuntimeError(f"lookup {name!r} added after the lookups ran")
        if not sql:
            self._parts[name] = ("NULL", [], parse)
            return
        self._parts[name] = (
            f"(SELECT {aggregate} FROM ({sql}) t)",
            list(params),
            parse,
        )

    def run(self) -> None:
        """Ask every part at once (nothing is asked when there is none)."""
        self._answers = {}
        if not self._parts:
            return
        names = list(self._parts)
        columns = ", ".join(self._parts[name][0] for name in names)
        params = [param for name in names for param in self._parts[name][1]]
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"SELECT {columns}", params)
            row = cursor.fetchone()
        for name, text in zip(names, row, strict=True):
            self._answers[name] = self._parts[name][2](text)

    def __getitem__(self, name: str) -> Any:
        if self._answers is None:
            raise RuntimeError("the lookups have not run yet")
        return self._answers[name]

    def get(self, name: str, default: Any = None) -> Any:
        """The answer to `name`, or `default` when it was not asked."""
        if self._answers is None:
            raise RuntimeError("the lookups have not run yet")
        return self._answers.get(name, default)
