"""What stays true after a hand edit, kept by model and manager methods (papers.models)
that the admin calls: digest dates follow the appearances, an appearance copies its
day's date, fields changed by hand are marked for imports, the data version moves."""

import datetime

import pytest

from papers.browse.version import current_version
from papers.models import Appearance, Author, Authorship, Digest, Paper
from tests.factories import DigestFactory, PaperFactory

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2025, 3, 10)
APRIL = datetime.date(2025, 4, 2)
MAY = datetime.date(2025, 5, 1)


def dates(paper: Paper) -> tuple[datetime.date | None, datetime.date | None]:
    paper.refresh_from_db()
    return paper.first_digest_date, paper.last_digest_date


def test_saving_appearances_by_hand_copies_the_day_and_refreshes_the_dates():
    paper = PaperFactory(days=[MARCH, APRIL])
    may = DigestFactory(date=MAY)
    march = paper.appearances.get(date=MARCH)
    added = Appearance(paper=paper, digest=may, date=MARCH, position=3)
    before = current_version()

    Appearance.objects.save_by_hand([added], deleted=[march])

    assert paper.appearances.get(digest=may).date == MAY  # not the date given
    assert dates(paper) == (APRIL, MAY)
    assert current_version() != before


def test_deleting_appearances_or_days_keeps_the_dates():
    paper = PaperFactory(days=[MARCH, APRIL, MAY])
    other = PaperFactory(days=[MAY])

    paper.appearances.filter(date=APRIL).delete_keeping_dates()
    assert dates(paper) == (MARCH, MAY)

    Digest.objects.filter(date=MAY).delete_keeping_dates()
    assert dates(paper) == (MARCH, MARCH)
    assert dates(other) == (None, None)


def test_dates_are_refreshed_for_more_papers_than_one_query_takes(monkeypatch):
    monkeypatch.setattr("papers.models.ID_BATCH", 2)
    papers = [PaperFactory(days=[MARCH]) for _ in range(5)]
    Paper.objects.update(first_digest_date=None, last_digest_date=None)

    Paper.objects.refresh_digest_dates_of(paper.pk for paper in papers)

    assert all(dates(paper) == (MARCH, MARCH) for paper in papers)


def test_marking_edits_adds_each_field_once_and_forgetting_clears_them():
    marked = PaperFactory(edited_fields=["title"])
    plain = PaperFactory()

    changed = Paper.objects.all().mark_edited("title", "authors")
    again = Paper.objects.all().mark_edited("title", "authors")

    assert (changed, again) == (2, 0)
    marked.refresh_from_db()
    plain.refresh_from_db()
    assert marked.edited_fields == ["title", "authors"]
    assert plain.edited_fields == ["title", "authors"]
    assert Paper.objects.filter(pk=plain.pk).forget_edits() == 1
    plain.refresh_from_db()
    assert plain.edited_fields == []


def test_a_hand_edit_records_only_fields_an_import_writes():
    paper = PaperFactory()

    paper.record_hand_edits(["title", "key", "title", "tags"])

    assert paper.edited_fields == ["title", "tags"]
    paper.refresh_from_db()
    assert paper.edited_fields == ["title", "tags"]


def test_renaming_an_author_by_hand_protects_their_papers_author_lists():
    theirs = PaperFactory(authors=["Ada Lovelace", "Alan Turing"])
    others = PaperFactory(authors=["Grace Hopper"])

    Author.objects.get(name="Ada Lovelace").renamed_by_hand()

    theirs.refresh_from_db()
    others.refresh_from_db()
    assert (theirs.edited_fields, others.edited_fields) == (["authors"], [])


def test_deleting_authorships_by_hand_marks_the_author_lists_edited():
    paper = PaperFactory(authors=["Ada Lovelace", "Alan Turing"])

    Authorship.objects.filter(paper=paper, position=2).delete_by_hand()

    paper.refresh_from_db()
    assert paper.edited_fields == ["authors"]
    assert list(paper.authorships.values_list("author__name", flat=True)) == [
        "Ada Lovelace"
    ]
