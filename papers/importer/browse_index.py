"""The browse index of an import's data: built once, before its papers appear.

`data_changed()` builds it and saves it for the web workers (papers.browse.shared),
in this process or in a new one (papers.importer.apart).
"""

from __future__ import annotations

import logging
import time

from papers.importer.apart import run_apart

logger = logging.getLogger(__name__)

__all__ = ["data_changed"]


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
    keeps it (the process an admin's upload is imported in, or a test's).
    """
    started = time.perf_counter()
    if apart:
        if error := run_apart(f"{__name__}:data_changed"):
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
