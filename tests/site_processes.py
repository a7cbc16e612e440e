"""Real processes of the site, for tests that need more than one: each runs Python
in the project folder against one database file and one browse index folder under
a test's temporary folder, as a web worker, the command or an admin's script would."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def site_processes(folder: Path) -> Callable[..., str]:
    """A function running `python ARGUMENTS...` as a process of the site whose data
    lives in `folder`; it returns what the process printed, and fails the test if
    the process fails. The database is migrated first."""
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}",
        "BROWSE_INDEX_DIR": str(folder / "shared"),
        "DJANGO_SETTINGS_MODULE": "digestsite.settings",
    }

    def run(*arguments: str) -> str:
        return subprocess.run(
            [sys.executable, *arguments],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    run("manage.py", "migrate", "--verbosity", "0")
    return run
