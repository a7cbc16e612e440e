"""A file larger than a batch is written in short transactions, yet readers see its
papers all at once or not at all (papers.importer.staging)."""

import dataclasses
import datetime
import re

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from papers.browse.index import FacetIndex
from papers.browse.version import bump_data_version
from papers.importer import loader, pacing, staging
from papers.importer.files import DigestFile
from papers.importer.loader import import_files, load_digest, load_files
from papers.models import (
    Appearance,
    Author,
    Authorship,
    Digest,
    ImportStage,
    Paper,
    Tag,
)
from tests.factories import PaperRecordFactory, digest_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stage_on_every_database(monkeypatch):
    """PostgreSQL writes a large file whole by default (loader.STAGED_DATABASES);
    the stages must still work there."""
    monkeypatch.setattr(loader, "STAGED_DATABASES", ("sqlite", "postgresql"))


DAY = datetime.date(2025, 3, 10)
NEXT_DAY = datetime.date(2025, 3, 11)
CSRF_TOKEN = re.compile(r"[A-Za-z0-9]{64}")


def every_row() -> dict[str, int]:
    """Rows per table, hidden ones included."""
    models = [Paper, Author, Authorship, Tag, Paper.tags.through, Digest, Appearance]
    return {model.__name__: model._base_manager.count() for model in models}


def stored_file(rows: int) -> tuple[list, DigestFile]:
    """A stored day with one paper, and a file that adds `rows` new papers to it
    and to a new day, and a new tag to the stored paper."""
    stored = PaperRecordFactory(authors=("Grace Hopper",), tags=("Robotics",))
    load_digest(digest_record(DAY, [stored]))
    new = [
        PaperRecordFactory(authors=(f"Author {n}", "Grace Hopper"), tags=(f"Tag {n}",))
        for n in range(rows)
    ]
    again = dataclasses.replace(stored, tags=("Robotics", "Planning"))
    records = [
        digest_record(DAY, [again, *new[:2]], source="big.md"),
        digest_record(NEXT_DAY, new, source="big.md"),
    ]
    return [stored, *new], DigestFile("big.md", records=records, sha256="ab" * 32)


def page(client, url: str) -> str:
    """A page's text without its CSRF token, which is masked anew each time."""
    return CSRF_TOKEN.sub("", client.get(url).content.decode())


def watch_hidden_writes(monkeypatch, look):
    """Call `look()` after each short transaction of a staged file."""
    original = loader._write_hidden

    def write_then_look(*args, **kwargs):
        original(*args, **kwargs)
        look()

    monkeypatch.setattr(loader, "_write_hidden", write_then_look)


def test_a_file_larger_than_a_batch_is_written_in_short_transactions(monkeypatch):
    rows, file = stored_file(5)
    renewed = []
    original_renew = staging.renew
    monkeypatch.setattr(
        staging, "renew", lambda stage: (renewed.append(stage), original_renew(stage))
    )

    [stats] = load_files([file], batch_papers=2)

    # The new day, then the 5 new papers 2 at a time, each its own transaction.
    assert len(renewed) == 1 + 3
    assert stats.new_papers == 5
    assert stats.changed_papers == 1  # the stored paper, which gained a tag
    assert Paper.objects.count() == 6
    assert ImportStage.objects.count() == 0
    stored = Paper.objects.get(key=rows[0].key)
    assert set(stored.tags.values_list("name", flat=True)) == {"Robotics", "Planning"}
    assert Appearance.objects.filter(date=NEXT_DAY).count() == 5
    assert list(
        Appearance.objects.filter(date=DAY)
        .order_by("position")
        .values_list("paper__key", flat=True)
    ) == [rows[0].key, rows[1].key, rows[2].key]
    assert Digest.objects.get(date=NEXT_DAY).source == "big.md"
    assert Paper.objects.get(key=rows[3].key).author_names == [
        "Author 2",
        "Grace Hopper",
    ]


def test_readers_see_none_of_a_staged_file_until_its_last_transaction(
    client, monkeypatch
):
    rows, file = stored_file(5)
    staged_key = rows[-1].key
    pages = {
        "list": reverse("papers:list"),
        "by title": reverse("papers:list") + "?sort=title",
        "oldest": reverse("papers:list") + "?sort=oldest",
        "search": reverse("papers:list") + f"?q={rows[-1].arxiv_id}",
        "archive": reverse("papers:archive"),
        "author": reverse(
            "papers:author", args=[Author.objects.get(name="Grace Hopper").pk]
        ),
        "api": reverse("papers:api-list"),
        "feed": reverse("papers:feed", args=["atom"]),
    }
    before = {name: page(client, url) for name, url in pages.items()}
    looks = []

    def look():
        looks.append(1)
        assert Paper.objects.count() == 1
        assert not Paper.objects.filter(key=staged_key).exists()
        assert not Digest.objects.filter(date=NEXT_DAY).exists()
        assert Appearance.objects.count() == 1
        index = FacetIndex.build()
        assert len(index.paper_ids) == 1
        # The sort orders are read from every paper, and the hidden ones left out.
        assert all(len(order) == 1 for order in index.orders.values())
        assert all(len(position) == 1 for position in index.positions.values())
        detail = reverse("papers:detail", kwargs={"key": staged_key})
        assert client.get(detail).status_code == 404
        day = reverse("papers:day", kwargs={"day": NEXT_DAY.isoformat()})
        assert client.get(day).status_code == 404
        for name, url in pages.items():
            assert page(client, url) == before[name], name

    watch_hidden_writes(monkeypatch, look)
    load_files([file], batch_papers=2)

    assert len(looks) == 4
    assert Paper.objects.count() == 6
    assert page(client, pages["search"]) != before["search"]
    author_page = page(client, pages["author"])
    assert "6 papers in the digests" in author_page


def test_a_staged_file_that_fails_leaves_no_row_behind(monkeypatch):
    rows, file = stored_file(5)
    before = every_row()
    parts = []
    original = loader._write_hidden

    def fail_on_the_third(*args, **kwargs):
        parts.append(1)
        if len(parts) == 3:
            raise DatabaseError("disk full")
        original(*args, **kwargs)

    monkeypatch.setattr(loader, "_write_hidden", fail_on_the_third)

    [stats] = load_files([file], batch_papers=2)

    assert stats is None
    assert "big.md: the database refused the import: disk full" in file.error
    # The papers, days, appearances, authors and tags its first parts wrote are gone.
    assert every_row() == before
    assert ImportStage.objects.count() == 0


def test_a_staged_file_keeps_an_admin_edit_made_while_it_was_written(monkeypatch):
    rows, file = stored_file(3)
    edits = []

    def admin_edits_the_stored_paper():
        if not edits:
            paper = Paper.objects.get(key=rows[0].key)
            paper.title = "Title fixed by hand"
            paper.save()
            paper.record_hand_edits(["title"])
            edits.append(paper.pk)

    watch_hidden_writes(monkeypatch, admin_edits_the_stored_paper)
    [stats] = load_files([file], batch_papers=2)

    assert stats.new_papers == 3
    assert Paper.objects.count() == 4
    stored = Paper.objects.get(key=rows[0].key)
    assert stored.title == "Title fixed by hand"
    assert "Planning" in stored.tag_names


def empty_inlines(prefix: str) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": 0,
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def test_an_admin_adding_what_a_stage_holds_gets_a_form_error(
    admin_client, monkeypatch
):
    """The stage's rows are hidden, yet the database holds their keys: the admin's
    form must say so, where the database would refuse the save."""
    rows, file = stored_file(3)
    staged = rows[1]  # in the first part of papers
    writes, answers = [], []

    def admin_adds_the_staged_paper_and_day():
        writes.append(1)
        if len(writes) != 2:  # after the days, then the first part of papers
            return
        paper = admin_client.post(
            reverse("admin:papers_paper_add"),
            {
                "key": staged.key,
                "arxiv_id": staged.arxiv_id,
                "title": "Added by hand",
                "github_urls": "[]",
                "huggingface_urls": "[]",
                "initial-github_urls": "[]",
                "initial-huggingface_urls": "[]",
                **empty_inlines("authorships"),
                **empty_inlines("appearances"),
            },
        )
        day = admin_client.post(
            reverse("admin:papers_digest_add"), {"date": NEXT_DAY.isoformat()}
        )
        answers.extend([paper, day])

    watch_hidden_writes(monkeypatch, admin_adds_the_staged_paper_and_day)
    [stats] = load_files([file], batch_papers=2)

    paper, day = answers
    assert paper.status_code == 200
    errors = paper.context["adminform"].form.errors
    assert errors["key"] == ["Paper with this Key already exists."]
    assert "arxiv_id" in str(errors)
    assert day.status_code == 200
    assert "date" in day.context["adminform"].form.errors
    # The import went on and published its own rows.
    assert stats.new_papers == 3
    assert Paper.objects.get(key=staged.key).title == staged.title
    assert Digest.objects.filter(date=NEXT_DAY).count() == 1


def stopped_before_publishing(monkeypatch, file: DigestFile) -> int:
    """Write `file` staged but stop before its last transaction, as an import that
    is still running, or was killed, leaves it: its stage open, its rows hidden.
    Its stage."""

    def stopped(*args, **kwargs):
        raise SystemExit(9)

    with monkeypatch.context() as patched:
        patched.setattr(loader, "_commit", stopped)
        patched.setattr(staging, "discard", lambda *args, **kwargs: None)
        with pytest.raises(SystemExit):
            load_files([file], batch_papers=2)
    (stage,) = ImportStage.objects.values_list("pk", flat=True)
    return stage


def test_an_import_discards_what_a_killed_import_left_hidden(monkeypatch):
    rows, file = stored_file(5)
    before = every_row()

    # Killed before its last transaction: nothing ran to take its rows back.
    stopped_before_publishing(monkeypatch, file)

    assert every_row()["Paper"] == before["Paper"] + 5
    assert Paper.objects.count() == 1  # hidden

    # A live stage (another import still running) is left alone...
    import_files([])
    assert every_row()["Paper"] == before["Paper"] + 5
    # ...one past its lease is taken back by the next import.
    ImportStage.objects.update(alive_until=timezone.now() - datetime.timedelta(1))
    import_files([])
    assert every_row()["Paper"] == before["Paper"]
    assert every_row()["Digest"] == before["Digest"]
    assert ImportStage.objects.count() == 0


def second_import(rows) -> DigestFile:
    """A small file naming one of the first import's hidden papers on its hidden
    day, and a paper of its own."""
    return DigestFile(
        "second.md",
        records=[digest_record(NEXT_DAY, [rows[3], PaperRecordFactory()])],
    )


@pytest.mark.parametrize("first_import", ["fails", "publishes"])
def test_a_second_import_waits_for_the_stage_holding_its_papers(
    monkeypatch, first_import
):
    rows, file = stored_file(5)
    stage = stopped_before_publishing(monkeypatch, file)
    waits = []

    def first_import_ends():
        if first_import == "fails":
            staging.discard(stage)
        else:
            with transaction.atomic():
                staging.publish(stage)
                bump_data_version()

    monkeypatch.setattr(
        staging, "pause", lambda: (waits.append(stage), first_import_ends())
    )

    [stats] = load_files([second_import(rows)])
    if ImportStage.objects.exists():  # the second import did not wait for it
        first_import_ends()

    shared = Paper.objects.filter(key=rows[3].key).first()
    assert shared is not None
    assert Appearance.objects.filter(paper=shared, date=NEXT_DAY).exists()
    if first_import == "fails":
        # Its paper was the first import's, which took it back: now it is its own.
        assert stats.new_papers == 2
        assert Paper.objects.count() == 1 + 2
    else:
        assert stats.new_papers == 1 and stats.papers_as_stored == 1
        assert Paper.objects.count() == 1 + 5 + 1
    assert waits == [stage]


def test_a_second_import_takes_back_a_killed_imports_stage_before_writing(
    monkeypatch,
):
    rows, file = stored_file(5)
    stopped_before_publishing(monkeypatch, file)
    ImportStage.objects.update(alive_until=timezone.now() - datetime.timedelta(1))
    monkeypatch.setattr(staging, "pause", lambda: pytest.fail("waited for a dead one"))

    # Not through import_files, which would discard the stage before anything.
    [stats] = load_files([second_import(rows)])

    assert stats.new_papers == 2
    assert ImportStage.objects.count() == 0
    assert Paper.objects.count() == 1 + 2


def test_a_staged_file_is_planned_again_when_another_import_creates_its_papers(
    monkeypatch,
):
    rows, file = stored_file(5)
    later = rows[-1]  # in the last part of new papers
    other_day = datetime.date(2025, 3, 12)
    others = []

    def another_import_creates_a_paper_of_a_later_part():
        if not others:
            small = DigestFile("small.md", records=[digest_record(other_day, [later])])
            others.append(load_files([small]))

    watch_hidden_writes(monkeypatch, another_import_creates_a_paper_of_a_later_part)
    [stats] = load_files([file], batch_papers=2)

    [[small]] = others
    assert small.new_papers == 1  # the paper the staged file was about to write
    assert file.ok, file.error
    assert stats.new_papers == 4 and stats.changed_papers == 2
    assert Paper.objects.count() == 1 + 5
    dates = Appearance.objects.filter(paper__key=later.key).values_list(
        "date", flat=True
    )
    assert sorted(dates) == [NEXT_DAY, other_day]
    assert ImportStage.objects.count() == 0


def test_a_file_within_a_batch_is_written_in_one_transaction(monkeypatch):
    rows, file = stored_file(1)
    monkeypatch.setattr(
        staging, "open_stage", lambda source: pytest.fail("staged a small file")
    )

    [stats] = load_files([file], batch_papers=10)

    assert stats.new_papers == 1
    assert Paper.objects.count() == 2


def test_a_day_file_larger_than_a_batch_but_within_a_part_is_not_staged(monkeypatch):
    """Under load batches shrink to 20 papers, but a day file of 30 is written whole:
    staging it would cost three more transactions."""
    monkeypatch.setattr(pacing, "FIRST_BATCH_PAPERS", 20)
    monkeypatch.setattr(
        staging, "open_stage", lambda source: pytest.fail("staged a day file")
    )
    rows = [PaperRecordFactory() for _ in range(30)]
    file = DigestFile("day.md", records=[digest_record(DAY, rows)])
    assert pacing.Pace().papers == 20

    [stats] = load_files([file])

    assert stats.new_papers == 30
