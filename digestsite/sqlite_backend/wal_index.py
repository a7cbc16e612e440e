"""How much of a SQLite database's write-ahead log is not yet checkpointed.

In WAL mode a commit appends the pages it changed to `<database>-wal`; a checkpoint
copies them back into the database file. SQLite's own automatic checkpoint runs in
the `commit()` call that crosses `wal_autocheckpoint`, so an import that wants its
commits to return as soon as the write lock is released checkpoints itself between
transactions (papers.importer.writer.checkpoint_when_due), and needs to know when.

The count is read from the wal-index header at the start of `<database>-shm`, whose
layout SQLite documents for its unix and windows file systems
(https://sqlite.org/walformat.html, "The WAL-Index Header"): every process using the
database shares it, in native byte order. `mxFrame`, the last valid frame of the
log, minus `nBackfill`, the frames already copied back, is what a checkpoint would
copy now.
"""

from __future__ import annotations

import struct

from digestsite.sqlite_backend.waiting_writers import beside_database

SUFFIX = "-shm"
VERSION = 3007000  # iVersion of the wal-index format since SQLite 3.7.0
# iVersion, (unused,) iChange, isInit, (bigEndCksum,) szPage, mxFrame
_HEADER = struct.Struct("=I4xI?xHI")
_BACKFILLED = struct.Struct("=I")  # nBackfill, the checkpoint info's first field
_BACKFILLED_AT = 96  # after the header's two copies of 48 bytes each
_READ = _BACKFILLED_AT + _BACKFILLED.size


def frames_to_checkpoint(database_name: object) -> int | None:
    """Frames in the log of `database_name` (a settings NAME) that a checkpoint would
    copy back now; None when that cannot be told (no file database, not in WAL mode,
    a wal-index of another format)."""
    path = beside_database(database_name, SUFFIX)
    if path is None:
        return None
    try:
        with path.open("rb") as shm:
            header = shm.read(_READ)
    except OSError:
        return None
    if len(header) < _READ:
        return None
    version, _change, initialised, _page_size, last_frame = _HEADER.unpack_from(header)
    if version != VERSION or not initialised:
        return None
    (backfilled,) = _BACKFILLED.unpack_from(header, _BACKFILLED_AT)
    # Read while another process may be writing it: a torn read only misjudges once.
    return max(0, last_frame - backfilled)
