"""Full-text search over title, summary, author names and arXiv id, per database.

SQLite uses an FTS5 table, `papers_paper_fts` (rowid = paper id), that triggers from
migration 0002 keep in step with papers, authorships and author names; the rank is
`bm25()`. PostgreSQL uses Django's SearchVector/SearchQuery/SearchRank over the paper's
columns plus `papers_paper.author_names`, a column only PostgreSQL has: migration 0002
adds it (the ORM never writes it, so a `save()` cannot clobber it), keeps it filled by
triggers on authorships and authors, and indexes the vector with GIN.

Both annotate `rank`, higher is better. Terms are AND'ed; the last one also matches as
a prefix on SQLite (search-as-you-type); PostgreSQL reads the input as a web search
("quoted phrase", -excluded, or).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.db.models import (
    Exists,
    Expression,
    F,
    FloatField,
    Func,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

MAX_QUERY_LENGTH = 200
MAX_TERMS = 20

FTS_TABLE = "papers_paper_fts"
# bm25() column weights, in the FTS table's column order: title, summary, authors,
# arxiv_id. A hit in the title or the id says more than one deep in the summary.
FTS_WEIGHTS = (10.0, 1.0, 5.0, 10.0)
PG_CONFIG = "english"

_WORD = re.compile(r"\w", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def search_terms(query: str) -> list[str]:
    """The whitespace-separated terms of the user's input that contain a word.

    A term made only of punctuation ("(", "-", '"') can match nothing, and an empty
    FTS5 phrase is an error, so such terms are dropped.
    """
    query = _CONTROL.sub(" ", query[:MAX_QUERY_LENGTH])
    return [term for term in query.split() if _WORD.search(term)][:MAX_TERMS]


def fts5_query(query: str) -> str:
    """Turn user input into an FTS5 query that can never be a syntax error.

    Each term becomes a quoted phrase (FTS5 escapes a quote by doubling it), so
    operators (AND, OR, NOT, NEAR), column filters, parentheses and `-` lose their
    meaning; the phrases are AND'ed and the last one matches as a prefix.
    """
    phrases = ['"{}"'.format(term.replace('"', '""')) for term in search_terms(query)]
    if phrases:
        phrases[-1] += "*"
    return " ".join(phrases)


def search_papers(queryset: QuerySet, query: str) -> QuerySet:
    """Papers matching `query`, annotated with `rank` (higher is better).

    Input without a single word matches nothing, as on PostgreSQL.
    """
    if not search_terms(query):
        return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        return _search_sqlite(queryset, query)
    if vendor == "postgresql":
        return _search_postgresql(queryset, query)
    return _search_fallback(queryset, query)


class FtsDocumentField(TextField):
    """The FTS5 table's hidden column named after the table: what MATCH and bm25()
    take. Only `papers.models.PaperSearchDocument` (SQLite) has one."""


@FtsDocumentField.register_lookup
class Match(Lookup):
    lookup_name = "match"

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class Bm25(Func):
    """-bm25() of the matched FTS row with our column weights: higher is better."""

    function = "bm25"
    output_field = FloatField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        **extra_context: Any,
    ) -> tuple[str, tuple]:
        weights = ", ".join(str(weight) for weight in FTS_WEIGHTS)
        sql, params = super().as_sql(
            compiler,
            connection,
            template=f"-%(function)s(%(expressions)s, {weights})",
            **extra_context,
        )
        return sql, params


def _search_sqlite(queryset: QuerySet, query: str) -> QuerySet:
    # A join on the FTS table (rowid = paper id): SQLite runs the MATCH once and
    # computes bm25() for the matching rows as it goes. A correlated subquery per
    # paper would re-run the full-text query for every row, quadratic on big archives.
    document = "search_document__document"
    return queryset.filter(**{f"{document}__match": fts5_query(query)}).annotate(
        rank=Bm25(F(document))
    )


class AuthorNames(Expression):
    """The PostgreSQL-only `papers_paper.author_names` column (see module docstring).

    Compiled against whatever alias the paper table has in the query being built,
    and unqualified inside an index definition (`alias_cols=False`), so the same
    expression serves the query and the GIN index.
    """

    output_field = TextField()

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple]:
        column = connection.ops.quote_name("author_names")
        if not compiler.query.alias_cols:
            return column, ()
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name(alias)}.{column}", ()


def paper_search_vector() -> Expression:
    """The weighted document PostgreSQL searches; migration 0002 indexes exactly it."""
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("title", weight="A", config=PG_CONFIG)
        + SearchVector("arxiv_id", weight="A", config=PG_CONFIG)
        + SearchVector(AuthorNames(), weight="B", config=PG_CONFIG)
        + SearchVector("summary", weight="C", config=PG_CONFIG)
    )


def _search_postgresql(queryset: QuerySet, query: str) -> QuerySet:
    from django.contrib.postgres.search import SearchQuery, SearchRank

    text = " ".join(search_terms(query))
    search_query = SearchQuery(text, search_type="websearch", config=PG_CONFIG)
    vector = paper_search_vector()
    return queryset.annotate(
        search_vector=vector, rank=SearchRank(vector, search_query)
    ).filter(search_vector=search_query)


def _search_fallback(queryset: QuerySet, query: str) -> QuerySet:
    """Other databases: every term must occur somewhere; no meaningful rank."""
    from papers.models import Authorship

    for term in search_terms(query):
        by_author = Authorship.objects.filter(
            paper=OuterRef("pk"), author__name__icontains=term
        )
        queryset = queryset.filter(
            Q(title__icontains=term)
            | Q(summary__icontains=term)
            | Q(arxiv_id__icontains=term)
            | Exists(by_author)
        )
    return queryset.annotate(rank=Value(0.0, output_field=FloatField()))


class ExactText(Func):
    """A float as text that reads back as the same float (SQLite prints REALs with
    15 digits in text contexts, which can merge two different ranks)."""

    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            # "%%%%" reaches the database as "%%", which the driver reads as "%".
            compiler,
            connection,
            template="printf('%%%%.17g', %(expressions)s)",
            **extra,
        )

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="%(expressions)s", **extra)


def matching_ids(query: str, *, ranked: bool, using: str = "default"):
    """The ids of the papers matching `query` (an int64 array), and their ranks when
    `ranked` (a float array aligned with the ids, the same `rank` as `search_papers`,
    higher is better), for the browse engine.

    Only ids and ranks leave the database, as one row (papers.browse.index.int_columns);
    on SQLite the FTS table alone answers, and ranks are computed only when the
    results are sorted by relevance.
    """
    import numpy as np

    from papers.browse.index import int_columns
    from papers.models import Paper, PaperSearchDocument

    if not search_terms(query):
        return np.zeros(0, dtype=np.int64), np.zeros(0) if ranked else None
    if connections[using].vendor == "sqlite":
        # Ordered by the FTS rowid itself: the model's ordering would join the papers
        # table to sort, and an unordered subquery would be flattened into the
        # aggregate, where SQLite refuses bm25().
        rows = (
            PaperSearchDocument.objects.using(using)
            .filter(document__match=fts5_query(query))
            .order_by(F("paper_id").asc())
        )
        pk, rank = F("paper_id"), Bm25(F("document"))
    else:
        rows = search_papers(Paper.objects.using(using).order_by(), query)
        pk, rank = F("pk"), F("rank")
    if not ranked:
        return int_columns(rows.values(c0=pk), 1)[:, 0], None
    # Ids below 2**53 survive the trip through a float column exactly.
    found = int_columns(rows.values(c0=pk, c1=ExactText(rank)), 2, dtype=np.float64)
    return found[:, 0].astype(np.int64), found[:, 1]
