"""The importer's work that runs in a process of its own: `run_apart(target, ...)`.

    python -m papers.importer.apart < request.json

Two pieces of an import are better off in a new interpreter:

- the browse index of an import's data, built by the command after a large import
  (papers.importer.browse_index): the command's memory stays near its peak after
  the import, and a build there would add to it; a new process starts from nothing
  and gives everything back when it exits;
- an import uploaded in the admin (papers.importer.jobs), which would otherwise run
  on a thread of a web worker: there it shares the worker's one running thread of
  Python (the GIL) with the requests the worker answers, and waits for it while
  holding SQLite's write lock, so every other writer waits too. Under 24 readers
  without pauses, a 6,000-row upload held the lock for up to 450 ms there, 106 ms
  in a process of its own (docs/benchmarks.md).

A new interpreter running this module, not multiprocessing's spawn: spawn would run
the calling script's top level again, and a script calling the command without a
`__main__` guard would import everything twice. The request, on standard input, is
JSON: the function to call ("module:name") and its arguments, the database
settings and the index folder as the caller has them now (a test runner's database,
a command's overrides), over the settings module the environment names.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

from papers.browse.shared import database_identity

__all__ = ["can_run_apart", "run_apart"]


def can_run_apart() -> bool:
    """Whether a new process would see what this one wrote, and set itself up as
    this one: the database is not in memory, no transaction of this process holds
    uncommitted writes (a test's), and the environment names the settings."""
    return (
        database_identity(connection) is not None
        and not connection.in_atomic_block
        and bool(os.environ.get("DJANGO_SETTINGS_MODULE"))
    )


def run_apart(target: str, *args: object, show_output: bool = False) -> str | None:
    """Call `target` ("module:function") with `args` (JSON values) in a new process
    and wait for it; None when it returned, else the error it ended with.

    Its output is kept from this process's, unless `show_output` (a web worker's
    log then shows what it logs, as it happens)."""
    request = {
        "target": target,
        "args": args,
        "database": connection.settings_dict,
        "index_folder": settings.BROWSE_INDEX_DIR,
    }
    output = None if show_output else subprocess.PIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__],
            input=json.dumps(request, default=str),
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))},
            stdout=output,
            stderr=output,
            text=True,
        )
    except OSError as error:  # no processes here (a sandbox, a limit reached)
        return str(error)
    if done.returncode:
        lines = (done.stderr or "").strip().splitlines()
        return lines[-1] if lines else f"exit status {done.returncode}"
    return None


def main() -> None:
    import django

    request = json.load(sys.stdin)
    django.setup()
    settings.DATABASES[DEFAULT_DB_ALIAS] = request["database"]
    settings.BROWSE_INDEX_DIR = request["index_folder"]
    module, name = request["target"].split(":")
    try:
        getattr(importlib.import_module(module), name)(*request["args"])
    finally:
        connections.close_all()


if __name__ == "__main__":
    main()
