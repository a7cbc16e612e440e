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
    from django.db import transaction

    from papers.importer.parser import tag_slug
    from papers.models import Appearance, Author, Authorship, Digest, Paper, Tag

    rng = random.Random(seed)
    started = time.perf_counter()
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
        days = max(1, papers // 30)
        first_day = datetime.date(2026, 11, 27) - datetime.timedelta(days=days - 1)
        Digest.objects.bulk_create(
            Digest(date=first_day + datetime.timedelta(n)) for n in range(days)
        )
        digests = list(Digest.objects.order_by("date").values_list("pk", "date"))

        batch = 10_000
        for start in range(0, papers, batch):
            size = min(batch, papers - start)
            Paper.objects.bulk_create(
                synthetic_paper(rng, start + i) for i in range(size)
            )
            created = list(
                Paper.objects.filter(
                    key__gte=f"{start:07d}", key__lt=f"{start + size:07d}"
                )
                .order_by("key")
                .values_list("pk", "key")
            )
            link_batch(rng, created, tag_ids, author_ids, digests)
            print(f"  {start + size:,} papers", end="\r", file=sys.stderr)
        Paper.objects.refresh_digest_dates()  # also moves the data version
    print(
        f"generated {papers:,} papers in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


@contextlib.contextmanager
def authors_indexed_once():
    """On SQLite, fill the search index's author names once at the end instead of
    through the per-authorship triggers (five index rewrites per paper)."""
    import importlib

    from django.db import connection

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


def link_batch(rng, created, tag_ids, author_ids, digests) -> None:
    from papers.models import Appearance, Authorship, Paper

    taggings, authorships, appearances = [], [], []
    for index, (paper_id, key) in enumerate(created):
        n = int(key)
        tags = {tag_ids[min(int(rng.paretovariate(1.2)) - 1, len(tag_ids) - 1)]}
        tags.update(rng.sample(tag_ids, rng.randint(0, 2)))
        taggings += [Paper.tags.through(paper_id=paper_id, tag_id=t) for t in tags]
        # A long tail: the most prolific author is on about 1% of the papers.
        authors = {
            author_ids[int(len(author_ids) * rng.random() ** 2)] for _ in range(5)
        }
        authorships += [
            Authorship(paper_id=paper_id, author_id=a, position=p)
            for p, a in enumerate(authors, start=1)
        ]
        day = min(n // 30, len(digests) - 1)
        for offset in (0, 1) if rng.random() < 0.05 else (0,):
            digest_id, date = digests[min(day + offset, len(digests) - 1)]
            appearances.append(
                Appearance(
                    paper_id=paper_id,
                    digest_id=digest_id,
                    date=date,
                    position=index % 30 + 1,
                )
            )
    Paper.tags.through.objects.bulk_create(taggings, ignore_conflicts=True)
    Authorship.objects.bulk_create(authorships, ignore_conflicts=True)
    Appearance.objects.bulk_create(appearances, ignore_conflicts=True)


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
