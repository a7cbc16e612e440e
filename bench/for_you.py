"""Benchmark: the list sorted "For you", and the trends of a state, on a large archive.

    python bench/for_you.py                      # 100,000 papers, SQLite
    python bench/for_you.py --papers 20000
    python bench/for_you.py --database-url postgres://postgres@127.0.0.1/digest_bench

Uses bench/archive.py's synthetic archive, bulk-generated into its own database (kept
while the paper count matches). A reader has ten bookmarks and five dismissals (the
most papers.for_you looks at) picked at random with a fixed seed. Each scenario goes
through Django's full stack (test client, logged in): its first request after the
browse index is built ("cold": nothing about the state computed before; the site
keeps no per-state cache, so every For-you request recomputes the suggestions) and the
median of `--runs` more. The same pages sorted newest show what the sort adds. The
suggestions alone are timed first, with their query count: once before any word
frequency is known in the process (as after a start or an import), then again. The
pages come after, so their word frequencies are known. Results go to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import setup_django, timed_get  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument(
        "--database-url", default=f"sqlite:///{ROOT / 'bench' / 'for_you.sqlite3'}"
    )
    parser.add_argument("--runs", type=int, default=5)
    return parser.parse_args()


def scenarios(broad_tag: str) -> list[tuple[str, str]]:
    return [
        ("list, newest (for comparison)", "/"),
        ("list, for you", "/?sort=for_you"),
        ("list, broad tag, newest", f"/?tag={broad_tag}"),
        ("list, broad tag, for you", f"/?tag={broad_tag}&sort=for_you"),
        ("list, has code, page 2, for you", "/?has_code=1&sort=for_you&page=2"),
        ("api, for you", "/api/papers?sort=for_you"),
        ("/for-you/ page", "/for-you/"),
        ("trends, all papers", "/trends/"),
        ("trends, broad tag", f"/trends/?tag={broad_tag}"),
        ("trends, search one word", "/trends/?q=diffusion"),
        ("trends, for you", "/trends/?sort=for_you"),
    ]


def make_reader():
    """A reader with 10 bookmarks and 5 dismissals of random papers."""
    from django.contrib.auth import get_user_model

    from papers.models import Bookmark, Dismissal, Paper

    reader, _ = get_user_model().objects.get_or_create(username="bench-reader")
    Bookmark.objects.filter(user=reader).delete()
    Dismissal.objects.filter(user=reader).delete()
    rng = random.Random(7)
    ids = list(Paper.objects.values_list("pk", flat=True))
    picks = rng.sample(ids, 15)
    for pk in picks[:10]:
        Bookmark.objects.create(user=reader, paper_id=pk)
    for pk in picks[10:]:
        Dismissal.objects.create(user=reader, paper_id=pk)
    return reader


def time_suggestions(reader, runs: int) -> dict:
    """papers.for_you.suggest alone, first in the process (no word frequency known
    yet: the cost after a start or an import) and then: time and queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from papers.for_you import suggest

    times, queries = [], []
    for _ in range(runs + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = suggest(reader, limit=None)
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured))
    row = {
        "scenario": "suggest() alone",
        "cold_ms": round(times[0], 1),
        "cold_queries": queries[0],
        "median_ms": round(statistics.median(times[1:]), 1),
        "queries": queries[-1],
        "suggestions": len(result.suggestions),
    }
    print(
        f"{row['scenario']:<36} cold {row['cold_ms']:>7.0f} ms"
        f" ({row['cold_queries']} queries), then median {row['median_ms']:>6.0f} ms"
        f" ({row['queries']} queries), {row['suggestions']} papers scored"
    )
    return row


def main() -> None:
    args = parse_args()
    setup_django(args.database_url, migrate=True)
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from bench.archive import generate
    from papers.browse.engine import warm_up
    from papers.models import Paper, Tag

    if Paper.objects.count() != args.papers:
        generate(args.papers)
    vendor = connection.vendor
    print(f"{args.papers:,} papers on {vendor}, load average {os.getloadavg()}")
    reader = make_reader()
    broad_tag = (
        Tag.objects.annotate(n=Count("papers")).order_by("-n").values_list("name")[0][0]
    )
    index_seconds = warm_up()
    print(f"browse index built in {index_seconds * 1000:.0f} ms")
    client = Client()
    client.force_login(reader)
    rows = [time_suggestions(reader, args.runs)]
    for name, url in scenarios(broad_tag):
        cold = timed_get(client, url)
        warm = [timed_get(client, url) for _ in range(args.runs)]
        row = {
            "scenario": name,
            "url": url,
            "cold_ms": round(cold, 1),
            "median_ms": round(statistics.median(warm), 1),
            "max_ms": round(max(warm), 1),
        }
        print(
            f"{name:<36} cold {row['cold_ms']:>7.0f} ms, then median"
            f" {row['median_ms']:>6.0f} ms (max {row['max_ms']:.0f})"
        )
        rows.append(row)
    load = os.getloadavg()
    print(f"load average after: {load}")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    out = results / f"for-you-{vendor}-{args.papers}.json"
    out.write_text(
        json.dumps(
            {
                "papers": args.papers,
                "database": vendor,
                "measured_at": datetime.datetime.now(datetime.UTC).isoformat(
                    timespec="seconds"
                ),
                "load_average_after": [round(value, 2) for value in load],
                "index_build_ms": round(index_seconds * 1000),
                "results": rows,
            },
            indent=2,
        )
    )
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
