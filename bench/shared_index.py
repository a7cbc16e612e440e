"""Benchmark: web workers taking up the browse index of new data, each building its
own or loading the one a single process saved (papers.browse.shared).

    DATABASE_URL=sqlite:///bench/import_data/million.sqlite3 \\
        python bench/shared_index.py --workers 4

Starts `--workers` processes at once on the database of DATABASE_URL, as many web
workers whose index went stale at the same moment (after an import), and reports how
long each took to get the index of the current data and the memory they then hold:
- "each builds": every process builds its own (BROWSE_INDEX_DIR empty, as before
  indexes were shared);
- "one saves, the others load": one process builds and saves the index into a fresh
  folder, as an import does before its papers appear, then the workers load it.

Each worker then reads every array of its index once, as requests do over time.
Memory is read from /proc/PID/smaps_rollup while every worker is alive, less that of
a process that only started Django, measured alongside: RSS, the pages a worker
maps, and its private memory (Pss_Anon), which no other process shares. The saved
index's files are mapped by every worker and held once, in the page cache: the
machine's cost is the workers' private memory plus those files. (Their PSS is not
used: on this kernel the workers' Pss_File summed to more than the files' size.)
Linux only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A worker: takes up the index (or not, for the baseline), says how long it took,
# then waits for the word to report its memory.
WORKER = """
import os, sys, time
import django
django.setup()
from papers.browse.index import facet_index
started = time.perf_counter()
if sys.argv[1] == "index":
    index = facet_index()
print(f"{time.perf_counter() - started:.3f}", flush=True)
if sys.argv[1] == "index":  # every page of it, as requests touch them over time
    for array in index.saved()[1].values():
        array.sum()
sys.stdin.readline()
fields = {}
with open("/proc/self/smaps_rollup") as rollup:
    for line in rollup:
        parts = line.split()
        if len(parts) == 3 and parts[2] == "kB":
            fields[parts[0].rstrip(":")] = int(parts[1])
print(fields["Rss"], fields["Pss"], fields["Pss_Anon"], fields["Pss_File"], flush=True)
"""


def start(what: str, folder: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, what],
        cwd=ROOT,
        env={**os.environ, "BROWSE_INDEX_DIR": folder},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def take_up(workers: int, folder: str) -> tuple[list[float], list[tuple[int, ...]]]:
    """Start the workers and a baseline at once; their seconds, and their (Rss, Pss,
    Pss_Anon, Pss_File) in kB, the baseline's last."""
    processes = [start("index", folder) for _ in range(workers)]
    processes.append(start("baseline", folder))
    seconds = [float(process.stdout.readline()) for process in processes]
    memory = []
    for process in processes:
        process.stdin.write("\n")
        process.stdin.flush()
    for process in processes:
        memory.append(tuple(int(kb) for kb in process.stdout.readline().split()))
        process.wait()
    return seconds[:-1], memory


def report(
    name: str, seconds: list[float], memory: list[tuple[int, ...]], shared: int
) -> None:
    base_rss, _, base_anon, _ = memory[-1]
    rss = [(worker[0] - base_rss) / 1024 for worker in memory[:-1]]
    private = [(worker[2] - base_anon) / 1024 for worker in memory[:-1]]
    print(
        f"| {name} | {statistics.median(seconds):.2f} / {max(seconds):.2f} s "
        f"| {statistics.median(rss):.0f} MB | {statistics.median(private):.0f} MB "
        f"| {shared / 2**20:.0f} MB | {sum(private) + shared / 2**20:.0f} MB |"
    )


def size_of(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*.npy"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digestsite.settings")

    print(
        f"| {args.workers} workers | take up the index: median / longest "
        "| mapped by each (RSS) | private to each | saved files, shared "
        "| the machine's cost |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    seconds, memory = take_up(args.workers, folder="")
    report("each builds", seconds, memory, shared=0)

    folder = tempfile.mkdtemp(prefix="shared-index-")
    try:
        started = time.perf_counter()
        saver = start("index", folder)
        saver.stdout.readline()
        saved = time.perf_counter() - started
        seconds, memory = take_up(args.workers, folder)
        report("one saves, the others load", seconds, memory, size_of(Path(folder)))
        # The worker that built and saved it, still running as it would.
        saver_memory = saver.communicate("\n")[0].split()
        private = (int(saver_memory[2]) - memory[-1][2]) / 1024
        print(
            f"One process built and saved it in {saved:.1f} s, start-up included, "
            f"and then held {private:.0f} MB of private memory."
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
