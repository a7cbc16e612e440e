"""Find, read and parse digest files for the import command and the admin upload.

Which files count: a path named explicitly is always read, whatever its name. A folder
is walked recursively in sorted order and contributes its `.md`, `.markdown` and
`.json` files, skipping hidden files and folders and the usual repository documents
(README, LICENSE, CHANGELOG, ...), which share the markdown suffix but hold no digest.
`-` reads standard input.

Problems with an input never raise: each input becomes a `DigestFile` that holds
either the parsed days or one error message in the compiler style
`name:line: message` (`name: message` when no line applies), so one bad file cannot
stop the others. Nothing here touches the database: a caller that knows which bytes
were imported before (papers.importer.history) passes them in as `known`, and a file
whose bytes match is hashed but not parsed (see DigestFile.known).
"""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from papers.importer.parser import DigestParseError, parse_digests, sketch_days
from papers.importer.records import DataWarning, DigestRecord

STDIN = "-"
# The largest input file read, unless the command's --max-size says otherwise: a
# digest day is about 100 KB and a many-day README a few MB.
DEFAULT_MAX_MEGABYTES = 50
STDIN_NAME = "<stdin>"
DIGEST_SUFFIXES = frozenset({".md", ".markdown", ".json"})
# Documents that sit next to the digests in the publishers' repositories.
NOT_DIGESTS = frozenset(
    {
        "authors",
        "changelog",
        "changes",
        "code_of_conduct",
        "contributing",
        "credits",
        "licence",
        "license",
        "notice",
        "readme",
        "security",
    }
)


@dataclass(frozen=True)
class KnownFile:
    """What an earlier import of a file recorded: its bytes' hash, each day's date
    and distinct paper keys, and its data-quality warnings."""

    sha256: str
    days: tuple[tuple[datetime.date, tuple[str, ...]], ...]
    warnings: tuple[DataWarning, ...] = ()

    @property
    def day_sizes(self) -> dict[datetime.date, int]:
        sizes: dict[datetime.date, int] = {}
        for date, keys in self.days:
            sizes[date] = sizes.get(date, 0) + len(keys)
        return sizes


@dataclass
class DigestFile:
    """One input (a file, standard input or an upload): its days, or why it failed.

    A file read from disk may release its parsed days to keep a large import's
    memory flat (`release`); it keeps their dates and sizes, and `reload` reads and
    parses it again when its turn to be written comes.

    `sha256` is the hash of a file read from disk. `known` is set, and the file is
    left unparsed (released), when those bytes were imported before and the import
    may skip them; `reload` parses such a file when it must be written after all.
    `sketched` is set when the file was left unparsed because memory was full
    anyway: its day sizes are then only estimates (parser.sketch_days), and `reload`
    tells a change by the bytes' hash instead.
    """

    name: str
    records: list[DigestRecord] = field(default_factory=list)
    error: str = ""
    path: Path | None = None
    released: bool = False
    sha256: str = ""
    known: KnownFile | None = None
    sketched: bool = False
    _sizes: dict[datetime.date, int] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def day_sizes(self) -> dict[datetime.date, int]:
        """Papers per day, whether or not the days are held in memory."""
        if self.released:
            return self._sizes
        sizes: dict[datetime.date, int] = {}
        for record in self.records:
            sizes[record.date] = sizes.get(record.date, 0) + len(record.papers)
        return sizes

    @property
    def papers(self) -> int:
        return sum(self.day_sizes.values())

    def release(self) -> None:
        """Drop the parsed days if the file can be read again."""
        if self.path is not None and self.ok and not self.released:
            self._sizes = self.day_sizes
            self.records = []
            self.released = True

    def reload(
        self, *, max_bytes: int | None = None, again: DigestFile | None = None
    ) -> None:
        """Parse a released file again (an error if it changed meanwhile).

        `again` is the file's `reread`, when another process has already done it
        (papers.importer.parse_ahead); it is checked as this process's own would be.
        """
        if not self.released or self.path is None:
            return
        if again is None:
            again = reread(self.name, self.path, max_bytes=max_bytes)
        self.known = None
        first_sha256 = self.sha256
        if again.sha256:
            # The bytes written are the ones the history records.
            self.sha256 = again.sha256
        self.released = False
        self.records, self.error = again.records, again.error
        sketched, self.sketched = self.sketched, False
        changed = (
            self.sha256 != first_sha256 if sketched else self.day_sizes != self._sizes
        )
        if self.ok and changed:
            self.records = []
            self.error = f"{self.name}: the file changed during the import"


class DigestSourceError(Exception):
    """An input that cannot be read as text; `str()` is the full message."""


def find_digest_paths(paths: Iterable[str]) -> list[tuple[str, Path | None, str]]:
    """Expand the command's arguments into (name, path, error) per input.

    `path` is None for standard input and for an argument that yields nothing, in
    which case `error` says why.
    """
    found: list[tuple[str, Path | None, str]] = []
    for argument in paths:
        if argument == STDIN:
            found.append((STDIN_NAME, None, ""))
            continue
        path = Path(argument)
        if path.is_dir():
            files = walk_digest_folder(path)
            if not files:
                suffixes = ", ".join(sorted(DIGEST_SUFFIXES))
                found.append(
                    (argument, None, f"{argument}: no digest files ({suffixes}) here")
                )
            found.extend((str(file), file, "") for file in files)
        elif path.exists():
            found.append((argument, path, ""))
        else:
            found.append((argument, None, f"{argument}: no such file or directory"))
    return found


def walk_digest_folder(folder: Path) -> list[Path]:
    """The digest files under `folder`, recursively, sorted folder by folder."""
    files = []
    for root, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")]
        files.extend(Path(root, name) for name in names if is_digest_name(name))
    return sorted(files, key=lambda path: path.relative_to(folder).parts)


def is_digest_name(name: str) -> bool:
    path = Path(name)
    return (
        not name.startswith(".")
        and path.suffix.lower() in DIGEST_SUFFIXES
        and path.stem.lower() not in NOT_DIGESTS
    )


def decode(data: bytes, *, name: str) -> str:
    """The bytes as UTF-8 text (a leading byte-order mark is dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1].hex()
        raise DigestSourceError(
            f"{name}:{line}: not UTF-8 text (byte 0x{byte}); save the file as UTF-8"
        ) from error


def read_path(name: str, path: Path, *, max_bytes: int | None = None) -> str:
    return decode(read_bytes(name, path, max_bytes=max_bytes), name=name)


def read_bytes(name: str, path: Path, *, max_bytes: int | None = None) -> bytes:
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            raise DigestSourceError(_too_large(name, max_bytes))
        return path.read_bytes()
    except OSError as error:
        raise DigestSourceError(f"{name}: {error.strerror or error}") from error


def _too_large(name: str, max_bytes: int) -> str:
    return (
        f"{name}: larger than {max_bytes / 1024 / 1024:g} MB; "
        "split it, or raise the limit with --max-size"
    )


def read_stream(stream: IO, *, max_bytes: int | None = None) -> str:
    """Standard input as text, decoded strictly when it offers its bytes."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        data = buffer.read() if max_bytes is None else buffer.read(max_bytes + 1)
        if max_bytes is not None and len(data) > max_bytes:
            raise DigestSourceError(_too_large(STDIN_NAME, max_bytes))
        return decode(data, name=STDIN_NAME)
    try:
        return stream.read()
    except UnicodeDecodeError as error:
        raise DigestSourceError(f"{STDIN_NAME}: not UTF-8 text ({error})") from error


def reread(name: str, path: Path, *, max_bytes: int | None = None) -> DigestFile:
    """The file read and parsed again, as a new DigestFile whose `sha256` is that of
    the bytes read ("" when they could not be read as text).

    It changes nothing else, so a worker process can run it ahead of the file's
    turn (papers.importer.parse_ahead); `DigestFile.reload` judges the result.
    """
    try:
        data = read_bytes(name, path, max_bytes=max_bytes)
        again = parse_text(name, decode(data, name=name))
    except DigestSourceError as failure:
        return DigestFile(name, error=str(failure))
    again.sha256 = hashlib.sha256(data).hexdigest()
    return again


def parse_text(name: str, text: str) -> DigestFile:
    try:
        records = parse_digests(text, source=name)
    except DigestParseError as error:
        where = f"{name}:{error.line}" if error.line else name
        return DigestFile(name, error=f"{where}: {error.message}")
    if not records:
        return DigestFile(name, error=f"{name}: no digest day found")
    return DigestFile(name, records=list(records))


def read_digest_files(
    paths: Iterable[str],
    *,
    stdin: IO,
    max_bytes: int | None = None,
    keep_papers: int | None = None,
    known: Callable[[Sequence[str]], Mapping[str, KnownFile]] | None = None,
) -> list[DigestFile]:
    """Every input named by `paths`, read and parsed, in order; see the module doc.

    A file larger than `max_bytes` is refused unread, as an error of its own. Once
    the files read hold more than `keep_papers` papers, the next files are only
    sketched (see DigestFile.sketched) and parsed when their turn comes, so memory
    stays flat and each file is parsed once; a file that may share a day with
    another is parsed now and released, as its true size orders the files. The
    file that crosses the limit keeps its days: it is among the first written, and
    must be held whole while it is, so releasing it would only parse it twice (a
    single large file spent about a quarter of its import parsing itself again).
    `known(names)` tells which bytes of the files named were imported before: a
    file whose bytes match is not parsed (see DigestFile.known).
    """
    kept = 0
    files = []
    found = find_digest_paths(paths)
    before = (
        known([name for name, path, error in found if path is not None and not error])
        if known is not None
        else {}
    )
    for name, path, error in found:
        if error:
            files.append(DigestFile(name, error=error))
            continue
        try:
            if path is None:
                text, sha256 = read_stream(stdin, max_bytes=max_bytes), ""
            else:
                data = read_bytes(name, path, max_bytes=max_bytes)
                sha256 = hashlib.sha256(data).hexdigest()
                recorded = before.get(name)
                if recorded is not None and recorded.sha256 == sha256:
                    files.append(_known_file(name, path, recorded))
                    continue
                text = decode(data, name=name)
        except DigestSourceError as failure:
            files.append(DigestFile(name, error=str(failure)))
            continue
        full = keep_papers is not None and kept > keep_papers
        sketch = sketch_days(text) if full and path is not None else None
        if sketch is not None:
            # Parsed when its turn to be written comes, not twice.
            files.append(_sketched_file(name, path, sha256, sketch))
            continue
        file = parse_text(name, text)
        file.path = path
        file.sha256 = sha256
        kept += file.papers
        if full:
            file.release()
        files.append(file)
    _parse_shared_days(files)
    prefer_fullest_days(files)
    return files


def _sketched_file(
    name: str, path: Path, sha256: str, sizes: dict[datetime.date, int]
) -> DigestFile:
    file = DigestFile(name, path=path, sha256=sha256, released=True, sketched=True)
    file._sizes = sizes
    return file


def _parse_shared_days(files: list[DigestFile]) -> None:
    """Parse the sketched files that may share a day with another file, so that
    `prefer_fullest_days` orders them by their true sizes; then release them."""
    holders: dict[datetime.date, int] = {}
    for file in files:
        for date in file.day_sizes:
            holders[date] = holders.get(date, 0) + 1
    for file in files:
        if file.sketched and any(holders[date] > 1 for date in file.day_sizes):
            file.reload()
            file.release()


def _known_file(name: str, path: Path, known: KnownFile) -> DigestFile:
    file = DigestFile(name, path=path, sha256=known.sha256, known=known)
    file._sizes = known.day_sizes
    file.released = True
    return file


def prefer_fullest_days(files: list[DigestFile]) -> None:
    """Reorder `files` in place so each day's fullest copy is loaded first.

    A publisher's repository holds each day twice, as the markdown table of selected
    papers and as the JSON of all of them. Imports add to a day, so both copies load
    and the day ends up with every paper either way; loading the fullest copy first
    makes the day's positions follow the full table, with papers found only in a
    smaller copy after them. Files holding no day that has a fuller copy elsewhere
    come first; the order is otherwise kept.
    """
    sizes = {id(file): file.day_sizes for file in files}
    most: dict = {}
    for file in files:
        for date, size in sizes[id(file)].items():
            most[date] = max(most.get(date, 0), size)

    def has_fuller_copy(file: DigestFile) -> bool:
        return any(size < most[date] for date, size in sizes[id(file)].items())

    files.sort(key=has_fuller_copy)
