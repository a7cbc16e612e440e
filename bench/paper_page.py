"""What a paper page costs: related papers scored in the browse index, or by query.

    python bench/paper_page.py --database-url sqlite:///bench/bench.sqlite3 [--pages 60]

Uses bench/run.py's archive (prepare it with `bench/run.py --runs 0`). One process
builds (or loads) its browse index, answers one unmeasured paper page, then opens
`--pages` random paper pages (seeded) twice each, interleaved: as the site does,
with the papers sharing authors and tags scored in the browse index
(papers.related.linked_in_index), and as it did before, by the database query
papers.related.related_to. Every page is one the process has not opened before in
that variant; the site keeps no cache of them. Prints the median and p95 of each,
wall and CPU time, and their ratio.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import p95, setup_django  # noqa: E402

VARIANTS = ("index", "query")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}"
    )
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    setup_django(args.database_url, migrate=False)
    from django.db import connection
    from django.test import Client

    from papers import related
    from papers.browse.index import facet_index, held_index
    from papers.models import Paper

    started = time.perf_counter()
    index = facet_index()
    print(
        f"{index.size:,} papers on {connection.vendor}; browse index ready in "
        f"{time.perf_counter() - started:.1f} s"
    )
    rng = random.Random(args.seed)
    picked = rng.sample(range(index.size), args.pages + 1)
    keys = [
        Paper.objects.values_list("key", flat=True).get(pk=int(index.paper_ids[row]))
        for row in picked
    ]
    client = Client()
    client.get(f"/papers/{keys.pop()}/")  # imports, templates, URL resolvers
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    for number, key in enumerate(keys):
        order = VARIANTS if number % 2 == 0 else VARIANTS[::-1]
        for variant in order:
            related.held_index = held_index if variant == "index" else lambda: None
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(f"/papers/{key}/")
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if response.status_code != 200:
                raise SystemExit(f"/papers/{key}/ answered {response.status_code}")
            timings[variant].append((wall * 1000, cpu * 1000))
    related.held_index = held_index
    print(f"{args.pages} paper pages each, in ms:")
    print("| related papers by | wall median | wall p95 | CPU median | CPU p95 |")
    print("|---|---:|---:|---:|---:|")
    medians = {}
    for variant in VARIANTS:
        walls = [wall for wall, _ in timings[variant]]
        cpus = [cpu for _, cpu in timings[variant]]
        medians[variant] = statistics.median(walls)
        print(
            f"| {variant} | {statistics.median(walls):.1f} "
            f"| {p95(walls):.1f} | {statistics.median(cpus):.1f} "
            f"| {p95(cpus):.1f} |"
        )
    print(f"query / index, wall median: {medians['query'] / medians['index']:.1f}x")


if __name__ == "__main__":
    main()
