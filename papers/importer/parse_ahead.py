"""Parse the files an import writes next in a second process, while this one writes.

A large import keeps memory flat by releasing parsed days (DigestFile.release, the
command's KEEP_PARSED_PAPERS), so most files are read and parsed again when their
batch comes (DigestFile.reload): about a third of a 100,000-paper import's CPU, on
the same core as the database writes. `ParseAhead` has one worker process run
`reread` on the next files meanwhile and hands each result to `DigestFile.reload`,
which judges it as it would its own: a file changed since it was first read still
fails, an unreadable one gives the same message. The worker reads a file a little
before its turn instead of at it; either way the bytes written are the bytes hashed.
Files are still written in their order, in the same batches, with the same results.

The worker only helps. It starts only when enough papers are to be parsed again
(PARSE_AHEAD_FROM) and a second CPU is free (`_spare_cpu`); it holds at most
LOOKAHEAD_PAPERS papers parsed ahead of the writes; and whenever it cannot help (it
failed to start, is still starting, or died) this process parses the files itself,
as without it. It imports the parser only (papers.importer.files and what that
imports): no Django settings, models or database connection.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from papers.importer.files import DigestFile, reread

# Papers to parse again from which the worker is started. Starting and stopping a
# spawned worker blocks this process for about 40 ms and costs the other core 0.2 s
# of CPU (a fresh interpreter importing the parser), while parsing here costs about
# 60 us a paper: below some 700 papers the worker cannot pay for itself, and under
# 2,000 (40 day files) the saving is too small to be worth a second process.
PARSE_AHEAD_FROM = 2_000
# Papers parsed ahead of the writes, at most: four of the largest batches
# (loader.BATCH_PAPERS), so the worker, three times as fast as the writes, is
# rarely waited for, and a few MB of records in memory.
LOOKAHEAD_PAPERS = 2_000
# Papers per task: the executor's two threads in this process take the GIL for
# every task handed over and every result, away from the writes: some four times
# per task, so a task per day file made thousands; chunks keep them few.
CHUNK_PAPERS = 250
# A fresh interpreter: fork would start in 5 ms instead of 0.2 s (on the other
# core), but copies a process that holds an open database connection and may run
# threads; forkserver made this process wait 0.1 s for its server to start.
START_METHOD = "spawn"


class ParseAhead:
    """Reload released files in their order (`reload`), the worker parsing ahead.

    `files` are those `reload` will be called for, in that order; only the ones
    that will be parsed again (released, read from a path) go to the worker. Use it
    as a context manager: the worker is stopped on leaving, also on an error.
    """

    def __init__(self, files: Sequence[DigestFile]) -> None:
        self._files = [
            file for file in files if file.released and file.path is not None
        ]
        self._place = {id(file): place for place, file in enumerate(self._files)}
        self._next = 0  # the place of the next file to hand to the worker
        self._ahead: deque[_Chunk] = deque()  # handed over, in order
        self._papers_ahead = 0
        self._current: _Chunk | None = None  # the chunk being reloaded
        self._pool: ProcessPoolExecutor | None = None
        # The worker's process id once it has started and imported the parser.
        self.worker: Future[int] | None = None
        self.parsed_ahead = 0  # files whose worker's parse was used
        papers = sum(file.papers for file in self._files)
        if papers >= PARSE_AHEAD_FROM and _spare_cpu():
            self._start()

    def __enter__(self) -> ParseAhead:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def reload(self, file: DigestFile) -> None:
        """`file.reload()`, with the worker's parse of the file if it has one."""
        place = self._place.get(id(file))
        again = None
        if place is not None:
            again = self._parsed(place)
            self._next = max(self._next, place + 1)
            self._hand_over()
        if again is not None:
            self.parsed_ahead += 1
        file.reload(again=again)

    def close(self) -> None:
        """Stop the worker; any later file is parsed here."""
        self._ahead.clear()
        self._papers_ahead = 0
        self._current = None
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True, cancel_futures=True)

    def _start(self) -> None:
        try:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context(START_METHOD),
                initializer=_ignore_interrupts,
            )
            self.worker = self._pool.submit(os.getpid)
        except (OSError, RuntimeError, NotImplementedError, BrokenProcessPool):
            # No processes here (a sandbox, a platform without semaphores): parse
            # in this process, as without the worker.
            self.close()

    def _hand_over(self) -> None:
        """Give the worker the next files, up to LOOKAHEAD_PAPERS ahead."""
        if self._pool is None or self.worker is None or not self.worker.done():
            return  # still starting: this process parses meanwhile
        if self.worker.exception() is not None:
            self.close()
            return
        while self._next < len(self._files) and self._papers_ahead < LOOKAHEAD_PAPERS:
            first, papers = self._next, 0
            while self._next < len(self._files) and papers < CHUNK_PAPERS:
                papers += self._files[self._next].papers
                self._next += 1
            chunk = [(file.name, file.path) for file in self._files[first : self._next]]
            try:
                future = self._pool.submit(_reread_all, chunk)
            except (BrokenProcessPool, RuntimeError):
                self.close()
                return
            self._ahead.append(_Chunk(first, self._next, papers, future))
            self._papers_ahead += papers

    def _parsed(self, place: int) -> DigestFile | None:
        """The worker's parse of the file at `place`, if it has one."""
        chunk = self._current
        if chunk is None or place >= chunk.end:
            chunk = self._current = self._receive(place)
        if chunk is None or place < chunk.first or not chunk.parsed:
            return None
        return chunk.parsed[place - chunk.first]

    def _receive(self, place: int) -> _Chunk | None:
        """The chunk holding `place` with its files parsed (none: parse them here);
        chunks before it, of files not reloaded after all, are dropped."""
        while self._ahead and self._ahead[0].first <= place:
            chunk = self._ahead.popleft()
            self._papers_ahead -= chunk.papers
            if chunk.end > place:
                chunk.parsed = self._result(chunk.future)
                return chunk
            chunk.future.cancel()
        return None

    def _result(self, future: Future[list[DigestFile]]) -> list[DigestFile]:
        # Chunks are handed over and taken back in order, so the worker is on this
        # one or about to begin it: waiting costs at most one chunk's parse.
        try:
            return future.result()
        except BrokenProcessPool:
            self.close()  # the worker died: these files and the next parse here
        except Exception:
            pass  # parsed here again, which raises the same error if it is a file's
        return []


@dataclass
class _Chunk:
    """Files handed to the worker in one task: places first to end - 1."""

    first: int
    end: int
    papers: int
    future: Future[list[DigestFile]]
    parsed: list[DigestFile] | None = None  # once received; [] to parse here


def _reread_all(files: list[tuple[str, Path]]) -> list[DigestFile]:
    """The worker's task: `reread` each file of a chunk."""
    return [reread(name, path) for name, path in files]


def _spare_cpu() -> bool:
    """Whether a CPU is free for the worker besides the one this process uses.

    Without one the worker only takes turns with this process, and its hand-offs
    make the import slower, not faster: on two CPUs, one of them busy with another
    program, 20,000 papers parsed again took 20 to 30% longer with the worker. The
    1-minute load average tells, as for `make -l`: this process's own few seconds
    of reading the files barely count in it.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not known here
        load = 0.0
    return load < cpus - 1


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group: the importer stops the worker
    # itself, so the worker must not die mid-task printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
