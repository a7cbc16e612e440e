"""gunicorn settings for the site: `gunicorn digestsite.wsgi`, run in this folder,
reads them (bench/import_load.py serves the site with them).

Enough threads for every request in flight to run at once: a request that waits for
a free thread queues behind whole page renders, so a bookmark toggle (5 ms of CPU)
took as long as a list page (25 ms) times the queue. Running, it shares the CPU with
them instead and is done in a fraction of that. The threads are spread over two
processes per core, as each process runs one thread of Python at a time (the GIL).
WEB_CONCURRENCY sets their number. The processes map one shared copy of the browse
index (BROWSE_INDEX_DIR, papers/browse/shared.py): four workers held 193 MB in all
at a million papers, of which 9 MB each of their own (docs/benchmarks.md). Without
it, each keeps its own (172 MB each at a million papers): mind memory before
raising `workers`.

The workers run at a lower CPU priority than an import (`nice` WEB_NICENESS, 5 by
default). SQLite lets one writer in at a time, and on a machine whose cores the
readers keep busy, the scheduler takes the CPU from an import in the middle of its
write transactions: a batch of 30-40 ms of work held the write lock for up to
385 ms, and every bookmark toggle waited for it. Ahead of the workers, the import's
longest hold under 24 readers was 143-210 ms, and it ended a quarter sooner; the
readers paid about a tenth on their median while it ran (docs/benchmarks.md). An
import started from the admin runs in a process that a thread of a worker starts,
and both keep the import's priority (`post_worker_init`).
"""

import os
import sys

workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "gthread"
threads = 6
# A worker rebuilding its browse index after an import of a million papers on a
# busy machine took up to 37 s.
timeout = 120
# 0 to 19; 0 runs the workers at the priority of everything else.
niceness = int(os.environ.get("WEB_NICENESS", "5"))


def post_fork(server, worker) -> None:
    # A thread coming back from the database waits for the GIL until the running
    # thread has had its switch interval (5 ms by default), at every query. A short
    # request makes a dozen of them while busy page renders run beside it: with
    # 1 ms, bookmark toggles during an import answered in 405 ms (p95) instead of
    # 769 ms, and the list pages got faster too (docs/benchmarks.md).
    sys.setswitchinterval(0.001)


def post_worker_init(worker) -> None:
    # The site is loaded, and the worker has no thread but this one yet. An import
    # started from the admin is started by a thread of the worker
    # (papers/tasks_backend.py), in a process of its own (papers/importer/jobs.py):
    # started now, that thread keeps this one's priority, and so does the process.
    from papers.tasks_backend import start_thread_pools

    start_thread_pools()
    # The request threads start later, from this thread, and inherit its niceness:
    # on Linux it is a thread's, not the whole process's.
    os.nice(niceness)
