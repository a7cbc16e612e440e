"""The full-text index merged after an import, in short steps (papers.search_index)."""

import pytest
from django.core.management import call_command
from django.db import connection

from papers import search_index
from papers.models import Paper
from papers.search import search_papers
from tests.digests import Row, write_digest
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="FTS5 segments are SQLite's"
)


def matches(query: str) -> list[int]:
    return sorted(
        search_papers(Paper.objects.all(), query).values_list("pk", flat=True)
    )


@sqlite_only
def test_compaction_leaves_one_segment_and_the_same_matches():
    # Each paper is written in a transaction of its own: a segment each.
    for n in range(12):
        PaperFactory(title=f"Diffusion model {n}", summary="- Reward shaping.")
    assert search_index.segments() > 1
    before = matches("diffusion reward")
    steps_done = []
    compaction = search_index.compact(after_step=lambda: steps_done.append(True))
    assert search_index.segments() == 1
    assert matches("diffusion reward") == before and len(before) == 12
    assert compaction.steps >= 2
    # Called after each step that merged (the importer checkpoints there); the last
    # step found nothing left.
    assert len(steps_done) == compaction.steps - 1
    assert search_index.compact().steps == 1  # nothing left to merge


def test_an_import_merges_the_search_index(tmp_path):
    for day in range(1, 4):
        rows = [Row(f"2503.{day:02d}{n:03d}", title=f"Diffusion {n}") for n in range(4)]
        write_digest(tmp_path, f"2025-03-0{day}.md", f"2025-03-0{day}", *rows)
    call_command("import_digest", str(tmp_path), verbosity=0)
    assert search_index.segments() == 1
    assert len(matches("diffusion")) == 12


def long_summary(n: int) -> str:
    return f"- Paper {n} studies " + " ".join(f"word{n}x{k}" for k in range(40)) + "."


@sqlite_only
def test_a_small_import_leaves_the_large_segment_as_it_is(tmp_path):
    # A first import: its segments are merged whole, into one large one.
    rows = [Row(f"2503.{n:05d}", summary=long_summary(n)) for n in range(300)]
    write_digest(tmp_path, "2025-03-01.md", "2025-03-01", *rows)
    call_command("import_digest", str(tmp_path), verbosity=0)
    [(large, pages)] = search_index.segment_pages().items()
    assert pages > 4 / search_index.WHOLE_MERGE_SHARE

    # The next days' papers, each a small segment of its own: merged with each
    # other once enough of one size pile up, never with the large segment.
    for n in range(search_index.USERMERGE):
        PaperFactory(title=f"Diffusion {n}", summary="- Reward shaping.")
    assert len(search_index.segment_pages()) == 1 + search_index.USERMERGE
    compaction = search_index.compact()

    assert not compaction.whole and compaction.steps >= 2
    sizes = search_index.segment_pages()
    assert len(sizes) == 2 and sizes[large] == pages
    assert len(matches("diffusion")) == search_index.USERMERGE
    assert len(matches("word7x3")) == 1


@sqlite_only
def test_small_segments_adding_up_are_merged_whole():
    # Twelve small segments of about one size: none holds most of the index.
    for n in range(12):
        PaperFactory(title=f"Diffusion model {n}", summary=long_summary(n))
    compaction = search_index.compact()
    assert compaction.whole and search_index.segments() == 1
    assert len(matches("diffusion")) == 12
