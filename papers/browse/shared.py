"""Browse indexes shared between the processes of one machine, through files.

Every web worker needs the browse index of the current data (papers.browse.index).
Built by each, it cost one request per worker a build after every import: four
builds at once on a two-core machine (the slowest read after an import of 100,000
papers under load took 3.4-4.1 s), and four copies in memory (257 MB each at a
million papers, docs/benchmarks.md). Instead, the process
that builds an index saves it here, and the others map the saved arrays: a worker
whose index is stale loads the new one in milliseconds, and the arrays' pages are
the same page cache pages in every process.

One folder per database (`BROWSE_INDEX_DIR`, then a name derived from the database),
one subfolder per data version token, written under a temporary name and renamed
into place, so a reader sees a whole index or none. A lock file lets one process
build while the others keep answering from the index they have. A database in
memory has no store: no other process can see it.

Nothing is unpickled: the arrays are numpy's `.npy` files, read with
`allow_pickle=False`, and the rest is JSON.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

# Indexes kept besides the newest, for processes still loading them: a folder
# removed under a process that is reading it only costs that process a build.
KEEP_OLDER = 2

# A save still unfinished after this long belongs to a process that was killed.
ABANDONED_AFTER = 3600  # seconds

_META = "meta.json"
_LOCK = "build.lock"


class IndexStore:
    """The saved browse indexes of one database: `save`, `load` by token, and
    `build_lock` for the process that builds."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, token: str) -> tuple[dict, dict[str, np.ndarray]] | None:
        """The metadata and arrays saved for `token` (arrays mapped read-only), or
        None when there is no whole copy of it."""
        if not token:
            return None
        folder = self.folder / token
        try:
            meta = json.loads((folder / _META).read_text(encoding="utf-8"))
            arrays = {
                name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                for name in meta["arrays"]
            }
        except (OSError, ValueError, KeyError, TypeError):
            # Not there, removed while being read, or not ours: the caller builds.
            return None
        return meta, arrays

    def save(self, token: str, meta: dict, arrays: dict[str, np.ndarray]) -> bool:
        """Save an index under `token`; False when it could not be written (a full
        disk, a read-only folder): the process still has its own copy."""
        if not token:
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".saving-", dir=self.folder))
            try:
                for name, array in arrays.items():
                    np.save(staging / f"{name}.npy", np.ascontiguousarray(array))
                meta = {**meta, "arrays": sorted(arrays)}
                (staging / _META).write_text(json.dumps(meta), encoding="utf-8")
                os.rename(staging, self.folder / token)
            except OSError:
                shutil.rmtree(staging, ignore_errors=True)
                if (self.folder / token / _META).exists():
                    return True  # another process saved this token first: as good
                raise
        except OSError:
            logger.warning("Could not save the browse index", exc_info=True)
            return False
        self._remove_older(keep=token)
        return True

    @contextlib.contextmanager
    def build_lock(self, *, wait: bool) -> Iterator[bool]:
        """Yield whether this process may build now: True once it holds the lock
        (at once, or after waiting when `wait`), False when another process holds it
        and `wait` is False. Without a usable folder, every process builds its own."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            lock = open(self.folder / _LOCK, "a+b")  # noqa: SIM115 (held to the end)
        except OSError:
            yield True
            return
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _remove_older(self, *, keep: str) -> None:
        saved, abandoned = [], []
        now = time.time()
        for entry in self.folder.iterdir():
            if not entry.is_dir() or entry.name == keep:
                continue
            if not entry.name.startswith(".saving-"):
                saved.append(entry)
            elif now - _modified(entry) > ABANDONED_AFTER:  # its process was killed
                abandoned.append(entry)
        saved.sort(key=_modified, reverse=True)
        for entry in saved[KEEP_OLDER:] + abandoned:
            # Removing a folder does not unmap what other processes mapped from it.
            shutil.rmtree(entry, ignore_errors=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def index_store(using: str) -> IndexStore | None:
    """The store of this database's indexes, or None when they are not shared: no
    `BROWSE_INDEX_DIR`, or a database in memory that only this process sees."""
    base = getattr(settings, "BROWSE_INDEX_DIR", None)
    identity = database_identity(connections[using])
    if not base or identity is None:
        return None
    return IndexStore(Path(base) / identity)


def database_identity(connection: BaseDatabaseWrapper) -> str | None:
    """A folder name for the database of `connection`, the same in every process
    that opens it; None for a database in memory."""
    parameters = connection.settings_dict
    name = str(parameters.get("NAME") or "")
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            return None
        where = os.path.realpath(name)
    else:
        host = parameters.get("HOST") or "localhost"
        where = f"{host}:{parameters.get('PORT') or ''}/{name}"
    digest = hashlib.sha256(f"{connection.vendor}:{where}".encode()).hexdigest()
    return f"{connection.vendor}-{digest[:16]}"
