"""The SECRET_KEY when DJANGO_SECRET_KEY is not set: random, made on first start.

A key written in the repository would let anyone forge sessions and password-reset
links of every site that forgot to set one. Instead the first start writes a new
random key to a file only its owner can read (mode 0600), and every later start
(and every worker process) reads the same file, so sessions survive restarts and
`make run` stays one command.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

PRIVATE_MODE = 0o600


def load_or_create_secret_key(path: Path) -> str:
    """The key stored at `path`, creating the file with a new key if there is none."""
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name and linked into place, which fails if the file
    # exists: of several processes starting at once, one key wins and all read it.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(get_random_secret_key() + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ImproperlyConfigured(
            f"The secret key file {path} can be read by other users "
            f"(mode {stat.filemode(mode)}); run `chmod 600 {path}`, or set "
            "DJANGO_SECRET_KEY."
        )
    key = path.read_text().strip()
    if not key:
        raise ImproperlyConfigured(
            f"The secret key file {path} is empty; delete it to have a new key made."
        )
    return key
