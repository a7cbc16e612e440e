"""Benchmark: exports of list states stream in bounded memory.

    python bench/exports.py                    # 20,000 papers in bench/exports.sqlite3
    python bench/exports.py --papers 1000000
    python bench/exports.py --database-url postgres://postgres@127.0.0.1/digest_bench

Uses bench/run.py's synthetic archive. Each format is exported through Django's test
client, for the whole archive and for its newest tenth (a `date_from` state), under
tracemalloc: the peak of Python memory while the response streams, and the time (which
tracemalloc slows down; a small export of each format runs first, so neither counts
what the process loads once). A streamed export's peak depends on the chunk size, not
on how many papers it holds, so the two peaks should be close while the sizes differ
tenfold. Results go to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import generate, setup_django  # noqa: E402

FORMATS = ("bib", "csv", "json", "md")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=20_000)
    parser.add_argument(
        "--database-url", default=f"sqlite:///{ROOT / 'bench' / 'exports.sqlite3'}"
    )
    return parser.parse_args()


def export(client, url: str) -> tuple[int, float]:
    """Bytes and seconds of one streamed export, read chunk by chunk."""
    started = time.perf_counter()
    response = client.get(url)
    if response.status_code != 200 or not response.streaming:
        raise SystemExit(f"{url} answered {response.status_code}")
    size = sum(len(chunk) for chunk in response.streaming_content)
    return size, time.perf_counter() - started


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.db import connection
    from django.db.models import Max
    from django.test import Client

    from papers.models import Digest, Paper

    if Paper.objects.count() != args.papers:
        generate(args.papers)
    latest = Digest.objects.aggregate(latest=Max("date"))["latest"]
    days = Digest.objects.count()
    since = latest - datetime.timedelta(days=max(1, days // 10) - 1)
    states = {"archive": "", "newest tenth": f"?date_from={since.isoformat()}"}

    client = Client()
    rows = []
    print(f"{args.papers:,} papers on {connection.vendor}")
    print(f"{'format':<6} {'state':<13} {'MB out':>8} {'seconds':>8} {'peak MB':>8}")
    for fmt in FORMATS:
        # One small export first, so that neither state's peak counts what the
        # process loads once (modules, URL patterns, LaTeX tables).
        export(client, f"/export.{fmt}?date_from={latest.isoformat()}")
        for state, query in states.items():
            url = f"/export.{fmt}{query}"
            tracemalloc.start()
            size, seconds = export(client, url)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            row = {
                "format": fmt,
                "state": state,
                "url": url,
                "output_mb": round(size / 1e6, 1),
                "seconds": round(seconds, 1),
                "peak_python_mb": round(peak / 1e6, 1),
            }
            rows.append(row)
            print(
                f"{fmt:<6} {state:<13} {row['output_mb']:>8.1f}"
                f" {row['seconds']:>8.1f} {row['peak_python_mb']:>8.1f}"
            )
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    out = results / f"exports-{connection.vendor}-{args.papers}.json"
    measured_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    out.write_text(
        json.dumps(
            {
                "papers": args.papers,
                "database": connection.vendor,
                "measured_at": measured_at,
                "results": rows,
            },
            indent=2,
        )
    )
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
