"""A Django tasks backend that runs tasks on a thread pool inside the web process.

Django 6 ships the tasks framework with two backends: ImmediateBackend runs a task
inside `enqueue()` (the web request would wait for a long import) and DummyBackend
never runs it. This one returns at once and runs the task on a small pool of
background threads, so `make run` stays one command: no broker, no worker process.

Results are not kept by the backend (`supports_get_result` is False): a task that
others must follow writes its own progress and result to the database, as
papers.importer.jobs does with the ImportJob row, which every web worker can read.

Limits, by design: tasks live in the memory of the process that enqueued them, so a
restart loses the ones not finished (the job page says when a job stopped moving);
enqueue after the transaction that created the job's row commits
(`transaction.on_commit`), or the worker thread may not see the row yet.

Settings: `TASKS = {"default": {"BACKEND": "papers.tasks_backend.ThreadPoolBackend",
"OPTIONS": {"MAX_WORKERS": 1}}}`. One worker by default: imports write, and SQLite
takes one writer at a time anyway.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import close_old_connections, connections
from django.tasks.backends.immediate import ImmediateBackend
from django.tasks.base import TaskResult, TaskResultStatus
from django.utils.crypto import get_random_string

logger = logging.getLogger(__name__)

DEFAULT_MAX_WORKERS = 1


class _Threads:
    """The background threads of one backend alias in this process, and the tasks
    handed to them."""

    def __init__(self, alias: str, max_workers: int) -> None:
        self.pool = ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix=f"tasks-{alias}"
        )
        self.futures: list[Future] = []
        self.lock = threading.Lock()

    def submit(self, function, *args) -> Future:
        future = self.pool.submit(function, *args)
        with self.lock:
            # Finished futures are dropped as new ones come: the list stays short.
            self.futures = [pending for pending in self.futures if not pending.done()]
            self.futures.append(future)
        return future


# Django makes a backend instance per thread that asks for one (a web worker's
# request threads each get their own), but the threads that run tasks are the
# process's: every instance of an alias hands its tasks to the same ones, those
# gunicorn.conf.py started at the import's priority. With a pool per instance, an
# upload ran on a thread its request thread had started, at the web workers' lower
# priority.
_threads: dict[tuple[str, int], _Threads] = {}
_threads_lock = threading.Lock()


class ThreadPoolBackend(ImmediateBackend):
    """ImmediateBackend's way of running a task (status, signals, errors recorded on
    the TaskResult), moved onto background threads."""

    supports_async_task = False

    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        self.max_workers = int(self.options.get("MAX_WORKERS", DEFAULT_MAX_WORKERS))

    @property
    def threads(self) -> _Threads:
        # Created on first use, so importing settings starts no threads.
        key = (self.alias, self.max_workers)
        with _threads_lock:
            if key not in _threads:
                _threads[key] = _Threads(self.alias, self.max_workers)
            return _threads[key]

    @property
    def pool(self) -> ThreadPoolExecutor:
        return self.threads.pool

    def close(self) -> None:
        """Stop this process's threads of the alias once their tasks are done; the
        next task starts new ones."""
        with _threads_lock:
            threads = _threads.pop((self.alias, self.max_workers), None)
        if threads is not None:
            threads.pool.shutdown()

    def start(self) -> None:
        """Start the pool's threads now rather than at the first task. A thread runs
        at the CPU priority of the thread that starts it: gunicorn.conf.py starts
        them before it lowers the web worker's, so an import from the admin keeps
        the priority of one from the command line."""
        everyone = threading.Barrier(self.max_workers)
        # Each waits for all the others: no thread is idle for the next to reuse.
        for started in [
            self.pool.submit(everyone.wait, timeout=30) for _ in range(self.max_workers)
        ]:
            started.result()

    def enqueue(self, task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_string(32),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        self.threads.submit(self._run, result)
        return result

    def _run(self, result: TaskResult) -> None:
        # A pool thread is like a request: fresh connections, closed afterwards, so
        # a long-lived thread never holds a connection the database has dropped.
        close_old_connections()
        try:
            self._execute_task(result)
        except Exception:  # _execute_task records task errors; this is the backend's
            logger.exception("Task %s could not be run", result.id)
        finally:
            connections.close_all()

    def wait(self, timeout: float | None = None) -> None:
        """Block until every task enqueued so far has run (for tests and scripts)."""
        threads = self.threads
        with threads.lock:
            futures = list(threads.futures)
        for future in futures:
            future.result(timeout=timeout)


def start_thread_pools() -> None:
    """Start the threads of every configured ThreadPoolBackend (see `start`)."""
    from django.tasks import task_backends

    for backend in task_backends.all():
        if isinstance(backend, ThreadPoolBackend):
            backend.start()
