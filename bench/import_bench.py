"""Benchmark: how fast `manage.py import_digest` loads a large archive.

    python bench/import_bench.py                      # 100,000 papers, SQLite
    python bench/import_bench.py --papers 4000
    python bench/import_bench.py --database-url postgres://postgres@127.0.0.1/bench_import

Generates N synthetic papers as digest markdown day files in the current layout
(`## Papers for YYYY-MM-DD` and the six-column table, 50 papers a day, 5 authors
each from a long-tailed pool, 1-3 tags, 45% with code, 30% with Hugging Face
links), cached under bench/import_data/. Then, each in its own process so Django's
start-up and the peak resident memory are counted:

1. `import_digest` into an empty, migrated database (the first import);
2. `import_digest` of the next day's digest (50 new papers) into that archive: what
   every day brings, with the full-text index merged after it;
3. `import_digest` of the archive's files again (the re-import: nothing changes,
   and every file is skipped by its hash, see papers.importer.history);
4. the same once more after forgetting that history, as after an edit in the admin
   (every file is read, planned and found unchanged);
5. sqlite-utils (the `bench` extra) loading the same markdown into one table,
   without and with its FTS5 index, as the yardstick (SQLite runs only).

Prints papers/s and peak RSS per step and writes them to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.archive import WORDS  # noqa: E402  (the browse benchmark's vocabulary)

PER_DAY = 50
FIRST_DAY = datetime.date(2020, 1, 1)  # of the generated archive
FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Edsger",
    "Barbara",
    "Donald",
    "Ken",
    "Dennis",
    "Leslie",
    "Tony",
    "Niklaus",
    "John",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Thompson",
    "Ritchie",
    "Lamport",
]


def author_pool(size: int, rng: random.Random) -> list[str]:
    return [f"{rng.choice(FIRST)} {rng.choice(LAST)}{n}" for n in range(size)]


def generate(
    folder: Path,
    papers: int,
    *,
    seed: int = 7,
    first: int = 0,
    start: datetime.date = FIRST_DAY,
) -> None:
    """Write `papers` papers as day files under `folder` (once; re-used after),
    one day after another from `start`.

    `first` numbers the first paper (arXiv ids follow from it): archives with far
    apart `first`s and `start`s share no paper and no day.
    """
    marker = folder / ".complete"
    if marker.exists():
        return
    rng = random.Random(seed)
    pool = author_pool(max(1000, papers // 2), rng)
    tags = [f"Topic {n}" for n in range(150)]
    common = ["Multimodal", "Natural Language Processing", "Computer Vision"]
    header = (
        "| Title | Authors | Summary | Classification | GitHub URLs | "
        "HuggingFace URLs |\n|---|---|---|---|---|---|\n"
    )
    end = first + papers
    for day_number in range(first // PER_DAY, (end + PER_DAY - 1) // PER_DAY):
        date = start + datetime.timedelta(days=day_number - first // PER_DAY)
        rows = []
        for n in range(
            max(first, day_number * PER_DAY), min(end, (day_number + 1) * PER_DAY)
        ):
            arxiv = f"{2000 + n // 100000:04d}.{n % 100000:05d}"
            title = " ".join(rng.choice(WORDS) for _ in range(8)).title()
            authors = ", ".join(
                pool[min(int(rng.paretovariate(1.2)) - 1, len(pool) - 1)]
                if rng.random() < 0.3
                else rng.choice(pool)
                for _ in range(5)
            )
            summary = " ".join(rng.choice(WORDS) for _ in range(60)) + "."
            chosen = rng.sample(tags, rng.randint(0, 2)) + [rng.choice(common)]
            github = (
                f"[Link](https://github.com/lab{n % 997}/repo{n})"
                if rng.random() < 0.45
                else "N/A"
            )
            hf = (
                f"[Link](https://huggingface.co/lab{n % 991}/model{n})"
                if rng.random() < 0.3
                else "N/A"
            )
            rows.append(
                f"| [{title}](https://arxiv.org/abs/{arxiv}) | {authors} | {summary} "
                f"| {chosen!r} | {github} | {hf} |\n"
            )
        path = folder / f"{date:%Y/%m/%d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"## Papers for {date.isoformat()}\n\n{header}{''.join(rows)}")
    marker.write_text(str(papers))


def one_file(folder: Path) -> Path:
    """The day files of `folder` as one many-day markdown file beside it."""
    path = folder.with_name(f"{folder.name}-one-file.md")
    if not path.exists():
        with path.open("w") as out:
            for day in sorted(folder.rglob("*.md")):
                out.write(day.read_text() + "\n")
    return path


def run_measured(command: list[str], env: dict) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of a child process; its CPU seconds are
    kept in _cpu (the machine is shared, so wall time depends on the load)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    # Peak RSS of the waited-for children; each step runs in a fresh child.
    rss = _max_rss_of(process.pid)
    global _last_pid
    _last_pid = process.pid
    if process.returncode:
        sys.exit(f"failed: {' '.join(command)}\n{stderr.decode()[-3000:]}")
    return seconds, rss, stdout.decode()


_rusage: dict[int, float] = {}
_cpu: dict[int, float] = {}
_last_pid = 0


def _max_rss_of(pid: int) -> float:
    return _rusage.get(pid, 0.0)


def _popen_wait_with_rusage() -> None:
    """Record each child's own peak RSS (os.wait4) instead of the running maximum."""
    original = subprocess.Popen._try_wait

    def _try_wait(self, wait_flags):
        pid, status, usage = os.wait4(self.pid, wait_flags)
        if pid == self.pid:
            _rusage[pid] = usage.ru_maxrss / 1024
            _cpu[pid] = usage.ru_utime + usage.ru_stime
        return pid, status

    subprocess.Popen._try_wait = _try_wait  # type: ignore[method-assign]
    del original


def reset_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def sqlite_utils_child(folder: Path, database: Path, *, fts: bool) -> None:
    """Load the markdown rows into one table with sqlite-utils (the yardstick)."""
    import sqlite_utils

    db = sqlite_utils.Database(database, recreate=True)

    def rows():
        for path in sorted(folder.rglob("*.md")):
            date = path.read_text().split("\n", 1)[0].removeprefix("## Papers for ")
            for line in path.read_text().splitlines()[4:]:
                cells = [cell.strip() for cell in line.strip("|").split(" | ")]
                title, url = cells[0][1:-1].split("](")
                yield {
                    "arxiv_id": url.rsplit("/", 1)[1],
                    "title": title,
                    "authors": cells[1],
                    "summary": cells[2],
                    "tags": cells[3],
                    "github": cells[4],
                    "hf": cells[5],
                    "date": date,
                }

    db["papers"].insert_all(rows(), pk="arxiv_id", batch_size=2000)
    if fts:
        db["papers"].enable_fts(["title", "summary", "authors", "arxiv_id"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--no-reimport", action="store_true")
    parser.add_argument("--no-sqlite-utils", action="store_true")
    parser.add_argument(
        "--one-file",
        action="store_true",
        help="Import the days as one many-day file (written one transaction).",
    )
    parser.add_argument("--child-sqlite-utils", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_sqlite_utils:
        folder, database, fts = args.child_sqlite_utils
        sqlite_utils_child(Path(folder), Path(database), fts=fts == "fts")
        return

    _popen_wait_with_rusage()
    folder = ROOT / "bench" / "import_data" / str(args.papers)
    started = time.perf_counter()
    generate(folder, args.papers)
    print(f"{args.papers} papers in {folder} ({time.perf_counter() - started:.1f} s)")

    url = args.database_url or f"sqlite:///{ROOT / 'bench' / 'import_bench.sqlite3'}"
    vendor = "postgresql" if url.startswith("postgres") else "sqlite"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    python = sys.executable
    reset_database(url)
    run_measured([python, "manage.py", "migrate", "--noinput", "-v0"], env)

    results = []

    def record(
        step: str, seconds: float, rss: float, note: str = "", papers: int = 0
    ) -> None:
        papers = papers or args.papers
        rate = papers / seconds
        cpu = _cpu.get(_last_pid, 0.0)
        results.append(
            {
                "step": step,
                "seconds": round(seconds, 2),
                "papers_per_s": round(rate),
                "cpu_seconds": round(cpu, 2),
                "papers_per_cpu_s": round(papers / cpu) if cpu else None,
                "peak_rss_mb": round(rss),
                "note": note,
            }
        )
        print(
            f"{step:36} {seconds:7.1f} s {rate:8,.0f}/s  cpu {cpu:6.1f} s "
            f"{papers / max(cpu, 1e-9):8,.0f}/cpu-s {rss:6.0f} MB {note}"
        )

    source = folder
    if args.one_file:
        source = one_file(folder)
        args.no_sqlite_utils = True
    importing = [python, "manage.py", "import_digest", str(source), "-v2"]
    importing += ["--max-size", "10000"]

    def longest(stdout: str) -> str:
        # -v2 ends with the summary, the throughput line (with the longest write)
        # and, when the import changed something, the browse index's build time,
        # which the step's time includes: the command builds it for the web
        # workers before the papers appear (in a process of its own).
        lines = stdout.strip().splitlines()
        line = next(line for line in reversed(lines) if "longest write" in line)
        print(next(line for line in reversed(lines) if line.startswith("Imported ")))
        note = "longest write " + line.rsplit("took ", 1)[-1].rstrip(".")
        built = re.search(r"Built the browse index in ([\d.]+) s", stdout)
        merged = re.search(r"Merged (the search index.*)\.$", stdout, re.MULTILINE)
        return (
            note
            + (f", browse index {built.group(1)} s" if built else "")
            + (f"; merged {merged.group(1).removeprefix('the ')}" if merged else "")
        )

    seconds, rss, stdout = run_measured(importing, env)
    record(f"import_digest ({vendor})", seconds, rss, longest(stdout))
    next_day = folder.with_name(f"{args.papers}-next-day")
    generate(
        next_day,
        PER_DAY,
        first=args.papers,
        start=FIRST_DAY + datetime.timedelta(args.papers // PER_DAY),
    )
    seconds, rss, stdout = run_measured(
        [python, "manage.py", "import_digest", str(next_day), "-v2"], env
    )
    record(
        f"next day, {PER_DAY} papers ({vendor})", seconds, rss, longest(stdout), PER_DAY
    )
    if not args.no_reimport:
        seconds, rss, stdout = run_measured(importing, env)
        record(f"re-import ({vendor})", seconds, rss, longest(stdout))
        forget = "from papers.models import ImportedFile as F; F.objects.all().delete()"
        run_measured([python, "manage.py", "shell", "-c", forget], env)
        seconds, rss, stdout = run_measured(importing, env)
        record(f"re-import, no history ({vendor})", seconds, rss, longest(stdout))
    if vendor == "sqlite" and not args.no_sqlite_utils:
        target = ROOT / "bench" / "sqlite_utils_bench.sqlite3"
        for fts in ("plain", "fts"):
            seconds, rss, _ = run_measured(
                [
                    python,
                    __file__,
                    "--child-sqlite-utils",
                    str(folder),
                    str(target),
                    fts,
                ],
                env,
            )
            label = "sqlite-utils" + (" + FTS5" if fts == "fts" else "")
            record(label, seconds, rss)
        target.unlink(missing_ok=True)

    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"import-{vendor}-{args.papers}-{stamp}.json").write_text(
        json.dumps({"papers": args.papers, "results": results}, indent=2)
    )


if __name__ == "__main__":
    main()
