"""Benchmark: the paper page's related papers and the trends page, on a large archive.

    python bench/related_trends.py                      # 100,000 papers, SQLite
    python bench/related_trends.py --papers 1000000
    python bench/related_trends.py --database-url postgres://postgres@127.0.0.1/digest_bench

Uses bench/run.py's synthetic archive (same database, generated if its size differs).
Nothing is cached between requests of these pages, so every request costs what a
first one does; we still time the very first request of each scenario ("cold", right
after start) apart from the median of the next runs. Related papers are timed on 20
papers picked at random (fixed seed), through Django's full stack, and "For you" for
a reader with ten of them bookmarked and five dismissed; results go to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import run  # noqa: E402  (bench/run.py: the archive generator)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument(
        "--database-url", default=f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}"
    )
    parser.add_argument("--runs", type=int, default=3)
    return parser.parse_args()


def trend_scenarios(tags: list[str]) -> list[tuple[str, str]]:
    return [
        ("trends, all papers", "/trends/"),
        ("trends, one broad tag", f"/trends/?tag={tags[0]}"),
        ("trends, one rare tag", f"/trends/?tag={tags[-1]}"),
        ("trends, search one word", "/trends/?q=diffusion"),
        ("trends, by week, two months", "/trends/?date_from=2026-10-01&interval=week"),
    ]


def main() -> None:
    args = parse_args()
    run.setup_django(args.database_url, migrate=True)
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from bench.archive import generate
    from papers.models import Paper, Tag

    if Paper.objects.count() != args.papers:
        generate(args.papers)
    vendor = connection.vendor
    print(f"{args.papers:,} papers on {vendor}")
    client = Client()
    rows = []

    rng = random.Random(7)
    largest = Paper.objects.order_by("-pk").values_list("pk", flat=True)[0]
    picks = []
    while len(picks) < 20:
        paper = Paper.objects.filter(pk__gte=rng.randint(1, largest)).first()
        if paper is not None:
            picks.append(paper)
    first, rest = [], []
    for paper in picks:
        url = paper.get_absolute_url()
        first.append(run.timed_get(client, url))
        rest.extend(run.timed_get(client, url) for _ in range(args.runs))
    rows.append(_row("paper page with related papers (20 papers)", first, rest))

    tags = list(
        Tag.objects.annotate(n=Count("papers"))
        .order_by("-n")
        .values_list("name", flat=True)
    )
    for name, url in trend_scenarios(tags):
        cold = [run.timed_get(client, url)]
        rows.append(
            _row(name, cold, [run.timed_get(client, url) for _ in range(args.runs)])
        )

    rows.append(_time_for_you(client, picks, args.runs))

    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    out = results / f"related-trends-{vendor}-{args.papers}.json"
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


def _time_for_you(client, picks: list, runs: int) -> dict:
    """A reader with 10 bookmarks and 5 dismissals (the most the page looks at)."""
    from django.contrib.auth import get_user_model

    from papers.models import Bookmark, Dismissal

    reader, _ = get_user_model().objects.get_or_create(username="bench-reader")
    Bookmark.objects.filter(user=reader).delete()
    Dismissal.objects.filter(user=reader).delete()
    distinct = list(dict.fromkeys(picks))
    for paper in distinct[:10]:
        Bookmark.objects.create(user=reader, paper=paper)
    for paper in distinct[10:15]:
        Dismissal.objects.create(user=reader, paper=paper)
    client.force_login(reader)
    cold = [run.timed_get(client, "/for-you/")]
    rest = [run.timed_get(client, "/for-you/") for _ in range(runs)]
    client.logout()
    return _row("For you, 10 bookmarks and 5 dismissals", cold, rest)


def _row(name: str, cold: list[float], warm: list[float]) -> dict:
    row = {
        "scenario": name,
        "cold_median_ms": round(statistics.median(cold), 1),
        "cold_max_ms": round(max(cold), 1),
        "next_median_ms": round(statistics.median(warm), 1),
    }
    print(
        f"{name:<44} cold {row['cold_median_ms']:>7.0f} ms (max"
        f" {row['cold_max_ms']:.0f}), then {row['next_median_ms']:>7.0f} ms"
    )
    return row


if __name__ == "__main__":
    main()
