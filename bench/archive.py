"""The benchmark's synthetic archive: papers shaped like the digests (about 30 a day,
5 authors each from a long-tailed pool, 1-3 tags from 150 with a few very common ones,
45% with code, 30% with Hugging Face links, 5% on two days, a Zipf vocabulary).

`write_markdown` writes it as digest markdown (one current-format file per day) for
`import_digest`; `generate` writes the same shape straight into the database with bulk
inserts, for sizes where importing would take too long (a million papers).
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

WORDS = (
    "language",
    "model",
    "agent",
    "reasoning",
    "diffusion",
    "video",
    "vision",
    "retrieval",
    "alignment",
    "reinforcement",
    "learning",
    "benchmark",
    "multimodal",
    "robot",
    "policy",
    "transformer",
    "attention",
    "sparse",
    "efficient",
    "scaling",
    "synthetic",
    "data",
    "evaluation",
    "graph",
    "speech",
    "audio",
    "code",
    "math",
    "instruction",
    "tuning",
    "preference",
    "reward",
    "safety",
    "memory",
    "planning",
    "tool",
    "embodied",
)


def zipf_vocabulary(size: int = 3000) -> tuple[list[str], list[float]]:
    """Words with cumulative Zipf weights: the real WORDS spread over the ranks (a
    common one like "model" near the top, "embodied" far down) among made-up ones, so
    a search for one word matches a realistic share of papers, not all of them."""
    vocabulary = [f"w{rank:04d}" for rank in range(size)]
    for index, word in enumerate(WORDS):
        vocabulary[(index * 7) ** 2 % size if index else 3] = word
    weights = [1 / rank for rank in range(1, size + 1)]
    return vocabulary, list(itertools.accumulate(weights))


VOCABULARY, CUMULATIVE_WEIGHTS = zipf_vocabulary()


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choices(VOCABULARY, cum_weights=CUMULATIVE_WEIGHTS, k=count))


COMMON_TAGS = ["Multimodal", "Natural Language Processing", "Computer Vision"]


def generate(papers: int, *, seed: int = 20250311) -> None:
    """Fill the database with `papers` synthetic papers (deleting what was there)."""
    from django.db import connection, transaction
    from django.db.models import Max

    from papers import search_index
    from papers.browse.version import bump_data_version
    from papers.importer.parser import tag_slug
    from papers.models import Appearance, Author, Authorship, Digest, Paper, Tag

    rng = random.Random(seed)
    started = time.perf_counter()
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), authors_indexed_once():
        for model in (Appearance, Authorship, Paper.tags.through, Paper, Digest):
            model.objects.all().delete()
        Author.objects.all().delete()
        Tag.objects.all().delete()

        tag_names = COMMON_TAGS + [f"Topic {n}" for n in range(150 - len(COMMON_TAGS))]
        Tag.objects.bulk_create(Tag(name=n, slug=tag_slug(n)) for n in tag_names)
        tag_ids = list(Tag.objects.order_by("pk").values_list("pk", flat=True))
        author_count = max(1000, papers // 3)
        Author.objects.bulk_create(
            (Author(name=f"Author {n:07d}") for n in range(author_count)),
            batch_size=10_000,
        )
        author_ids = list(Author.objects.order_by("pk").values_list("pk", flat=True))
        author_names = dict(Author.objects.values_list("pk", "name"))
        next_id = (Paper.objects.aggregate(Max("pk"))["pk__max"] or 0) + 1
        days = max(1, papers // 30)
        first_day = datetime.date(2026, 11, 27) - datetime.timedelta(days=days - 1)
        Digest.objects.bulk_create(
            Digest(date=first_day + datetime.timedelta(n)) for n in range(days)
        )
        digests = list(Digest.objects.order_by("date").values_list("pk", "date"))

        batch = 10_000
        for start in range(0, papers, batch):
            size = min(batch, papers - start)
            # Papers first, then their links, in the order the random draws were
            # always made, so a seed gives the same archive on every database.
            batch_papers = [synthetic_paper(rng, start + i) for i in range(size)]
            links = [
                draw_links(rng, index, int(paper.key), tag_ids, author_ids, digests)
                for index, paper in enumerate(batch_papers)
            ]
            # Digest dates set before the insert: a refresh afterwards would rewrite
            # every row once more (and on PostgreSQL recompute its search vector).
            for paper, paper_links in zip(batch_papers, links, strict=True):
                dates = [date for _, date, _ in paper_links.appearances]
                paper.first_digest_date, paper.last_digest_date = min(dates), max(dates)
            if postgres:
                created = list(range(next_id, next_id + size))
                next_id += size
                copy_papers(batch_papers, created, links, author_names)
            else:
                Paper.objects.bulk_create(batch_papers)
                created = list(
                    Paper.objects.filter(
                        key__gte=f"{start:07d}", key__lt=f"{start + size:07d}"
                    )
                    .order_by("key")
                    .values_list("pk", flat=True)
                )
            link_rows(created, links)
            print(f"  {start + size:,} papers", end="\r", file=sys.stderr)
        bump_data_version()
    search_index.compact()  # as `import_digest` leaves the full-text index
    print(
        f"generated {papers:,} papers in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


@contextlib.contextmanager
def authors_indexed_once():
    """Fill the search index's author names once instead of through the
    per-authorship triggers (five index rewrites per paper): on SQLite, the FTS
    table's authors column at the end; on PostgreSQL, papers_paper.author_names is
    written with each paper (copy_papers), the triggers stand aside (migration 0007)
    and the GIN index of the stored search vector (migration 0010) is built once at
    the end."""
    import importlib

    from django.db import connection

    if connection.vendor == "postgresql":
        vector = importlib.import_module("papers.migrations.0010_search_vector")
        with connection.cursor() as cursor:
            # The importer's switch (papers.importer.writer), for this transaction.
            cursor.execute("SELECT set_config('papers.search_bulk', 'on', true)")
            # Building the GIN index once at the end is far cheaper than growing it
            # a row at a time.
            cursor.execute("DROP INDEX paper_search_vector")
            yield
            # CREATE INDEX refuses to run while deferred foreign-key checks wait.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute(vector.INDEX)
            # The ids were given explicitly: move the identity past them.
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('papers_paper', 'id'), "
                "(SELECT coalesce(max(id), 0) + 1 FROM papers_paper), false)"
            )
            cursor.execute("SELECT set_config('papers.search_bulk', 'off', true)")
        return
    if connection.vendor != "sqlite":
        yield
        return
    migration = importlib.import_module("papers.migrations.0002_search")
    with connection.cursor() as cursor:
        # Re-created exactly as the migrations left them (0007 adds a guard).
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'papers_authorship_fts_%'"
        )
        triggers = [sql for (sql,) in cursor.fetchall()]
        for name in ("insert", "update", "delete"):
            cursor.execute(f"DROP TRIGGER papers_authorship_fts_{name}")
        yield
        authors = migration.author_names("papers_paper_fts.rowid")
        cursor.execute(f"UPDATE papers_paper_fts SET authors = {authors}")
        for sql in triggers:
            cursor.execute(sql)


def synthetic_paper(rng: random.Random, n: int):
    from papers.models import Paper

    title = words(rng, rng.randint(5, 12)).capitalize()
    summary = " ".join(f"- {words(rng, rng.randint(15, 30))}." for _ in range(4))
    github = [f"https://github.com/org{n % 997}/repo{n}"] if rng.random() < 0.45 else []
    hf = (
        [f"https://huggingface.co/org{n % 991}/model{n}"] if rng.random() < 0.30 else []
    )
    return Paper(
        key=f"{n:07d}",
        arxiv_id=f"{n:07d}",
        title=title,
        summary=summary,
        arxiv_url=f"https://arxiv.org/abs/{n:07d}",
        github_urls=github,
        huggingface_urls=hf,
    )


@dataclass(frozen=True)
class DrawnLinks:
    """One paper's links, drawn before its row (and id) exists."""

    tags: frozenset[int]
    authors: tuple[int, ...]
    appearances: tuple[tuple[int, datetime.date, int], ...]  # digest, date, position


def draw_links(rng, index, n, tag_ids, author_ids, digests) -> DrawnLinks:
    """The tags, authors and digest days of paper `n`, the `index`-th of its batch."""
    tags = {tag_ids[min(int(rng.paretovariate(1.2)) - 1, len(tag_ids) - 1)]}
    tags.update(rng.sample(tag_ids, rng.randint(0, 2)))
    # A long tail: the most prolific author is on about 1% of the papers.
    authors = {author_ids[int(len(author_ids) * rng.random() ** 2)] for _ in range(5)}
    day = min(n // 30, len(digests) - 1)
    appearances = {}  # by digest: on the last day, "the next day" is the same one
    for offset in (0, 1) if rng.random() < 0.05 else (0,):
        digest_id, date = digests[min(day + offset, len(digests) - 1)]
        appearances[digest_id] = (digest_id, date, index % 30 + 1)
    return DrawnLinks(frozenset(tags), tuple(authors), tuple(appearances.values()))


def link_rows(paper_ids: list[int], links: list[DrawnLinks]) -> None:
    """Insert the drawn links of the papers whose ids (in the same order) are given."""
    from django.db import connection

    from papers.models import Appearance, Authorship, Paper

    taggings, authorships, appearances = [], [], []
    for paper_id, drawn in zip(paper_ids, links, strict=True):
        taggings += [
            Paper.tags.through(paper_id=paper_id, tag_id=t) for t in drawn.tags
        ]
        authorships += [
            Authorship(paper_id=paper_id, author_id=a, position=p)
            for p, a in enumerate(drawn.authors, start=1)
        ]
        appearances += [
            Appearance(paper_id=paper_id, digest_id=d, date=date, position=position)
            for d, date, position in drawn.appearances
        ]
    for model, rows in (
        (Paper.tags.through, taggings),
        (Authorship, authorships),
        (Appearance, appearances),
    ):
        if connection.vendor == "postgresql":
            copy_rows(model, rows)
        else:
            model.objects.bulk_create(rows, ignore_conflicts=True)


def copy_papers(papers, ids, links, author_names) -> None:
    """PostgreSQL: insert a batch of papers with COPY, with the ids given and their
    author names (the column the search vector reads; see authors_indexed_once)."""
    import json

    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    sql = (
        "COPY papers_paper (id, key, arxiv_id, title, summary, arxiv_url, "
        "github_urls, huggingface_urls, first_digest_date, last_digest_date, "
        "edited_fields, created_at, updated_at, author_names) FROM STDIN"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for pk, paper, drawn in zip(ids, papers, links, strict=True):
            copy.write_row(
                [
                    pk,
                    paper.key,
                    paper.arxiv_id,
                    paper.title,
                    paper.summary,
                    paper.arxiv_url,
                    json.dumps(paper.github_urls),
                    json.dumps(paper.huggingface_urls),
                    paper.first_digest_date,
                    paper.last_digest_date,
                    "[]",
                    now,
                    now,
                    ", ".join(author_names[a] for a in drawn.authors),
                ]
            )


def copy_rows(model, objects) -> None:
    """PostgreSQL: insert model instances with COPY, several times faster than
    INSERT for the millions of link rows (the draws never repeat a link)."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for instance in objects:
            copy.write_row([getattr(instance, f.attname) for f in fields])


def arxiv_id(n: int) -> str:
    """A valid-looking new-style arXiv id, distinct for every n below ~1.2 million."""
    return f"{2301 + n // 99_999:04d}.{n % 99_999 + 1:05d}"


def write_markdown(papers: int, directory: Path, *, seed: int = 20250311) -> int:
    """Write `papers` synthetic papers as one digest markdown file per day (the
    current six-column format) under `directory`; returns the number of files."""
    rng = random.Random(seed)
    tag_names = COMMON_TAGS + [f"Topic {n}" for n in range(150 - len(COMMON_TAGS))]
    author_count = max(1000, papers // 3)
    days = max(1, papers // 30)
    first_day = datetime.date(2026, 11, 27) - datetime.timedelta(days=days - 1)
    rows: dict[int, list[str]] = {}
    for n in range(papers):
        title = words(rng, rng.randint(5, 12)).capitalize()
        summary = " ".join(f"- {words(rng, rng.randint(15, 30))}." for _ in range(4))
        github = f"[Link](https://github.com/org{n % 997}/repo{n})"
        hf = f"[Link](https://huggingface.co/org{n % 991}/model{n})"
        code = github if rng.random() < 0.45 else "N/A"
        hugging = hf if rng.random() < 0.30 else "N/A"
        tags = {tag_names[min(int(rng.paretovariate(1.2)) - 1, len(tag_names) - 1)]}
        tags.update(rng.sample(tag_names, rng.randint(0, 2)))
        authors = {
            f"Author {int(author_count * rng.random() ** 2):07d}" for _ in range(5)
        }
        row = (
            f"| [{title}](https://arxiv.org/abs/{arxiv_id(n)}) | {', '.join(authors)}"
            f" | {summary} | {sorted(tags)!r} | {code} | {hugging} |"
        )
        day = min(n // 30, days - 1)
        for offset in (0, 1) if rng.random() < 0.05 else (0,):
            rows.setdefault(min(day + offset, days - 1), []).append(row)
        if n % 10_000 == 0:
            print(f"  {n:,} papers written", end="\r", file=sys.stderr)
    header = (
        "| Title | Authors | Summary | Classification | GitHub URLs "
        "| HuggingFace URLs |\n|-------|---------|---------|----------------|"
        "-------------|-----------------|\n"
    )
    for day, day_rows in rows.items():
        date = first_day + datetime.timedelta(day)
        path = directory / f"{date:%Y/%m/%d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"## Papers for {date.isoformat()}\n\n{header}" + "\n".join(day_rows) + "\n"
        )
    return len(rows)
