"""The gunicorn settings the README recommends (gunicorn.conf.py), as a worker gets
them after the fork. Each case runs in a process of its own: a niceness cannot be
taken back."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORKED_WORKER = """
import os, runpy, sys
settings = runpy.run_path("gunicorn.conf.py")
before = os.nice(0)
settings["post_fork"](None, None)
print(os.nice(0) - before, sys.getswitchinterval())
"""


def forked_worker(**environment: str) -> tuple[int, float]:
    """The niceness a worker adds to its parent's, and its GIL switch interval."""
    done = subprocess.run(
        [sys.executable, "-c", FORKED_WORKER],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    niceness, interval = done.stdout.split()
    return int(niceness), float(interval)


def test_workers_yield_the_cpu_to_an_import_holding_the_write_lock():
    niceness, interval = forked_worker()
    assert niceness == 5
    assert interval == 0.001


def test_the_workers_priority_is_configurable():
    assert forked_worker(WEB_NICENESS="0")[0] == 0
    assert forked_worker(WEB_NICENESS="10")[0] == 10
