"""The browse index of an import's data, built in a process of its own.

    python -m papers.importer.index_process < request.json

`build_in_new_process()` runs this module in a new interpreter for
papers.importer.loader.data_changed: after a large import the importer's memory
stays near its peak, and a build there would add to it; a new process builds from a
fresh start, saves the index for the web workers (papers.browse.shared) and gives
everything back when it exits. A new interpreter running this module alone, as the
parse-ahead worker does (papers.importer.parse_ahead): multiprocessing's spawn would
run the importing script's top level again, and a script calling the command
without a `__main__` guard would import everything twice.

The request, on standard input, is JSON: the database settings and the index folder
as the importer has them now (a test runner's database, a command's overrides),
over the settings module the environment names.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections


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
    from papers.importer.loader import data_changed

    try:
        data_changed()
    finally:
        connections.close_all()


if __name__ == "__main__":
    main()
