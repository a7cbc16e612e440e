"""What the HTML page and the htmx fragment cost on top of the JSON API, in CPU time.

    python bench/render_cost.py --database-url sqlite:///bench/bench.sqlite3 [--runs 3]

Uses bench/run.py's archive (prepare it with `bench/run.py --runs 0`) and its states.
Each run starts a fresh process per surface (api, html, htmx) that builds its browse
index, answers bench/run.py's unmeasured warm-up request, then asks every state once,
cold. For each request it records the wall time and the CPU time of the process
(`time.process_time`): on a shared machine the wall time mostly says how long the
request waited for a core, the CPU time what it cost. Prints, per state, the median
CPU time of each surface and the HTML's and fragment's extra over the API.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import SURFACES, WARM_UP, setup_django, states  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}"
    )
    parser.add_argument("--runs", type=int, default=3, help="processes per surface")
    parser.add_argument("--worker", choices=SURFACES, help=argparse.SUPPRESS)
    return parser.parse_args()


def worker(surface: str) -> dict[str, tuple[float, float]]:
    """(wall ms, CPU ms) of each state's cold request."""
    from django.test import Client

    from papers.browse.index import facet_index

    facet_index()
    client = Client()
    headers = {"HX-Request": "true"} if surface == "htmx" else {}
    path = "/api/papers" if surface == "api" else "/"
    client.get(path, WARM_UP, headers=headers)
    timings = {}
    for name, params, _ in states():
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path, params, headers=headers)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if response.status_code != 200:
            raise SystemExit(f"{path} {params} answered {response.status_code}")
        timings[name] = (wall * 1000, cpu * 1000)
    return timings


def main() -> None:
    args = parse_args()
    setup_django(args.database_url, migrate=False)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return
    runs: dict[str, list[dict]] = {surface: [] for surface in SURFACES}
    for _ in range(args.runs):
        for surface in SURFACES:
            command = [sys.executable, __file__, "--worker", surface]
            command += ["--database-url", args.database_url]
            output = subprocess.run(
                command, check=True, capture_output=True, text=True
            ).stdout
            runs[surface].append(json.loads(output.splitlines()[-1]))
    print(
        "| state | API CPU | HTML CPU | htmx CPU | HTML − API | htmx − API "
        "| API wall | HTML wall |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in runs["api"][0]:

        def median(surface: str, which: int, state: str = name) -> float:
            return statistics.median(run[state][which] for run in runs[surface])

        api, html, htmx = (median(surface, 1) for surface in SURFACES)
        print(
            f"| {name} | {api:.1f} | {html:.1f} | {htmx:.1f} | {html - api:+.1f} "
            f"| {htmx - api:+.1f} | {median('api', 0):.0f} | {median('html', 0):.0f} |"
        )


if __name__ == "__main__":
    main()
