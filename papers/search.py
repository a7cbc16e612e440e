"""Full-text search over title, summary, author names and arXiv id, per database.

The search box's language (words AND'ed, "phrases", -exclusions, OR, author: and tag:,
the last word as a prefix) is parsed once by papers.query_language and compiled to an
FTS5 MATCH expression on SQLite and to a tsquery on PostgreSQL, so the same input finds
the same papers on both. `tag:` terms are a tag filter, the same SQL on both.

SQLite uses an FTS5 table, `papers_paper_fts` (rowid = paper id), that triggers from
migration 0002 keep in step with papers, authorships and author names; the rank is
`bm25()`. PostgreSQL matches and ranks (`ts_rank`) the stored generated column
`papers_paper.search_vector` (migration 0010, GIN-indexed): the weighted document of
`paper_search_vector()` over the paper's columns plus `papers_paper.author_names`.
Both columns exist only on PostgreSQL and only in SQL (the ORM never writes them, so a
`save()` cannot clobber them): migration 0002 keeps author_names filled by triggers on
authorships and authors, the importer writes it in bulk, and PostgreSQL recomputes the
vector whenever one of its columns changes. Nothing recomputes to_tsvector per row at
query time.

Both annotate `rank`, higher is better (0 when only tags or exclusions were given).
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.db.models import (
    Exists,
    Expression,
    F,
    Field,
    FloatField,
    Func,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.utils.functional import cached_property

from papers.query_language import (
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    Query,
    Term,
    is_text,
    parse_query,
    to_fts5,
    to_tsquery,
)

__all__ = ["MAX_QUERY_LENGTH", "MAX_TERMS", "fts5_only", "search_papers"]

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

FTS_TABLE = "papers_paper_fts"
# bm25() column weights, in the FTS table's column order: title, summary, authors,
# arxiv_id. A hit in the title or the id says more than one deep in the summary.
FTS_WEIGHTS = (10.0, 1.0, 5.0, 10.0)
PG_CONFIG = "english"

Clauses = tuple[tuple[Term, ...], ...]


def search_papers(queryset: QuerySet, query: str | Query) -> QuerySet:
    """Papers matching `query` (text or an already parsed Query), annotated with
    `rank` (higher is better). Input without a single word matches nothing.
    """
    parsed = query if isinstance(query, Query) else parse_query(query)
    if not parsed:
        return queryset.none().annotate(rank=Value(0.0, output_field=FloatField()))
    vendor = connections[queryset.db].vendor
    text_clauses = tuple(c for c in parsed.clauses if all(map(is_text, c)))
    other_clauses = tuple(c for c in parsed.clauses if c not in text_clauses)
    text_excluded = tuple(term for term in parsed.excluded if is_text(term))

    if text_clauses:
        queryset = _match(queryset, vendor, text_clauses, text_excluded)
    else:
        # Neither FTS5 nor the tsquery can match exclusions alone: subtract them.
        for term in text_excluded:
            queryset = queryset.exclude(pk__in=_ids_matching(vendor, ((term,),)))
        queryset = queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    for clause in other_clauses:
        queryset = queryset.filter(_any_term(vendor, clause))
    for term in parsed.excluded:
        if not is_text(term):
            queryset = queryset.exclude(_tagged(term))
    return queryset


def fts5_only(query: str | Query) -> str | None:
    """The FTS5 MATCH expression when the FTS table alone answers `query` (text terms
    only, at least one to match), for callers that want ids straight from the index;
    None when the query needs search_papers (a `tag:` term, exclusions alone) or
    matches nothing."""
    parsed = query if isinstance(query, Query) else parse_query(query)
    terms = (*parsed.positive_terms, *parsed.excluded)
    if not parsed.clauses or not all(map(is_text, terms)):
        return None
    return to_fts5(parsed.clauses, parsed.excluded)


def _match(
    queryset: QuerySet, vendor: str, clauses: Clauses, excluded: tuple[Term, ...]
) -> QuerySet:
    if vendor == "sqlite":
        # A join on the FTS table (rowid = paper id): SQLite runs the MATCH once and
        # computes bm25() for the matching rows as it goes. A correlated subquery
        # per paper would re-run the full-text query for every row.
        document = "search_document__document"
        return queryset.filter(
            **{f"{document}__match": to_fts5(clauses, excluded)}
        ).annotate(rank=Bm25(F(document)))
    if vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        search_query = SearchQuery(
            to_tsquery(clauses, excluded), search_type="raw", config=PG_CONFIG
        )
        # `alias`, not `annotate`: the vector is matched and ranked, never selected.
        return (
            queryset.alias(search_vector=StoredSearchVector())
            .filter(search_vector=search_query)
            .annotate(rank=SearchRank(StoredSearchVector(), search_query))
        )
    return _match_fallback(queryset, clauses, excluded)


def _ids_matching(vendor: str, clauses: Clauses) -> QuerySet:
    from papers.models import Paper

    return _match(Paper.objects.all(), vendor, clauses, ()).values("pk")


def _any_term(vendor: str, clause: tuple[Term, ...]) -> Q:
    """One clause holding a tag term: any of its terms, each its own condition."""
    conditions = [
        Q(pk__in=_ids_matching(vendor, ((term,),)))
        if is_text(term)
        else Q(_tagged(term))
        for term in clause
    ]
    return reduce(operator.or_, conditions)


def _tagged(term: Term) -> Exists:
    """`tag:name`: a tag whose name or slug is the term (starts with it when it is
    the word being typed), case-insensitively."""
    from papers.models import Paper

    name, slug = term.text, "-".join(term.words)
    if term.prefix:
        matching = Q(tag__name__istartswith=name) | Q(tag__slug__istartswith=slug)
    else:
        matching = Q(tag__name__iexact=name) | Q(tag__slug__iexact=slug)
    links = Paper.tags.through.objects.filter(matching, paper=OuterRef("pk"))
    return Exists(links)


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


class PostgresOnlyColumn(Expression):
    """A papers_paper column the model does not declare (see module docstring).

    Compiled against whatever alias the paper table has in the query being built,
    and unqualified inside an index definition (`alias_cols=False`), so the same
    expression serves queries and index definitions.
    """

    column: str

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple]:
        column = connection.ops.quote_name(self.column)
        if not compiler.query.alias_cols:
            return column, ()
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name(alias)}.{column}", ()


class AuthorNames(PostgresOnlyColumn):
    """`papers_paper.author_names`: the authors' names, in order, comma-separated."""

    column = "author_names"
    output_field = TextField()


class StoredSearchVector(PostgresOnlyColumn):
    """`papers_paper.search_vector`: paper_search_vector(), stored (migration 0010)."""

    column = "search_vector"

    @cached_property
    def output_field(self) -> Field:
        # Imported here: django.contrib.postgres needs psycopg, which SQLite sites
        # may lack.
        from django.contrib.postgres.search import SearchVectorField

        return SearchVectorField()


def paper_search_vector() -> Expression:
    """The weighted document PostgreSQL searches, computed from the paper's columns.

    Migration 0010 stores exactly this as `search_vector` (queries read the column,
    StoredSearchVector); migration 0002 indexed this expression before that.
    """
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("title", weight="A", config=PG_CONFIG)
        + SearchVector("arxiv_id", weight="A", config=PG_CONFIG)
        + SearchVector(AuthorNames(), weight="B", config=PG_CONFIG)
        + SearchVector("summary", weight="C", config=PG_CONFIG)
    )


def _term_condition(term: Term) -> Q:
    """Other databases: a term's text somewhere in the paper, as a substring."""
    from papers.models import Authorship

    text = term.text
    by_author = Authorship.objects.filter(
        paper=OuterRef("pk"), author__name__icontains=text
    )
    if term.field == "author":
        return Q(Exists(by_author))
    return (
        Q(title__icontains=text)
        | Q(summary__icontains=text)
        | Q(arxiv_id__icontains=text)
        | Q(Exists(by_author))
    )


def _match_fallback(
    queryset: QuerySet, clauses: Clauses, excluded: tuple[Term, ...]
) -> QuerySet:
    """Other databases: substring matching; no meaningful rank."""
    for clause in clauses:
        queryset = queryset.filter(reduce(operator.or_, map(_term_condition, clause)))
    for term in excluded:
        queryset = queryset.exclude(_term_condition(term))
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
    """The ids of the papers matching `query` (the search language of
    papers.query_language; an int64 array), and their ranks when
    `ranked` (a float array aligned with the ids, the same `rank` as `search_papers`,
    higher is better), for the browse engine.

    Only ids and ranks leave the database, as one row (papers.browse.index.int_columns;
    packed binary numbers on PostgreSQL); on SQLite the FTS table alone answers when
    it can (`fts5_only`), and ranks are computed only when the results are sorted by
    relevance.
    """
    import numpy as np

    from papers.browse.index import int_columns
    from papers.models import Paper, PaperSearchDocument

    parsed = parse_query(query)
    if not parsed:
        return np.zeros(0, dtype=np.int64), np.zeros(0) if ranked else None
    match = fts5_only(parsed) if connections[using].vendor == "sqlite" else None
    if match is not None:
        # Ordered by the FTS rowid itself: the model's ordering would join the papers
        # table to sort, and an unordered subquery would be flattened into the
        # aggregate, where SQLite refuses bm25().
        rows = (
            PaperSearchDocument.objects.using(using)
            .filter(document__match=match)
            .order_by(F("paper_id").asc())
        )
        pk, rank = F("paper_id"), Bm25(F("document"))
    else:
        # A `tag:` term or exclusions alone need joins: the SQL path answers.
        rows = search_papers(Paper.objects.using(using).order_by(), parsed)
        pk, rank = F("pk"), F("rank")
    if connections[using].vendor == "postgresql":
        columns = {"c0": pk, "c1": rank} if ranked else {"c0": pk}
        return _packed_ids_and_ranks(rows.values(**columns), ranked=ranked)
    if not ranked:
        return int_columns(rows.values(c0=pk), 1)[:, 0], None
    # Ids below 2**53 survive the trip through a float column exactly.
    found = int_columns(rows.values(c0=pk, c1=ExactText(rank)), 2, dtype=np.float64)
    return found[:, 0].astype(np.int64), found[:, 1]


def _packed_ids_and_ranks(rows: QuerySet, *, ranked: bool):
    """matching_ids on PostgreSQL: the ids (column c0) and ranks (c1) of the matches
    as one bytea of fixed-width binary numbers rather than decimal text, so that
    neither the database formats some 30,000 numbers nor Python parses them (a
    one-word search at a million papers has 14,000 matches). The ranks are ts_rank's
    float4 values exactly: they order and tie the matches as the database does."""
    import numpy as np

    sql, params = rows.query.sql_with_params()
    # Each match packed big-endian: the id (int8send) and the rank (float4send).
    packed = "int8send(t.c0) || float4send(t.c1::real)" if ranked else "int8send(t.c0)"
    with connections[rows.db].cursor() as cursor:
        cursor.execute(f"SELECT string_agg({packed}, ''::bytea) FROM ({sql}) t", params)
        (data,) = cursor.fetchone()
    if not ranked:
        return np.frombuffer(data or b"", dtype=">i8").astype(np.int64), None
    found = np.frombuffer(data or b"", dtype=[("id", ">i8"), ("rank", ">f4")])
    return found["id"].astype(np.int64), found["rank"].astype(np.float64)
