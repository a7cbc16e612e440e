"""The gunicorn settings the README recommends (gunicorn.conf.py), as a worker gets
them: after the fork, then once the site is loaded. Each case runs in a process of
its own: a niceness cannot be taken back."""

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTED_WORKER = """
import os, runpy, sys, threading
import django

def own_niceness():
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

settings = runpy.run_path("gunicorn.conf.py")
before = own_niceness()
settings["post_fork"](None, None)
django.setup()  # gunicorn loads the site between the two hooks
settings["post_worker_init"](None)

from django.tasks import default_task_backend

def serve_a_request():
    # As a request thread does: its own niceness, and a task it enqueues (the
    # admin's upload) through the backend as that thread finds it.
    seen.append(own_niceness())
    seen.append(default_task_backend.pool.submit(own_niceness).result())

seen = []
thread = threading.Thread(target=serve_a_request)
thread.start()
thread.join()
request_thread, task_thread = seen
print(
    own_niceness() - before,
    request_thread - before,
    task_thread - before,
    sys.getswitchinterval(),
)
"""


@dataclass(frozen=True)
class Worker:
    niceness: int  # added to its parent's: the thread that serves, and starts others
    request_thread: int  # a thread it starts later, as gthread does per request
    task_thread: int  # a thread of the admin's background imports
    switch_interval: float


def started_worker(**environment: str) -> Worker:
    done = subprocess.run(
        [sys.executable, "-c", STARTED_WORKER],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "digestsite.settings",
            "DJANGO_SECRET_KEY": "test-only-" + "x" * 50,
            **environment,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    niceness, request_thread, task_thread, interval = done.stdout.split()
    return Worker(int(niceness), int(request_thread), int(task_thread), float(interval))


def test_workers_yield_the_cpu_to_an_import_holding_the_write_lock():
    worker = started_worker()
    assert worker.niceness == 5
    assert worker.request_thread == 5
    assert worker.switch_interval == 0.001


def test_an_import_from_the_admin_keeps_the_priority_of_one_from_the_command():
    assert started_worker().task_thread == 0


def test_the_workers_priority_is_configurable():
    assert started_worker(WEB_NICENESS="0").request_thread == 0
    worker = started_worker(WEB_NICENESS="10")
    assert (worker.request_thread, worker.task_thread) == (10, 0)
