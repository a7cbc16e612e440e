"""Plain records the parser produces and the loader consumes.

Frozen dataclasses holding tuples, so two parses of the same text compare equal with
`==` and nothing downstream can mutate what was read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataWarning:
    """A data-quality finding that did not stop the import, where it was found.

    `kind` names the finding for code that counts or filters them ("link",
    "placeholder", "duplicate", "cap", ...); `text` is the message for people.
    """

    line: int
    kind: str
    text: str
    source: str = ""  # the file (or "<stdin>"); set when the day's record is made

    def __str__(self) -> str:
        return f"line {self.line}: {self.text}"

    @property
    def located(self) -> str:
        """The compiler-style message, like errors: "source:line: text"."""
        return f"{self.source}:{self.line}: {self.text}"


@dataclass(frozen=True)
class PaperRecord:
    key: str  # arXiv id, or "url-<hash>" / "title-<hash>" when there is none
    arxiv_id: str  # "" when the digest gives no arXiv or HF paper link
    title: str
    authors: tuple[str, ...]
    summary: str
    arxiv_url: str
    tags: tuple[str, ...]
    github_urls: tuple[str, ...]
    huggingface_urls: tuple[str, ...]
    line: int  # where the row starts in its file, for messages
    position: int  # 1-based place in the day's table


@dataclass(frozen=True)
class DigestRecord:
    date: datetime.date
    papers: tuple[PaperRecord, ...]
    source: str  # the path (or "<stdin>") the day was read from
    line: int  # where the day's heading (or the file) starts
    # Data-quality findings that did not stop the import.
    warnings: tuple[DataWarning, ...] = field(default=())
