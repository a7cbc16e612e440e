"""The import lease: while an import runs, workers keep the browse index they have.

An import commits in many batches, and each batch bumps the data version
(papers.browse.version) so the token always names the data exactly. Without more,
every worker would rebuild its in-memory browse index (a second or two on a large
archive) after nearly every batch, for the whole import. Instead, `import_files()`
holds a lease on the data version row: `importing_until`, a time LEASE ahead of the
database's clock, set when the import starts, renewed by every bump of that import
(in the batch's own transaction) and cleared when it ends, also when it fails.

While the lease is live, a worker that already has an index keeps serving it (the
data as of the import's start, or as of when it first built one); new papers appear
together once the lease is cleared and the token differs from the index's. A worker
without an index builds one. An import killed outright (SIGKILL skips `finally`)
leaves the lease to expire: its papers show at most LEASE later, never stale forever,
because the token already moved with its committed batches. Admin edits made during
an import bump the version as always, but workers serve them once the import ends.

The clock is the database's (`Now()`), so servers on one database agree on it. Two
imports at once share the one lease: the first to end clears it, and the other's
next batch takes it again (workers may rebuild once in between).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django.db.models import DateTimeField, ExpressionWrapper
from django.db.models.functions import Now

logger = logging.getLogger(__name__)

# Longer than the gap between two batches of a running import (a batch writes in
# well under a few seconds), short enough that a killed import is soon visible.
LEASE = datetime.timedelta(seconds=30)

# Whether the code running here is inside an import that holds the lease: its bumps
# renew it. A context variable, so a background import thread's lease is its own.
_held: ContextVar[bool] = ContextVar("import_lease_held", default=False)


def lease_held() -> bool:
    """Whether this context's writes belong to an import holding the lease."""
    return _held.get()


def lease_expiry() -> ExpressionWrapper:
    """LEASE from now on the database's clock, for an UPDATE of `importing_until`."""
    return ExpressionWrapper(Now() + LEASE, output_field=DateTimeField())


@contextmanager
def import_lease(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Hold the lease while the block imports; release it however the block ends."""
    held = _held.set(True)
    _set_importing_until(lease_expiry(), using=using)
    try:
        yield
    finally:
        _held.reset(held)
        try:
            _set_importing_until(None, using=using)
        except DatabaseError:
            # The connection is gone or its transaction broken: the lease expires
            # on its own, and the error that ended the import is the one to see.
            logger.warning("Could not release the import lease", exc_info=True)


def _set_importing_until(
    value: ExpressionWrapper | None, *, using: str = DEFAULT_DB_ALIAS
) -> None:
    from papers.browse.version import VERSION_PK
    from papers.models import DataVersion

    # No row yet (a database emptied by hand): the import's first bump creates it.
    DataVersion.objects.using(using).filter(pk=VERSION_PK).update(importing_until=value)
