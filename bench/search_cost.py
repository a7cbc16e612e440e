"""Where a cold one-word search spends its time, in one fresh process, part by part.

    python bench/search_cost.py --database-url postgres://postgres@127.0.0.1/digest_bench
    python bench/search_cost.py --database-url ... --explain-cold  # the first's plan
    python bench/search_cost.py --database-url sqlite:///bench/bench.sqlite3

Run against an archive that bench/run.py prepared. In order, like one of its workers:
the connection set-up, the browse index build (which leaves the database's buffers as
a worker finds them; `--no-index` skips it), bench/run.py's unrelated warm-up request,
the backend's first use of the text search configuration, the search through the JSON
API, cold then warm, and the search's lookup alone (`matching_ids` here: the ids a
request's lookup statement gets from papers.search.matching_rows), ranked and not.
Then the SQL it sends, with its EXPLAIN (ANALYZE, BUFFERS); with `--explain-cold` the
ranked query is explained first, cold, and every timed request after it runs warm.
On SQLite: the same steps, without the plans.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import WARM_UP, setup_django  # noqa: E402


class Clock:
    """Wall time, this process's CPU time and, when PostgreSQL runs on this machine,
    its backend's CPU time (/proc/PID/schedstat) for each timed step: on a shared
    machine the CPU times say what a step costs, the wall time what it took."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def backend_ns(self) -> int | None:
        if self.connection.vendor != "postgresql":
            return None
        self.connection.ensure_connection()
        pid = self.connection.connection.info.backend_pid
        try:
            return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except OSError:  # a database on another machine
            return None

    def __call__(self, label: str, function, *args, **kwargs):
        backend = self.backend_ns()
        cpu, wall = time.process_time(), time.perf_counter()
        result = function(*args, **kwargs)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        line = f"{label:<40} {wall * 1000:7.1f} ms wall, Python {cpu * 1000:6.1f} ms"
        if backend is not None and (after := self.backend_ns()) is not None:
            line += f", backend {(after - backend) / 1e6:6.1f} ms"
        print(line)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--query", default="diffusion")
    parser.add_argument("--no-index", action="store_true")
    parser.add_argument("--explain-cold", action="store_true")
    args = parser.parse_args()
    setup_django(args.database_url, migrate=False)

    from django.db import connection
    from django.test import Client

    from papers.browse.index import facet_index
    from papers.browse.lookups import Lookups
    from papers.search import PG_CONFIG, matching_rows

    def matching_ids(query: str, *, ranked: bool):
        """The search's part of a request's lookup statement, asked alone."""
        lookups = Lookups(using=connection.alias)
        rows = matching_rows(query, ranked=ranked, using=connection.alias)
        lookups.numbers("q", rows, width=2 if ranked else 1, dtype=float)
        lookups.run()
        return lookups["q"][:, 0].astype(int), None

    timed = Clock(connection)
    started = time.perf_counter()
    connection.ensure_connection()
    print(f"{'connection set-up':<40} {(time.perf_counter() - started) * 1000:7.1f} ms")
    if not args.no_index:
        timed("browse index build", facet_index)
    client = Client()
    timed("unrelated request (imports, templates)", client.get, "/api/papers", WARM_UP)

    def tsquery():
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_tsquery(%s, 'warm:*')", [PG_CONFIG])

    if connection.vendor == "postgresql":
        timed("first to_tsquery of the backend", tsquery)
        timed("second to_tsquery", tsquery)
    plans = []

    def explained(execute, sql, params, many, context):
        """Runs each query under EXPLAIN (ANALYZE, BUFFERS) first, keeping the plan."""
        execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params, many, context)
        plans.append((sql, "\n".join(line for (line,) in context["cursor"].fetchall())))
        return execute(sql, params, many, context)

    def explain_matching_ids(**kwargs):
        with connection.execute_wrapper(explained):
            matching_ids(args.query, **kwargs)

    if args.explain_cold and connection.vendor == "postgresql":
        timed("EXPLAIN ANALYZE, then matching_ids", explain_matching_ids, ranked=True)
    search = {"q": args.query}
    timed(
        "API request" + ("" if args.explain_cold else ", cold"),
        client.get,
        "/api/papers",
        search,
    )
    timed("API request again", client.get, "/api/papers", search)
    ids, _ = timed("matching_ids ranked", matching_ids, args.query, ranked=True)
    timed("matching_ids unranked", matching_ids, args.query, ranked=False)
    print(f"{len(ids):,} matches")
    if connection.vendor != "postgresql":
        return  # EXPLAIN (ANALYZE, BUFFERS) is PostgreSQL's
    explain_matching_ids(ranked=False)
    if not args.explain_cold:
        explain_matching_ids(ranked=True)
    for sql, plan in plans:
        print(f"\n{sql}\n{plan}")


if __name__ == "__main__":
    main()
