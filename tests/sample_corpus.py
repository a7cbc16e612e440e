"""The real sample digests for the browse tests, and what they should yield.

`load_corpus()` imports the current-format markdown days through the real parser and
loader. `expected_papers()` computes, in plain Python from the parsed records, what each
paper should look like after that import (tags and links merged across its days,
everything else from its newest day), so filter tests compare the database's answers
with sets worked out independently of any query.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from django.db import transaction

from papers.importer.loader import load_digests
from papers.importer.parser import parse_digests
from papers.importer.records import DigestRecord
from tests.digests import SAMPLE_DIGESTS

ARCHIVE = SAMPLE_DIGESTS / "daily-ai-papers" / "archive"

# Papers per real sample file (each one day), counted independently of the parser:
# title links to arXiv (`grep -o '](https://arxiv.org'`) in the markdown, len() of the
# JSON list. The JSON daily results hold every paper of a day, the markdown archive the
# publisher's selection of them.
PAPERS_PER_FILE = {
    "daily-ai-papers-v1/archive/2024/09/05.md": 8,
    "daily-ai-papers-v1/archive/2024/09/06.md": 10,
    "daily-ai-papers-v1/archive/2024/09/10.md": 11,
    "daily-ai-papers-v1/archive/2024/10/01.md": 10,
    "daily-ai-papers-v1/archive/2024/10/02.md": 12,
    "daily-ai-papers-v1/archive/2025/02/03.md": 9,
    "daily-ai-papers-v1/archive/2025/02/04.md": 17,
    "daily-ai-papers/archive/2024/09/27.md": 8,
    "daily-ai-papers/archive/2024/09/28.md": 8,
    "daily-ai-papers/archive/2024/12/31.md": 7,
    "daily-ai-papers/archive/2025/03/03.md": 6,
    "daily-ai-papers/archive/2025/03/04.md": 17,
    "daily-ai-papers/archive/2025/03/05.md": 15,
    "daily-ai-papers/archive/2025/03/06.md": 14,
    "daily-ai-papers/archive/2025/03/07.md": 15,
    "daily-ai-papers/archive/2025/03/10.md": 13,
    "daily-ai-papers/archive/2025/03/11.md": 26,
    "daily-ai-papers/archive/2025/03/12.md": 20,
    "daily-ai-papers/daily_results/2024/09/27.json": 12,
    "daily-ai-papers/daily_results/2024/09/28.json": 12,
    "daily-ai-papers/daily_results/2024/12/31.json": 10,
    "daily-ai-papers/daily_results/2025/03/03.json": 8,
    "daily-ai-papers/daily_results/2025/03/04.json": 22,
    "daily-ai-papers/daily_results/2025/03/05.json": 17,
    "daily-ai-papers/daily_results/2025/03/06.json": 16,
    "daily-ai-papers/daily_results/2025/03/07.json": 18,
    "daily-ai-papers/daily_results/2025/03/10.json": 18,
    "daily-ai-papers/daily_results/2025/03/11.json": 36,
    "daily-ai-papers/daily_results/2025/03/12.json": 29,
}


@dataclass(frozen=True)
class ExpectedPaper:
    key: str
    title: str
    authors: tuple[str, ...]
    tags: frozenset[str]
    days: frozenset[datetime.date]
    github_urls: tuple[str, ...]
    huggingface_urls: tuple[str, ...]

    @property
    def has_code(self) -> bool:
        return bool(self.github_urls)

    @property
    def has_hf(self) -> bool:
        return bool(self.huggingface_urls)


@cache
def parsed_days() -> tuple[DigestRecord, ...]:
    days: list[DigestRecord] = []
    for path in sorted(ARCHIVE.rglob("*.md")):
        days.extend(parse_digests(path.read_text(encoding="utf-8"), source=str(path)))
    return tuple(sorted(days, key=lambda day: day.date))


@cache
def expected_papers() -> dict[str, ExpectedPaper]:
    merged: dict[str, dict] = {}
    for day in parsed_days():  # oldest first: a later day's text wins
        for row in day.papers:
            paper = merged.setdefault(
                row.key,
                {"tags": [], "days": set(), "github": [], "hf": []},
            )
            paper.update(title=row.title, authors=row.authors)
            paper["days"].add(day.date)
            for name, values in (
                ("tags", row.tags),
                ("github", row.github_urls),
                ("hf", row.huggingface_urls),
            ):
                paper[name].extend(v for v in values if v not in paper[name])
    return {
        key: ExpectedPaper(
            key=key,
            title=paper["title"],
            authors=paper["authors"],
            tags=frozenset(paper["tags"]),
            days=frozenset(paper["days"]),
            github_urls=tuple(paper["github"]),
            huggingface_urls=tuple(paper["hf"]),
        )
        for key, paper in merged.items()
    }


def load_corpus() -> dict[str, ExpectedPaper]:
    load_digests(parsed_days())
    return expected_papers()


def corpus_for_module(django_db_blocker) -> Iterator[dict[str, ExpectedPaper]]:
    """Load the corpus once for a test module, inside a transaction rolled back after.

    Use from a module-scoped fixture; each test's own `db` transaction then nests in
    this one as a savepoint, so tests still cannot see each other's writes.
    """
    atomic = transaction.atomic()
    # Database access is unblocked only while loading and rolling back, so tests of
    # the module without the `db` fixture still cannot touch the database.
    with django_db_blocker.unblock():
        atomic.__enter__()
        papers = load_corpus()
    try:
        yield papers
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def keys(papers) -> set[str]:
    return {paper.key for paper in papers}
