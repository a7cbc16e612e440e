"""The browse index of an import's data: built once, before its papers appear.

`data_changed()` builds it, in this process or in a new one:

    python -m papers.importer.browse_index < request.json

After a large import the importer's memory stays near its peak, and a build there
would add to it; a new process (`build_in_new_process()`) builds from a fresh start,
saves the index for the web workers (papers.browse.shared) and gives everything back
when it exits. A new interpreter running this module alone, as the parse-ahead
worker does (papers.importer.parse_ahead): multiprocessing's spawn would run the
importing script's top level again, and a script calling the command without a
`__main__` guard would import everything twice.

The request, on standard input, is JSON: the database settings and the index folder
as the importer has them now (a test runner's database, a command's overrides),
over the settings module the environment names.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

from papers.browse.shared import database_identity

logger = logging.getLogger(__name__)

__all__ = ["build_in_new_process", "can_build_apart", "data_changed"]


def data_changed(*, apart: bool = False) -> float | None:
    """Build the browse index of the data an import wrote, and save it for the other
    processes; returns the seconds it took (None if a process of its own failed).

    papers.importer.loader.import_files calls it while the import still holds its
    lease (papers.browse.lease): workers see the papers once it ends, and then find
    their index saved (papers.browse.index.refresh_index). Browsing the new data
    once also proves that it browses (papers.browse.engine.warm_up).

    `apart` builds it in a new process, for the command: after a large import the
    command's memory stays near its peak, which a build would add to (a million
    papers: 437 MB held, then 753 MB at the peak of a build in the same process).
    A process of its own builds from a fresh start and frees all it took when it
    exits; what it saved, the workers load. Otherwise this process builds it, and
    keeps it (an upload in the admin: the web worker it runs in needs it anyway).
    """
    started = time.perf_counter()
    if apart:
        if error := build_in_new_process():
            logger.warning(
                "The browse index could not be built in a process of its own (%s); "
                "the web workers will build it.",
                error,
            )
            return None
        return time.perf_counter() - started
    from papers.browse.engine import warm_up
    from papers.browse.index import refresh_index

    refresh_index()
    warm_up()
    return time.perf_counter() - started


def can_build_apart() -> bool:
    """Whether a new process would see what this one wrote, and set itself up as
    this one: the database is not in memory, no transaction of this process holds
    uncommitted writes (a test's), and the environment names the settings."""
    return (
        database_identity(connection) is not None
        and not connection.in_atomic_block
        and bool(os.environ.get("DJANGO_SETTINGS_MODULE"))
    )


def build_in_new_process() -> str | None:
    """Build and save the index of the current data in a new process; None when it
    did, else the error it ended with (the workers then build it themselves)."""
    request = {
        "database": connection.settings_dict,
        "index_folder": settings.BROWSE_INDEX_DIR,
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__],
            input=json.dumps(request, default=str),
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))},
            capture_output=True,
            text=True,
        )
    except OSError as error:  # no processes here (a sandbox, a limit reached)
        return str(error)
    if done.returncode:
        lines = done.stderr.strip().splitlines()
        return lines[-1] if lines else f"exit status {done.returncode}"
    return None


def main() -> None:
    import django

    request = json.load(sys.stdin)
    django.setup()
    settings.DATABASES[DEFAULT_DB_ALIAS] = request["database"]
    settings.BROWSE_INDEX_DIR = request["index_folder"]
    try:
        data_changed()
    finally:
        connections.close_all()


if __name__ == "__main__":
    main()
