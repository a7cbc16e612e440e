"""Small digests written in the test that uses them, and where the real sample lives.

A rule is shown on a digest of a few rows whose counts are obvious from the test
itself: `digest_markdown("2025-03-10", Row("2503.00001"), Row("2503.00002"))` is the
day's markdown table in the current six-column layout, `write_digest(folder, name,
...)` writes it to a file. The real sample files live once, in `sample_digests/`
(SAMPLE_DIGESTS); one end-to-end test per format imports them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SAMPLE_DIGESTS = Path(__file__).resolve().parent.parent / "sample_digests"

HEADER = (
    "| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n"
    "|-------|---------|---------|----------------|-------------|-----------------|\n"
)


@dataclass(frozen=True)
class Row:
    """One paper's row; the title defaults to one naming the arXiv id."""

    arxiv_id: str
    title: str = ""
    authors: tuple[str, ...] = ("Ada Lovelace",)
    summary: str = "- A method. - A result."
    tags: tuple[str, ...] = ("Multimodal",)
    github_urls: tuple[str, ...] = ()
    huggingface_urls: tuple[str, ...] = ()

    def markdown(self) -> str:
        title = self.title or f"Paper {self.arxiv_id}"
        link = f"[{title}](https://arxiv.org/abs/{self.arxiv_id})"
        tags = "[" + ", ".join(f"'{tag}'" for tag in self.tags) + "]"
        github = ", ".join(self.github_urls) or "N/A"
        hugging_face = ", ".join(self.huggingface_urls) or "N/A"
        cells = [
            link,
            ", ".join(self.authors),
            self.summary,
            tags,
            github,
            hugging_face,
        ]
        return "| " + " | ".join(cells) + " |\n"


def digest_markdown(date: str, *rows: Row) -> str:
    """One day's digest as the publisher writes it, with `rows` in order."""
    return (
        f"## Papers for {date}\n\n" + HEADER + "".join(row.markdown() for row in rows)
    )


def write_digest(folder: Path, name: str, date: str, *rows: Row) -> Path:
    """`digest_markdown(date, *rows)` written to folder/name (folders made)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(digest_markdown(date, *rows), encoding="utf-8")
    return path


def write_daily_json(folder: Path, name: str, *rows: Row) -> Path:
    """The same rows as a JSON daily result (every paper of a day)."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    papers = [
        {
            "title": row.title or f"Paper {row.arxiv_id}",
            "authors": list(row.authors),
            "summary": row.summary,
            "url": f"https://arxiv.org/abs/{row.arxiv_id}",
            "classification": list(row.tags),
        }
        for row in rows
    ]
    path.write_text(json.dumps(papers), encoding="utf-8")
    return path
