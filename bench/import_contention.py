"""Benchmark: do readers' own writes survive a large import? (SQLite)

    python bench/import_contention.py                  # 18,300 papers, 8 togglers
    python bench/import_contention.py --year 2021 --users 16

While `manage.py import_digest` imports one year of bench/import_bench.py's synthetic
archive (generate it first with `python bench/import_bench.py`) into a database that
already holds a few papers, `--users` threads, each with its own database connection,
toggle bookmarks through the same manager method the bookmark view calls
(`Bookmark.objects.toggle`) as fast as they can, bounded by the import's duration.
Reports how many toggles ran, how many failed (above all with "database is locked"),
and the median, p95 and worst toggle latency. Loopback only: nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--year", default="2020")
    parser.add_argument("--users", type=int, default=8)
    args = parser.parse_args()
    folder = ROOT / "bench" / "import_data" / "100000" / args.year
    if not folder.exists():
        sys.exit(f"{folder} is missing: run bench/import_bench.py first")

    database = ROOT / "bench" / "import_contention.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digestsite.settings")
    env = {**os.environ}
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )
    seed = ROOT / "sample_digests"
    subprocess.run(
        [python, "manage.py", "import_digest", str(seed), "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from papers.models import Bookmark, Paper

    users = [
        get_user_model().objects.get_or_create(username=f"load{n}")[0]
        for n in range(args.users)
    ]
    papers = list(Paper.objects.order_by("pk")[:50])
    connection.close()

    importing = subprocess.Popen(
        [python, "manage.py", "import_digest", str(folder), "-v2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def toggler(user) -> None:
        n = 0
        try:
            while importing.poll() is None:
                paper = papers[n % len(papers)]
                n += 1
                started = time.perf_counter()
                try:
                    Bookmark.objects.toggle(user=user, paper=paper)
                except Exception as error:  # noqa: BLE001 - counted, not hidden
                    with lock:
                        failures.append(str(error))
                    continue
                with lock:
                    latencies.append(time.perf_counter() - started)
        finally:
            connection.close()

    threads = [threading.Thread(target=toggler, args=(user,)) for user in users]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    stdout, stderr = importing.communicate()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if importing.returncode:
        sys.exit(stderr.decode()[-2000:])
    print("\n".join(stdout.decode().strip().splitlines()[-2:]))
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if ordered else 0.0
    locked = sum("locked" in failure for failure in failures)
    print(
        f"{args.users} togglers for {seconds:.1f} s: {len(latencies)} toggles, "
        f"{len(failures)} failed ({locked} 'database is locked'); latency median "
        f"{statistics.median(ordered) * 1000 if ordered else 0:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, worst {ordered[-1] * 1000 if ordered else 0:.0f} ms"
    )
    for suffix in ("", "-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
