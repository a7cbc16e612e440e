"""Benchmark: the browse requests on a synthetic archive, cold and warm, side by side
with Datasette on the same data.

    python bench/run.py                          # 100,000 papers, SQLite (make bench)
    python bench/run.py --papers 4000
    python bench/run.py --papers 1000000 --generate bulk
    python bench/run.py --database-url postgres://postgres@127.0.0.1/digest_bench
    python bench/run.py --papers 1000000 --datasette-limit 10 --datasette-workers 1
    python bench/run.py --no-datasette --states search     # only the search states

The archive (bench/archive.py) is written as digest markdown and imported with
`import_digest` (or, with `--generate bulk`, inserted directly: importing a million
papers takes over half an hour), then copied for Datasette with sqlite-utils
(bench/datasette_db.py). Both are reused while the paper count matches.

Every measurement runs in a fresh worker process (`--runs` of them per surface): the
process builds its browse index (timed: that is a rebuild after an import), then asks
each state once, cold (nothing about that state computed before in the process; the
site keeps no per-state cache at all), then `--warm` times more (3), warm. Each
surface (the JSON API, the HTML page, the htmx fragment) has its own workers, so each
one's cold request really is the state's first; Datasette's JSON is timed in the
API workers, interleaved with ours, in its own fresh instance. Requests go through
each application in process (Django's test client, Datasette's `ds.client`), so no
network or server is timed. Results go to bench/results/ and are printed as the table
of docs/benchmarks.md.

At a million papers Datasette needs minutes for some faceted requests:
`--datasette-limit S` gives each of its SQL queries S seconds (a request with a query
cut short is shown as "> S s" and its warm repeats are skipped), `--datasette-workers
N` times it in the first N API workers only.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SURFACES = ("api", "html", "htmx")
WARM_UP = {"has_code": "0", "has_hf": "1", "sort": "oldest", "page": "2"}
FACETS = (
    "_facet_array=tags&_facet_array=authors&_facet=has_code&_facet=has_hf"
    "&_facet_array=months&_size=20"
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument(
        "--database-url", default=f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}"
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="workers per surface (0: only prepare)"
    )
    parser.add_argument(
        "--warm", type=int, default=3, help="warm requests after each cold one"
    )
    parser.add_argument(
        "--generate",
        choices=["markdown", "bulk"],
        default="markdown",
        help="import digest markdown (default) or insert the papers directly",
    )
    parser.add_argument("--no-datasette", action="store_true")
    parser.add_argument(
        "--states",
        help="time only the states whose name contains this text (case-insensitive)",
    )
    parser.add_argument(
        "--datasette-workers",
        type=int,
        help="time Datasette in only the first N API workers (default: all)",
    )
    parser.add_argument(
        "--datasette-limit",
        type=float,
        help="seconds one Datasette SQL query may run (default: no limit); a "
        "request with a query cut short is reported as over the limit",
    )
    parser.add_argument("--worker", choices=SURFACES, help=argparse.SUPPRESS)
    parser.add_argument("--datasette-db", help=argparse.SUPPRESS)
    return parser.parse_args()


def timed_get(client, url: str) -> float:
    """Milliseconds for one GET through Django's test client; stops on a non-200."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def setup_django(database_url: str, *, migrate: bool) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digestsite.settings")
    import django

    django.setup()
    from django.conf import settings

    # The benchmark needs no hashed static files.
    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    settings.ALLOWED_HOSTS = ["*"]
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


# --- The archive ---


def prepare(args: argparse.Namespace) -> dict:
    """Make the database hold `--papers` papers; returns how it was made."""
    from django.core.management import call_command
    from django.db import connection

    from bench.archive import generate, write_markdown
    from papers.models import Paper

    if Paper.objects.count() == args.papers:
        return {"generated": "reused"}
    started = time.perf_counter()
    if args.generate == "bulk":
        generate(args.papers)
        how = "inserted directly (bench/archive.py generate)"
    else:
        if Paper.objects.exists():
            generate(0)  # empties the tables
        with tempfile.TemporaryDirectory(prefix="digest-bench-") as folder:
            files = write_markdown(args.papers, Path(folder))
            print(f"importing {files:,} digest files…", file=sys.stderr)
            call_command("import_digest", folder, verbosity=0)
        how = "written as digest markdown and imported with import_digest"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    seconds = time.perf_counter() - started
    print(f"{args.papers:,} papers {how} in {seconds:.0f} s", file=sys.stderr)
    return {"generated": how, "generate_seconds": round(seconds)}


def datasette_path(args: argparse.Namespace) -> Path:
    """Datasette's copy of the archive, made from the site's database if missing."""
    from bench.datasette_db import export
    from papers.models import Paper

    path = ROOT / "bench" / f"datasette-{args.papers}.sqlite3"
    marker = path.with_suffix(".count")
    if not path.exists() or marker.read_text() != str(Paper.objects.count()):
        started = time.perf_counter()
        export(path)
        marker.write_text(str(Paper.objects.count()))
        print(
            f"Datasette copy written in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
    return path


# --- The states ---


def states(only: str | None = None) -> list[tuple[str, dict, str | None]]:
    """(name, our query parameters, Datasette's query string or None): every state,
    or those whose name contains `only`."""
    from django.db.models import Count

    from papers.models import Appearance, Author, Paper

    author = (
        Author.objects.annotate(n=Count("authorships")).order_by("-n", "pk").first()
    )
    latest = Appearance.objects.order_by("-date").values_list("date", flat=True)[0]
    month_start = latest.replace(day=1)
    pages = Paper.objects.count() // 20
    deep = max(1, min(500, pages // 2))

    def has(column: str, value: str) -> str:
        return urlencode({f"{column}__arraycontains": value})

    def also(column: str, value: str) -> str:
        where = f"exists(select 1 from json_each({column}) where value = '{value}')"
        return urlencode({"_where": where})

    days = (
        "exists(select 1 from json_each(digest_dates) "
        f"where value between '{month_start}' and '{latest}')"
    )
    one_day = f"exists(select 1 from json_each(digest_dates) where value = '{latest}')"
    every = [
        ("no filter", {}, ""),
        ("one broad tag", {"tag": "Multimodal"}, has("tags", "Multimodal")),
        ("one rare tag", {"tag": "Topic 140"}, has("tags", "Topic 140")),
        (
            "two tags, all",
            {"tag": ["Multimodal", "Computer Vision"], "tag_mode": "all"},
            has("tags", "Multimodal") + "&" + also("tags", "Computer Vision"),
        ),
        (
            "tag + has_code",
            {"tag": "Multimodal", "has_code": "1"},
            has("tags", "Multimodal") + "&has_code=1",
        ),
        (
            "tag excluded + has_hf=0",
            {"tag_not": "Multimodal", "has_hf": "0"},
            urlencode({"tags__arraynotcontains": "Multimodal"}) + "&has_hf=0",
        ),
        (
            f"one author ({author.n} papers)",
            {"author": author.name},
            has("authors", author.name),
        ),
        (
            "latest month (date range)",
            {"date_from": str(month_start), "date_to": str(latest)},
            urlencode({"_where": days}),
        ),
        (
            "one digest day",
            {"date_from": str(latest), "date_to": str(latest)},
            urlencode({"_where": one_day}),
        ),
        ("search one word", {"q": "diffusion"}, "_search=diffusion"),
        (
            "search 3 words, relevance",
            # Relevance is the default order of a search: `sort=relevance` would be
            # redirected to this clean address (papers.clean_urls).
            {"q": "reward model alignment"},
            urlencode({"_search": "reward model alignment"}),  # sorts by rank
        ),
        (
            "search + tag + has_code",
            {"q": "diffusion", "tag": "Multimodal", "has_code": "1"},
            "_search=diffusion&" + has("tags", "Multimodal") + "&has_code=1",
        ),
        (f"deep page ({deep}, by title)", {"sort": "title", "page": deep}, None),
    ]
    chosen = [state for state in every if (only or "").lower() in state[0].lower()]
    if not chosen:
        raise SystemExit(f"no state's name contains {only!r}")
    return chosen


# --- A worker: one fresh process ---


def worker(args: argparse.Namespace) -> None:
    from django.test import Client

    from papers.browse.index import facet_index

    surface = args.worker
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    index = facet_index()
    rebuild = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    client = Client()
    headers = {"HX-Request": "true"} if surface == "htmx" else {}
    path = "/api/papers" if surface == "api" else "/"
    datasette = (
        Datasette(args.datasette_db, limit_s=args.datasette_limit)
        if args.datasette_db
        else None
    )

    def ours(params: dict) -> float:
        started = time.perf_counter()
        response = client.get(path, params, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(
                f"{path}?{urlencode(params)} answered {response.status_code}"
            )
        return elapsed

    # Django's and Datasette's first request in a process pays for imports, URL
    # resolvers and template compilation: warm those up on a state the table does not
    # measure, so "cold" means the state itself was never computed before.
    ours(WARM_UP)
    if datasette:
        datasette.get("has_code=0&has_hf=1")
    timings = {}
    for name, params, datasette_query in states(args.states):
        row = {
            "cold": ours(params),
            "warm": [ours(params) for _ in range(args.warm)],
        }
        if datasette and datasette_query is not None:
            row["datasette_cold"] = datasette.get(datasette_query)
            # Over the limit once, over it again: the warm repeats are skipped.
            row["datasette_warm"] = (
                [datasette.get(datasette_query) for _ in range(args.warm)]
                if row["datasette_cold"] is not None
                else []
            )
        timings[name] = row
    print(
        json.dumps(
            {
                "rebuild_s": rebuild,
                "index_mb": index.nbytes / 2**20,
                "rebuild_rss_mb": (rss - before) / 1024,
                "timings": timings,
            }
        )
    )


class Datasette:
    """A fresh Datasette instance over the copy, asked in process like our client."""

    def __init__(self, path: str, *, limit_s: float | None = None) -> None:
        from datasette.app import Datasette as App

        # No time limits by default (the default 1 s / 200 ms would cut its facets
        # short) and no facet suggestions (extra queries that our pages do not make).
        limit_ms = round(limit_s * 1000) if limit_s else 600_000
        self.app = App(
            [path],
            settings={
                "sql_time_limit_ms": limit_ms,
                "facet_time_limit_ms": limit_ms,
                "suggest_facets": False,
                "num_sql_threads": 1,
            },
        )
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.app.invoke_startup())
        self.table = f"/{Path(path).stem}/papers.json"

    def get(self, query: str) -> float | None:
        """Milliseconds for the request; None when one of its queries (the rows, the
        count or a facet) ran into the time limit, so its answer was incomplete."""
        url = f"{self.table}?{FACETS}" + (f"&{query}" if query else "")
        started = time.perf_counter()
        response = self.loop.run_until_complete(self.app.client.get(url))
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code == 400 and "took too long" in response.text:
            return None
        if response.status_code != 200:
            raise SystemExit(f"Datasette {url} answered {response.status_code}")
        answer = response.json()
        if (
            answer.get("facets_timed_out")
            or answer["filtered_table_rows_count"] is None
        ):
            return None
        return elapsed


# --- The report ---


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (with 5 samples: the slowest)."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def run_workers(args: argparse.Namespace, datasette: Path | None) -> list[dict]:
    runs = []
    for surface in SURFACES:
        for run in range(args.runs):
            command = [
                sys.executable,
                __file__,
                "--worker",
                surface,
                "--database-url",
                args.database_url,
                "--warm",
                str(args.warm),
            ]
            if args.states:
                command += ["--states", args.states]
            timed = args.datasette_workers is None or run < args.datasette_workers
            if datasette and surface == "api" and timed:
                command += ["--datasette-db", str(datasette)]
                if args.datasette_limit:
                    command += ["--datasette-limit", str(args.datasette_limit)]
            output = subprocess.run(
                command, check=True, capture_output=True, text=True
            ).stdout
            runs.append({"surface": surface, **json.loads(output.splitlines()[-1])})
            print(".", end="", flush=True, file=sys.stderr)
    print(file=sys.stderr)
    return runs


def over_limit(milliseconds: float | None) -> float:
    return math.inf if milliseconds is None else milliseconds


def summarise(runs: list[dict]) -> tuple[list[dict], dict]:
    names = list(runs[0]["timings"])
    rows = []
    for name in names:
        row = {"state": name}
        for surface in SURFACES:
            mine = [run["timings"][name] for run in runs if run["surface"] == surface]
            cold = [sample["cold"] for sample in mine]
            warm = [value for sample in mine for value in sample["warm"]]
            row[surface] = {
                "cold_median": statistics.median(cold),
                "cold_p95": p95(cold),
                "warm_median": statistics.median(warm),
                "warm_p95": p95(warm),
            }
            theirs = [sample for sample in mine if "datasette_cold" in sample]
            if surface == "api" and theirs:
                # A request over the time limit counts as slower than any other.
                cold = [over_limit(sample["datasette_cold"]) for sample in theirs]
                warm = [v for sample in theirs for v in sample["datasette_warm"]]
                row["datasette"] = {
                    "cold_median": statistics.median(cold),
                    "cold_p95": p95(cold),
                    "warm_median": statistics.median(warm) if warm else None,
                    "warm_p95": p95(warm) if warm else None,
                }
        rows.append(row)
    engine = {
        "rebuild_s_median": statistics.median(run["rebuild_s"] for run in runs),
        "index_mb": runs[0]["index_mb"],
        "rebuild_rss_mb_median": statistics.median(
            run["rebuild_rss_mb"] for run in runs
        ),
    }
    return rows, engine


def table(rows: list[dict], *, limit_s: float | None = None) -> str:
    def ms(value: float) -> str:
        if math.isinf(value):
            return f"> {limit_s:g} s"
        return f"{value:.0f}" if value >= 10 else f"{value:.1f}"

    lines = [
        "| state | Datasette cold (med / p95) | API cold (med / p95) | API warm "
        "(med / p95) | HTML cold p95 | htmx cold p95 | Datasette ÷ API, cold med |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        api, html, htmx = row["api"], row["html"], row["htmx"]
        other = row.get("datasette")
        theirs = (
            f"{ms(other['cold_median'])} / {ms(other['cold_p95'])}" if other else "n/a"
        )
        ratio = "n/a"
        if other and math.isinf(other["cold_median"]):
            ratio = f"> {limit_s * 1000 / api['cold_median']:.0f}×"
        elif other:
            ratio = f"{other['cold_median'] / api['cold_median']:.1f}×"
        lines.append(
            f"| {row['state']} | {theirs} "
            f"| {ms(api['cold_median'])} / {ms(api['cold_p95'])} "
            f"| {ms(api['warm_median'])} / {ms(api['warm_p95'])} "
            f"| {ms(html['cold_p95'])} | {ms(htmx['cold_p95'])} | {ratio} |"
        )
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    if args.worker:
        setup_django(args.database_url, migrate=False)
        worker(args)
        return
    setup_django(args.database_url, migrate=True)
    from django.db import connection

    how = prepare(args)
    datasette = None if args.no_datasette else datasette_path(args)
    vendor = connection.vendor
    if not args.runs:
        return
    states(args.states)  # a filter that matches no state stops here, not in a worker
    print(
        f"{args.papers:,} papers on {vendor}; {args.runs} fresh workers per surface",
        file=sys.stderr,
    )
    rows, engine = summarise(run_workers(args, datasette))
    print(table(rows, limit_s=args.datasette_limit))
    print(
        f"\nbrowse index: rebuilt in {engine['rebuild_s_median']:.2f} s (median), "
        f"{engine['index_mb']:.0f} MB of arrays, "
        f"{engine['rebuild_rss_mb_median']:.0f} MB peak RSS growth while building"
    )
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    # A run of some states only does not overwrite the full table's figures.
    only = "-" + "-".join(args.states.lower().split()) if args.states else ""
    out = results / f"{vendor}-{args.papers}{only}.json"
    out.write_text(
        json.dumps(
            {
                "papers": args.papers,
                "database": vendor,
                "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
                f"{platform.python_implementation()} {platform.python_version()}",
                "measured_at": datetime.datetime.now(datetime.UTC).isoformat(
                    timespec="seconds"
                ),
                "command": " ".join(sys.argv),
                **how,
                "engine": engine,
                "results": rows,
            },
            indent=2,
        )
    )
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
