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
