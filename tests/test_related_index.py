"""The paper page scores the papers sharing authors and tags in the browse index
(papers.related.linked_in_index): the same papers, counts and order as the query of
papers.related.related_to, which stays for papers the index does not hold yet."""

import datetime
import random
import re

import pytest

from papers import related
from papers.browse.index import FacetIndex, facet_index, forget_indexes
from papers.models import Paper
from papers.related import LINK_CANDIDATES, linked_in_index, related_to
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 3, 1)
AUTHORS = [f"Author {n}" for n in range(12)]
TAGS = ["Robotics", "Vision", "Speech", "Agents", "Theory"]


@pytest.fixture
def archive() -> list[Paper]:
    """Papers with a few of a small pool of authors and tags, on zero to three
    days: many share something, many tie on scores and days, and some have no
    digest day at all (no last digest date to order by)."""
    rng = random.Random(11)
    return [
        PaperFactory(
            authors=rng.sample(AUTHORS, rng.randint(0, 3)),
            tags=rng.sample(TAGS, rng.randint(0, 3)),
            days=[
                START + datetime.timedelta(offset)
                for offset in rng.sample(range(10), rng.randint(0, 3))
            ],
        )
        for _ in range(70)
    ]


def in_query(paper: Paper, limit: int) -> list[tuple[int, int, int]]:
    return [
        (other.pk, other.shared_authors, other.shared_tags)
        for other in related_to(paper, limit=limit)
    ]


@pytest.mark.parametrize("tag_candidates", [related.TAG_CANDIDATES, 6])
def test_the_index_finds_what_the_query_finds_in_the_same_order(
    archive, monkeypatch, tag_candidates
):
    # With 6, the papers sharing only a tag are cut to the newest 6 carrying one.
    monkeypatch.setattr(related, "TAG_CANDIDATES", tag_candidates)
    index = facet_index()

    for paper in archive:
        for limit in (LINK_CANDIDATES, 3):
            assert linked_in_index(paper.pk, index, limit=limit) == in_query(
                paper, limit
            ), paper


def test_the_archive_exercises_ties_missing_days_and_the_tag_cut(archive):
    """Guards against a fixture change that would make the comparison trivial."""
    undated = Paper.objects.filter(last_digest_date__isnull=True).count()
    assert 0 < undated < len(archive)
    most_tagged = max(
        Paper.objects.filter(tags__in=paper.tags.all()).distinct().count()
        for paper in archive
    )
    assert most_tagged > 6 + 1
    scores = [other.score for other in related_to(archive[0], limit=100)]
    assert len(scores) != len(set(scores))


def test_a_paper_newer_than_the_index_is_related_by_the_query(archive):
    index = facet_index()
    newer = PaperFactory(authors=AUTHORS[:2], tags=TAGS[:1], days=[START])

    assert linked_in_index(newer.pk, index, limit=LINK_CANDIDATES) is None
    linked = related._linked(newer, Paper.objects.all(), index)
    assert [
        (pk, other.shared_authors, other.shared_tags) for pk, other in linked.items()
    ] == in_query(newer, LINK_CANDIDATES)
    assert linked


def test_a_paper_deleted_since_the_index_was_built_is_left_out(archive):
    index = facet_index()
    paper = Paper.objects.get(pk=archive[0].pk)
    [(first, _, _), *_] = linked_in_index(paper.pk, index, limit=LINK_CANDIDATES)
    Paper.objects.filter(pk=first).delete()

    linked = related._linked(paper, Paper.objects.all(), index)

    assert first not in linked
    assert (
        len(linked) == len(linked_in_index(paper.pk, index, limit=LINK_CANDIDATES)) - 1
    )


def test_the_paper_page_does_not_run_the_query_when_the_index_holds_the_paper(
    client, archive, monkeypatch
):
    facet_index()
    paper = max(archive, key=lambda each: len(in_query(each, LINK_CANDIDATES)))

    def no_query(*args, **kwargs):
        pytest.fail("related_to's query ran")

    monkeypatch.setattr(related, "related_to", no_query)
    html = client.get(paper.get_absolute_url()).text

    section = html[html.index('id="related-heading"') :]
    listed = re.findall(r'<li>\s*<a href="(/papers/[^"]+)"', section)
    expected = related.related_papers(paper)
    assert listed == [item.paper.get_absolute_url() for item in expected]
    assert any(item.shared_authors for item in expected)


def test_an_index_without_links_relates_nothing():
    paper = PaperFactory(days=[START])
    index = FacetIndex.build()

    assert linked_in_index(paper.pk, index, limit=LINK_CANDIDATES) == []


def test_a_process_without_an_index_relates_by_the_query_and_builds_none(
    client, archive, monkeypatch
):
    """A paper page does not wait for a process's first index (seconds at a
    million papers): it runs the query, and leaves the build to list pages."""
    forget_indexes()
    paper = max(archive, key=lambda each: len(in_query(each, LINK_CANDIDATES)))
    monkeypatch.setattr(
        FacetIndex, "build", lambda **kwargs: pytest.fail("built an index")
    )

    html = client.get(paper.get_absolute_url()).text

    section = html[html.index('id="related-heading"') :]
    listed = re.findall(r'<li>\s*<a href="(/papers/[^"]+)"', section)
    assert listed == [
        item.paper.get_absolute_url() for item in related.related_papers(paper)
    ]
    assert listed
