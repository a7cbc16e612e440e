"""Parse the files an import writes next in a second process, while this one writes.

A large import keeps memory flat by releasing parsed days (DigestFile.release, the
command's KEEP_PARSED_PAPERS) or parsing them only when their batch comes
(DigestFile.reload): about a third of a 100,000-paper import's CPU, on
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

import contextlib
import os
import pickle
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import TracebackType

from papers.importer.files import DigestFile, reread

# Papers to parse again from which the worker is started. Starting and stopping
# the worker blocks this process for about 35 ms (5 to start, 30 to wait for its
# exit) and costs the other CPU 0.2 s (a fresh interpreter importing the parser),
# while parsing here costs about 60 us a paper: below some 600 papers the worker
# cannot pay for itself, and under 2,000 (40 day files) the saving is too small to
# be worth a second process.
PARSE_AHEAD_FROM = 2_000
# Papers parsed ahead of the writes, at most: four of SQLite's largest batches
# (papers.importer.pacing.QUIET_BATCH_PAPERS), so the worker, three times as fast
# as the writes, is rarely waited for, and some 6 MB of records in memory.
LOOKAHEAD_PAPERS = 8_000
# A second CPU counts as free when this much of one was idle over a moment before the
# worker starts (see _spare_cpu): a fifth of a second is 20 ticks of /proc/stat.
SPARE_CPU = 0.75
IDLE_SAMPLE_SECONDS = 0.2
PROC_STAT = "/proc/stat"
# Papers per message to the worker and back: a chunk of several day files.
CHUNK_PAPERS = 250
# The pipe's buffer, each way: the worker's results wait in it until this process
# takes them at its next file, and a chunk's records pickle to some 200 KB.
PIPE_BYTES = 4 * 1024 * 1024


class ParseAhead:
    """Reload released files in their order (`reload`), the worker parsing ahead.

    `files` are those `reload` will be called for, in that order; only the ones
    that will be parsed again (released, read from a path) go to the worker. Use it
    as a context manager: the worker is stopped on leaving, also on an error.

    This process talks to the worker only from `reload`, over one pipe, with no
    thread of its own: with a ProcessPoolExecutor, whose threads take the GIL from
    the writes at every message, the writes got as much slower as the parsing
    saved.
    """

    def __init__(self, files: Sequence[DigestFile]) -> None:
        self._files = [
            file for file in files if file.released and file.path is not None
        ]
        self._place = {id(file): place for place, file in enumerate(self._files)}
        self._next = 0  # the place of the next file to hand to the worker
        self._ahead: deque[_Chunk] = deque()  # handed over, in order
        self._unanswered: deque[_Chunk] = deque()  # handed over, no answer yet
        self._papers_ahead = 0
        self._current: _Chunk | None = None  # the chunk being reloaded
        self._pipe: Connection | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.worker_pid: int | None = None  # once the worker has started
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

    @property
    def started(self) -> bool:
        """Whether a worker was started (it may have stopped since)."""
        return self._process is not None

    def ready(self, timeout: float = 0.0) -> bool:
        """Whether the worker is up, waiting for it up to `timeout` seconds."""
        if self.worker_pid is None and self._pipe is not None:
            try:
                if self._pipe.poll(timeout):
                    self.worker_pid = self._pipe.recv()
            except (EOFError, OSError):
                self.close()
        return self.worker_pid is not None and self._pipe is not None

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
        self._unanswered.clear()
        self._papers_ahead = 0
        self._current = None
        pipe, self._pipe = self._pipe, None
        if pipe is not None:
            pipe.close()  # the worker ends on reading the end of the pipe
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # stuck on a file: not worth waiting
                self._process.kill()
                self._process.wait()

    def _start(self) -> None:
        try:
            ours, theirs = socket.socketpair()
        except OSError:  # out of file descriptors: parse here
            return
        _widen(ours, theirs)
        try:
            # A new interpreter running this module alone. fork would copy a
            # process holding an open database connection (and maybe threads);
            # multiprocessing's spawn and forkserver run the importing script's
            # top level again in the worker, so an unguarded script would import
            # twice. Its own session: Ctrl-C reaches the importer, which stops it.
            self._process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env={
                    **os.environ,
                    "PYTHONPATH": os.pathsep.join(filter(None, sys.path)),
                },
                start_new_session=True,
            )
        except OSError:
            # No processes here (a sandbox, a limit reached): parse in this
            # process, as without the worker.
            ours.close()
            return
        finally:
            theirs.close()
        self._pipe = Connection(ours.detach())

    def _hand_over(self) -> None:
        """Give the worker the next files, up to LOOKAHEAD_PAPERS ahead."""
        if not self.ready():
            return  # still starting: this process parses meanwhile
        while self._next < len(self._files) and self._papers_ahead < LOOKAHEAD_PAPERS:
            first, papers = self._next, 0
            while self._next < len(self._files) and papers < CHUNK_PAPERS:
                papers += self._files[self._next].papers
                self._next += 1
            chunk = _Chunk(first, self._next, papers)
            files = [(file.name, file.path) for file in self._files[first : self._next]]
            try:
                self._pipe.send(files)
            except OSError:  # the worker died
                self.close()
                return
            self._ahead.append(chunk)
            self._unanswered.append(chunk)
            self._papers_ahead += papers
        self._take_answers(wait_for=None)

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
                # The worker answers in order and is on this chunk or done with
                # it: waiting costs at most one chunk's parse.
                self._take_answers(wait_for=chunk)
                chunk.parsed = pickle.loads(chunk.answer) if chunk.answer else []
                chunk.answer = b""
                return chunk
        return None

    def _take_answers(self, *, wait_for: _Chunk | None) -> None:
        """Take the worker's answers waiting in the pipe, so it can go on; all of
        them up to `wait_for`'s, waiting for those."""
        try:
            while self._pipe is not None and self._unanswered:
                waiting = wait_for is not None and wait_for.answer is None
                if not waiting and not self._pipe.poll():
                    return
                self._unanswered.popleft().answer = self._pipe.recv_bytes()
        except (EOFError, OSError):
            self.close()  # the worker died: these files and the next parse here


@dataclass
class _Chunk:
    """Files handed to the worker in one message: places first to end - 1."""

    first: int
    end: int
    papers: int
    answer: bytes | None = None  # the pickled parses, once the worker sent them
    parsed: list[DigestFile] | None = None  # once taken; [] to parse here


def _serve(pipe: Connection) -> None:
    """The worker: parse each chunk of files named in the pipe, in order."""
    try:
        pipe.send(os.getpid())
        while True:
            files = pipe.recv()
            try:
                parsed = [reread(name, path) for name, path in files]
                answer = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                answer = b""  # parsed again by the importer, which tells what failed
            pipe.send_bytes(answer)
    except (EOFError, OSError):
        return  # the importer closed the pipe: done


def _widen(*ends: socket.socket) -> None:
    """Let the pipe hold many answers (Linux lets a socket buffer be this large)."""
    for end in ends:
        with contextlib.suppress(OSError):
            # A smaller buffer only makes the worker wait for this process.
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, PIPE_BYTES)
            end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, PIPE_BYTES)


def _spare_cpu() -> bool:
    """Whether a CPU is free for the worker besides the one this process uses.

    Without one the worker only takes turns with this process, and its hand-offs
    make the import slower, not faster: on two CPUs, one of them busy with another
    program, 20,000 papers parsed again took 5 to 20% longer with the worker. What
    the machine left idle over a moment tells (this process sleeps meanwhile); the
    1-minute load average, used where /proc/stat is missing, would still count this
    process's own work of the minute before, such as a previous import.
    """
    idle = _idle_cpus(IDLE_SAMPLE_SECONDS)
    if idle is not None:
        return idle >= SPARE_CPU
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not known here
        load = 0.0
    return load < cpus - 1


def _idle_cpus(seconds: float) -> float | None:
    """How many CPUs were idle, on average, over the next `seconds` (Linux)."""
    before = _cpu_ticks()
    if before is None:
        return None
    time.sleep(seconds)
    after = _cpu_ticks()
    if after is None:
        return None
    total = after[0] - before[0]
    if total <= 0:
        return None
    cpus = os.cpu_count() or 1
    return cpus * (after[1] - before[1]) / total


def _cpu_ticks() -> tuple[int, int] | None:
    """All CPUs' ticks so far, and their idle ones, from /proc/stat's first line."""
    try:
        with open(PROC_STAT, encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    # user nice system idle iowait irq softirq steal (guest time is within user)
    ticks = [int(value) for value in fields[1:9]]
    return sum(ticks), ticks[3] + ticks[4]


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
