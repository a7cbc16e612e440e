"""Benchmark: how fast the browse pages answer on a large synthetic archive.

    python bench/run.py                        # 100,000 papers in bench/bench.sqlite3
    python bench/run.py --papers 1000000       # the "million papers" goal
    python bench/run.py --database-url postgres://postgres@127.0.0.1/digest_bench

The archive is generated once per database (re-used while its size matches) with the
shape of the real digests: ~30 papers a day, 5 authors each from a long-tailed pool,
1-3 tags from ~150 with a few very common ones, 45% with code, 30% with Hugging Face
links, some papers on two days. Each scenario is a real request through Django's test
client (middleware, filters, facets, templates); we report the median and worst of
several runs, and write them to bench/results/.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import itertools
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument(
        "--database-url", default=f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}"
    )
    parser.add_argument("--runs", type=int, default=5)
    return parser.parse_args()


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digestsite.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Tests and the benchmark need no hashed static files.
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    call_command("migrate", verbosity=0)


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
        Paper.objects.refresh_digest_dates()
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


def scenarios() -> list[tuple[str, str, dict]]:
    from papers.models import Appearance, Author, Paper

    popular_author = (
        Author.objects.order_by("pk").values_list("name", flat=True).first()
    )
    latest = Appearance.objects.order_by("-date").values_list("date", flat=True)[0]
    month_start = latest.replace(day=1)
    a_paper = Paper.objects.order_by("-pk").values_list("key", flat=True)[0]
    htmx = {"HTTP_HX_REQUEST": "true"}
    return [
        ("home, full page", "/", {}),
        ("one tag (htmx)", "/?tag=Multimodal", htmx),
        ("rare tag (htmx)", "/?tag=Topic+140", htmx),
        (
            "two tags, all, has code",
            "/?tag=Multimodal&tag=Computer+Vision&tag_mode=all&has_code=1",
            htmx,
        ),
        ("exclude a tag, no HF", "/?tag_not=Multimodal&has_hf=0", htmx),
        ("search one word", "/?q=diffusion", htmx),
        ("search phrase, relevance", "/?q=reward+model+alignment&sort=relevance", htmx),
        ("author", f"/?author={popular_author.replace(' ', '+')}", htmx),
        ("last month", f"/?date_from={month_start}&date_to={latest}", htmx),
        ("sort by title, page 50", "/?sort=title&page=50", htmx),
        ("API, tag, 100 per page", "/api/papers?tag=Multimodal&page_size=100", {}),
        ("paper page", f"/papers/{a_paper}/", {}),
        ("digest day page", f"/days/{latest}/", {}),
    ]


def timed_get(client, url: str, headers: dict) -> float:
    started = time.perf_counter()
    response = client.get(url, **headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def measure(runs: int) -> list[dict]:
    """Each scenario three ways: cold (the count cache just invalidated, nothing
    counted yet: the worst case), after an import (invalidated, then the list page
    counted as import_digest does) and warm (the same state asked for again)."""
    from django.test import Client

    from papers.count_cache import bump_data_version
    from papers.views.browse import warm_list_page_counts

    client = Client()
    rows = []
    print(f"{'scenario':<32} {'cold':>9} {'after import':>13} {'warm':>9}  (medians)")
    for name, url, headers in scenarios():
        timed_get(client, url, headers)  # warms the database's page cache
        cold, after_import, warm = [], [], []
        for _ in range(runs):
            bump_data_version()
            cold.append(timed_get(client, url, headers))
            warm.append(timed_get(client, url, headers))
            bump_data_version()
            warm_list_page_counts()
            after_import.append(timed_get(client, url, headers))
        row = {
            "scenario": name,
            "url": url,
            "cold_median_ms": round(statistics.median(cold), 1),
            "cold_max_ms": round(max(cold), 1),
            "after_import_median_ms": round(statistics.median(after_import), 1),
            "warm_median_ms": round(statistics.median(warm), 1),
        }
        rows.append(row)
        print(
            f"{name:<32} {row['cold_median_ms']:>7.0f} ms"
            f" {row['after_import_median_ms']:>10.0f} ms"
            f" {row['warm_median_ms']:>7.0f} ms"
        )
    return rows


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.db import connection

    from papers.models import Paper

    if Paper.objects.count() != args.papers:
        generate(args.papers)
    vendor = connection.vendor
    print(f"{args.papers:,} papers on {vendor}, median of {args.runs} runs")
    rows = measure(args.runs)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    out = results / f"{vendor}-{args.papers}.json"
    out.write_text(
        json.dumps(
            {
                "papers": args.papers,
                "database": vendor,
                "measured_at": datetime.datetime.now(datetime.UTC).isoformat(
                    timespec="seconds"
                ),
                "results": rows,
            },
            indent=2,
        )
    )
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
