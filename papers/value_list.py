"""`ValueList(queryset)`: a related table's values as one list per row of the outer
query, in the queryset's order.

A list page shows each paper's authors, tags and digest days. Prefetching them costs
a query and a queryset per relation and per paper; a correlated subquery that
aggregates them costs neither, and the page's papers come in one query whatever the
page size. `queryset` selects one column, named `v` (`.values(v=...)`).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models


class _ListField(models.Field):
    """SQLite answers a JSON array as text; PostgreSQL's ARRAY is a list already."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression, connection) -> list:
        if value is None:
            return []
        if isinstance(value, str):
            return json.loads(value)
        return list(value)


class ValueList(models.Subquery):
    output_field = _ListField()

    def as_sql(self, compiler, connection, template=None, **extra_context):
        # ARRAY(subquery) keeps the subquery's order by definition.
        return super().as_sql(
            compiler, connection, template="ARRAY(%(subquery)s)", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite aggregates a subquery's rows in the order the subquery yields them.
        return super().as_sql(
            compiler,
            connection,
            template="(SELECT json_group_array(v) FROM (%(subquery)s))",
            **extra_context,
        )
