import dataclasses
import datetime
import sqlite3

import pytest
from django.db import connection

from papers.importer.files import DigestFile
from papers.importer.loader import (
    ImportStats,
    import_files,
    load_digest,
    load_digests,
    load_file,
    load_files,
)
from papers.importer.records import DataWarning
from papers.models import Appearance, Author, Authorship, Digest, Paper, Tag
from tests.factories import PaperFactory, PaperRecordFactory, TagFactory, digest_record

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 10)
NEXT_DAY = datetime.date(2025, 3, 11)
EARLIER_DAY = datetime.date(2025, 3, 3)

# Queries for one day, whatever its length: the loader writes in bulk. One of them
# bumps the browse engine's data version inside the write transaction; on SQLite,
# fifteen find, drop and restore the seven search triggers (writer.py).
QUERIES_PER_DAY = 40


def authors_of(paper: Paper) -> list[str]:
    return list(
        paper.authorships.order_by("position").values_list("author__name", flat=True)
    )


def tags_of(paper: Paper) -> set[str]:
    return set(paper.tags.values_list("name", flat=True))


def days_of(paper: Paper) -> list[tuple[datetime.date, int]]:
    return list(paper.appearances.order_by("date").values_list("date", "position"))


def day_keys(date: datetime.date) -> list[str]:
    return list(
        Appearance.objects.filter(date=date)
        .order_by("position")
        .values_list("paper__key", flat=True)
    )


def day_positions(date: datetime.date) -> list[int]:
    return list(
        Appearance.objects.filter(date=date)
        .order_by("position")
        .values_list("position", flat=True)
    )


def row_counts() -> dict[str, int]:
    models = [Paper, Author, Authorship, Tag, Paper.tags.through, Digest, Appearance]
    return {model.__name__: model.objects.count() for model in models}


def test_loading_a_day_stores_papers_authors_tags_links_and_appearances():
    row = PaperRecordFactory(
        key="2503.07365",
        title="MM-Eureka",
        authors=("Fanqing Meng", "Lingxiao Du"),
        tags=("Multimodal", "Reinforcement Learning"),
        github_urls=("https://github.com/ModalMinds/MM-EUREKA",),
        huggingface_urls=("https://huggingface.co/datasets/FanqingM/MM-Eureka",),
    )

    stats = load_digest(digest_record(DAY, [row, PaperRecordFactory()]))

    assert (stats.created, stats.updated, stats.unchanged, stats.days) == (2, 0, 0, 1)
    paper = Paper.objects.get(key="2503.07365")
    assert paper.arxiv_id == "2503.07365"
    assert paper.title == "MM-Eureka"
    assert authors_of(paper) == ["Fanqing Meng", "Lingxiao Du"]
    assert tags_of(paper) == {"Multimodal", "Reinforcement Learning"}
    assert Tag.objects.get(name="Reinforcement Learning").slug == (
        "reinforcement-learning"
    )
    assert paper.github_urls == ["https://github.com/ModalMinds/MM-EUREKA"]
    assert paper.has_code and paper.has_hf
    assert days_of(paper) == [(DAY, 1)]
    assert (paper.first_digest_date, paper.last_digest_date) == (DAY, DAY)
    assert Digest.objects.get(date=DAY).source == "digest.md"


def test_reimporting_a_digest_changes_nothing():
    record = digest_record(
        DAY,
        [PaperRecordFactory(github_urls=("https://github.com/a/b",)) for _ in range(3)],
    )
    load_digest(record)
    before = row_counts()
    stamps = dict(Paper.objects.values_list("key", "updated_at"))
    imported_at = Digest.objects.get().imported_at

    stats = load_digest(record)

    assert (stats.created, stats.updated, stats.unchanged) == (0, 0, 3)
    assert row_counts() == before
    assert dict(Paper.objects.values_list("key", "updated_at")) == stamps
    assert Digest.objects.get().imported_at == imported_at


def test_query_count_is_the_same_for_a_short_and_a_long_day(
    django_assert_max_num_queries,
):
    short = digest_record(DAY, [PaperRecordFactory()])
    long = digest_record(
        NEXT_DAY,
        [
            PaperRecordFactory(
                authors=(f"Author {n}", f"Author {n + 1}"), tags=(f"T{n}",)
            )
            for n in range(30)
        ],
    )
    with django_assert_max_num_queries(QUERIES_PER_DAY):
        load_digest(short)
    with django_assert_max_num_queries(QUERIES_PER_DAY):
        load_digest(long)

    # A re-import that changes every paper writes in bulk too.
    changed = digest_record(
        NEXT_DAY,
        [
            dataclasses.replace(row, title=row.title + "!", authors=("Someone Else",))
            for row in reversed(long.papers)
        ]
        + [PaperRecordFactory()],
    )
    with django_assert_max_num_queries(QUERIES_PER_DAY):
        stats = load_digest(changed, overwrite=True)
    assert (stats.created, stats.updated) == (1, 30)


def test_a_later_day_adds_its_appearance_and_merges_tags_and_links():
    first = PaperRecordFactory(
        tags=("Multimodal",),
        github_urls=("https://github.com/a/one",),
        huggingface_urls=(),
    )
    load_digest(digest_record(DAY, [PaperRecordFactory(), first]))
    later = dataclasses.replace(
        first,
        tags=("Robotics", "Multimodal"),
        github_urls=("https://github.com/a/two", "https://github.com/a/one"),
        huggingface_urls=("https://huggingface.co/a/model",),
    )

    stats = load_digest(digest_record(NEXT_DAY, [later]))

    assert (stats.created, stats.updated, stats.unchanged) == (0, 1, 0)
    paper = Paper.objects.get(key=first.key)
    assert days_of(paper) == [(DAY, 2), (NEXT_DAY, 1)]
    assert (paper.first_digest_date, paper.last_digest_date) == (DAY, NEXT_DAY)
    assert tags_of(paper) == {"Multimodal", "Robotics"}
    assert paper.github_urls == ["https://github.com/a/one", "https://github.com/a/two"]
    assert paper.huggingface_urls == ["https://huggingface.co/a/model"]
    assert paper.has_hf


def test_the_newest_day_sets_title_summary_and_authors():
    row = PaperRecordFactory(title="Old title", authors=("A", "B"))
    load_digest(digest_record(DAY, [row]))
    newer = dataclasses.replace(
        row, title="New title", summary="New summary", authors=("B", "C")
    )

    load_digest(digest_record(NEXT_DAY, [newer]))

    paper = Paper.objects.get(key=row.key)
    assert (paper.title, paper.summary) == ("New title", "New summary")
    assert authors_of(paper) == ["B", "C"]


def test_an_older_day_imported_later_adds_its_day_but_keeps_the_newer_values():
    row = PaperRecordFactory(title="Current title", authors=("A",), tags=("New",))
    load_digest(digest_record(NEXT_DAY, [row]))
    older = dataclasses.replace(row, title="Older title", authors=("Z",), tags=("Old",))

    stats = load_digest(digest_record(EARLIER_DAY, [older]))

    assert stats.updated == 1
    paper = Paper.objects.get(key=row.key)
    assert paper.title == "Current title"
    assert authors_of(paper) == ["A"]
    assert tags_of(paper) == {"New", "Old"}
    assert (paper.first_digest_date, paper.last_digest_date) == (EARLIER_DAY, NEXT_DAY)
    # Re-importing either day now changes nothing.
    assert load_digest(digest_record(NEXT_DAY, [row])).unchanged == 1
    assert load_digest(digest_record(EARLIER_DAY, [older])).unchanged == 1


def test_fields_edited_in_the_admin_survive_a_reimport():
    row = PaperRecordFactory(title="Digest title", authors=("A",), tags=("Wrong",))
    load_digest(digest_record(DAY, [row]))
    paper = Paper.objects.get(key=row.key)
    paper.title = "Fixed title"
    paper.edited_fields = ["title", "tags"]
    paper.save()
    paper.tags.clear()
    changed = dataclasses.replace(row, summary="A newer summary", authors=("A", "B"))

    stats = load_digest(digest_record(NEXT_DAY, [changed]))

    assert stats.updated == 1
    paper.refresh_from_db()
    assert paper.title == "Fixed title"
    assert tags_of(paper) == set()
    assert paper.summary == "A newer summary"
    assert authors_of(paper) == ["A", "B"]
    assert paper.edited_fields == ["title", "tags"]


def test_overwrite_replaces_edited_and_newer_values_and_clears_edited_fields():
    row = PaperRecordFactory(title="Digest title", authors=("A",))
    load_digest(digest_record(NEXT_DAY, [row]))
    Paper.objects.filter(key=row.key).update(
        title="Fixed title", edited_fields=["title"]
    )
    older = dataclasses.replace(row, title="Older title", authors=("Z",))

    load_digest(digest_record(EARLIER_DAY, [older]), overwrite=True)

    paper = Paper.objects.get(key=row.key)
    assert paper.title == "Older title"
    assert authors_of(paper) == ["Z"]
    assert paper.edited_fields == []


def test_a_reimport_adds_to_a_day_and_keeps_stored_positions():
    first, second, third = (PaperRecordFactory() for _ in range(3))
    load_digest(digest_record(DAY, [first, second]))

    stats = load_digest(digest_record(DAY, [third, second]))

    assert (stats.created, stats.updated, stats.unchanged, stats.removed) == (
        1,
        0,
        1,
        0,
    )
    assert day_keys(DAY) == [first.key, second.key, third.key]
    assert day_positions(DAY) == [1, 2, 3]
    again = load_digest(digest_record(DAY, [third, second]))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_known_paper_new_to_a_day_counts_as_updated():
    row = PaperRecordFactory()
    load_digest(digest_record(EARLIER_DAY, [row]))
    load_digest(digest_record(DAY, [PaperRecordFactory()]))

    stats = load_digest(digest_record(DAY, [row]))

    assert (stats.created, stats.updated) == (0, 1)
    assert days_of(Paper.objects.get(key=row.key)) == [(EARLIER_DAY, 1), (DAY, 2)]


def test_overwrite_with_a_shorter_day_drops_the_papers_it_leaves_out():
    kept, dropped = PaperRecordFactory(), PaperRecordFactory()
    load_digest(digest_record(EARLIER_DAY, [dropped]))
    load_digest(digest_record(DAY, [kept, dropped]))
    assert Paper.objects.get(key=dropped.key).last_digest_date == DAY

    stats = load_digest(digest_record(DAY, [kept]), overwrite=True)

    assert (stats.unchanged, stats.removed) == (1, 1)
    paper = Paper.objects.get(key=dropped.key)
    assert days_of(paper) == [(EARLIER_DAY, 1)]
    assert paper.last_digest_date == EARLIER_DAY
    assert list(
        Appearance.objects.filter(date=DAY).values_list("paper__key", flat=True)
    ) == [kept.key]


def test_a_paper_whose_only_day_is_emptied_keeps_existing_without_dates():
    row = PaperRecordFactory()
    load_digest(digest_record(DAY, [row]))

    load_digest(digest_record(DAY, []), overwrite=True)

    paper = Paper.objects.get(key=row.key)
    assert (paper.first_digest_date, paper.last_digest_date) == (None, None)


def test_positions_follow_the_table_order_only_with_overwrite():
    first, second = PaperRecordFactory(), PaperRecordFactory()
    load_digest(digest_record(DAY, [first, second]))

    plain = load_digest(digest_record(DAY, [second, first]))
    assert (plain.updated, day_keys(DAY)) == (0, [first.key, second.key])

    stats = load_digest(digest_record(DAY, [second, first]), overwrite=True)

    assert stats.updated == 2
    assert day_keys(DAY) == [second.key, first.key]


def test_a_dry_run_writes_nothing_but_reports_what_it_would_do():
    existing = PaperRecordFactory()
    load_digest(digest_record(DAY, [existing]))
    before = row_counts()
    record = digest_record(
        NEXT_DAY, [dataclasses.replace(existing, title="New"), PaperRecordFactory()]
    )

    dry = load_digest(record, dry_run=True)

    assert row_counts() == before
    assert Paper.objects.get(key=existing.key).title != "New"
    assert dry == load_digest(record)


def test_a_file_is_loaded_all_or_nothing():
    PaperFactory(key="url-0123456789abcdef", arxiv_id="2503.99999")
    good = digest_record(DAY, [PaperRecordFactory()])
    # The same arXiv id under another key breaks the unique constraint.
    clash = digest_record(NEXT_DAY, [PaperRecordFactory(key="2503.99999")])
    before = row_counts()
    file = DigestFile("two-days.md", records=[good, clash])

    assert load_file(file) is None

    assert file.error.startswith("two-days.md: the database refused the import")
    assert row_counts() == before


def test_files_load_one_transaction_each_and_a_dry_run_sees_earlier_files():
    row = PaperRecordFactory()
    first = DigestFile("a.md", records=[digest_record(DAY, [row])])
    broken = DigestFile("b.md", error="b.md:3: no table")
    second = DigestFile("c.md", records=[digest_record(NEXT_DAY, [row])])
    seen = []

    dry = load_files(
        [first, broken, second],
        dry_run=True,
        on_loaded=lambda file, stats: seen.append(file.name),
    )

    assert seen == ["a.md", "b.md", "c.md"]
    assert [stats and (stats.created, stats.updated) for stats in dry] == [
        (1, 0),
        None,
        (0, 1),
    ]
    assert not Paper.objects.exists()
    assert load_files([first, broken, second]) == dry
    assert Paper.objects.get().last_digest_date == NEXT_DAY


def test_tags_are_matched_by_slug_and_keep_their_first_spelling():
    TagFactory(name="Text Generation", slug="text-generation")
    row = PaperRecordFactory(tags=("text generation", "Robotics", "robotics"))

    load_digest(digest_record(DAY, [row]))

    assert Tag.objects.count() == 2
    assert tags_of(Paper.objects.get()) == {"Text Generation", "Robotics"}


def test_a_tag_whose_slug_was_edited_is_still_found_by_its_name():
    TagFactory(name="Multimodal", slug="multi-modal")

    load_digest(digest_record(DAY, [PaperRecordFactory(tags=("Multimodal",))]))

    assert Tag.objects.get().slug == "multi-modal"
    assert tags_of(Paper.objects.get()) == {"Multimodal"}


def test_a_paper_listed_twice_in_a_day_is_loaded_once_at_its_first_row():
    # The parser reports the repeat (tests/test_parser.py); the loader keeps the
    # first row without reporting it a second time.
    row = PaperRecordFactory()

    stats = load_digest(digest_record(DAY, [row, dataclasses.replace(row)]))

    assert (stats.created, stats.warnings) == (1, [])
    assert Appearance.objects.get().position == 1


def test_parser_warnings_are_reported_with_their_source_and_line():
    record = digest_record(
        DAY,
        [PaperRecordFactory()],
        source="archive/2025/03/10.md",
        warnings=[
            DataWarning(
                line=7,
                kind="link",
                text="placeholder link in GitHub URLs: https://github.com",
                source="archive/2025/03/10.md",
            )
        ],
    )

    stats = load_digest(record)

    assert [warning.located for warning in stats.warnings] == [
        "archive/2025/03/10.md:7: placeholder link in GitHub URLs: https://github.com"
    ]


def test_several_days_of_one_file_load_in_order():
    row = PaperRecordFactory(title="First")
    later = dataclasses.replace(row, title="Second")

    stats = load_digests([digest_record(DAY, [row]), digest_record(NEXT_DAY, [later])])

    assert (stats.days, stats.created, stats.updated) == (2, 1, 1)
    assert Paper.objects.get().title == "Second"


def test_stats_add_up():
    total = ImportStats(1, 2, 3, 1, 0, ["a"]) + ImportStats(4, 5, 6, 2, 1, ["b"])

    assert total == ImportStats(5, 7, 9, 3, 1, ["a", "b"])
    assert total.papers == 21
    assert sum([ImportStats(created=1), ImportStats(created=2)], ImportStats()) == (
        ImportStats(created=3)
    )


@pytest.fixture
def low_sqlite_variable_limit():
    """The lowest limit SQLite builds ship with (this build may allow more)."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    yield
    connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)


def test_a_day_of_a_thousand_papers_stays_within_sqlites_variable_limit(
    low_sqlite_variable_limit,
):
    rows = [
        PaperRecordFactory(authors=(f"Author {n}", "Shared Author"), tags=(f"T{n}",))
        for n in range(1000)
    ]

    stats = load_digest(digest_record(DAY, rows))
    again = load_digest(digest_record(DAY, list(reversed(rows))), overwrite=True)

    assert stats.created == 1000
    assert again.updated == 1000
    assert Appearance.objects.filter(date=DAY).count() == 1000
    assert Paper.objects.filter(last_digest_date=DAY).count() == 1000


# The search index, kept in bulk by the import and by triggers otherwise ------------


def found(query: str) -> set[str]:
    return set(Paper.objects.search(query).values_list("key", flat=True))


def test_imported_papers_are_found_by_title_summary_author_and_id():
    row = PaperRecordFactory(
        title="Quokka transformers", summary="Wombat tricks", authors=("Ada Zebulon",)
    )

    load_digest(digest_record(DAY, [row, PaperRecordFactory()]))

    for query in ("quokka", "wombat", "Zebulon", row.key):
        assert found(query) == {row.key}, query


def test_a_newer_day_reindexes_the_new_title_and_authors():
    row = PaperRecordFactory(title="Quokka", authors=("Ada Zebulon",))
    load_digest(digest_record(DAY, [row]))

    newer = dataclasses.replace(row, title="Platypus", authors=("Grace Yarrow",))
    load_digest(digest_record(NEXT_DAY, [newer]))

    assert found("Platypus") == found("Yarrow") == {row.key}
    assert found("Quokka") == found("Zebulon") == set()


def test_edits_outside_the_import_still_keep_the_index_in_step():
    row = PaperRecordFactory(authors=("Ada Zebulon",))
    load_digest(digest_record(DAY, [row]))
    paper = Paper.objects.get()

    Authorship.objects.create(
        paper=paper, author=Author.objects.create(name="Grace Yarrow"), position=2
    )
    paper.title = "Platypus"
    paper.save()

    assert found("Yarrow") == found("Platypus") == found("Zebulon") == {row.key}


def test_a_refused_import_leaves_the_search_triggers_on():
    PaperFactory(key="url-0123456789abcdef", arxiv_id="2503.99999")
    clash = digest_record(NEXT_DAY, [PaperRecordFactory(key="2503.99999")])
    assert load_file(DigestFile("bad.md", records=[clash])) is None

    PaperFactory(title="Platypus")

    assert len(found("Platypus")) == 1


def test_the_search_triggers_come_back_after_an_error_the_caller_survives():
    from papers.importer.writer import _search_triggers_off

    # A caller that catches the error and goes on in the same transaction.
    with pytest.raises(ValueError), _search_triggers_off():
        raise ValueError("refused")

    PaperFactory(title="Platypus")

    assert len(found("Platypus")) == 1


def test_indexing_a_paper_is_linear_in_its_authors():
    import time

    row = PaperRecordFactory(authors=tuple(f"Author Z{n}" for n in range(4000)))

    # CPU time, not wall time: a loaded machine delays the test, it does not make
    # quadratic work linear (4,000 authors took 5.8 s of work when it was).
    started = time.process_time()
    load_digest(digest_record(DAY, [row]))

    assert time.process_time() - started < 3
    assert found("Z3999") == {row.key}


def test_a_write_between_planning_and_writing_makes_the_batch_plan_again(monkeypatch):
    from papers.importer import loader

    row = PaperRecordFactory()
    load_digest(digest_record(DAY, [row]))
    planned = []

    def plan_then_someone_deletes(*args, **kwargs):
        planned.append(1)
        if len(planned) == 1:
            # The plan says the paper is stored; then an admin deletes it.
            changes = original_plan(*args, **kwargs)
            Paper.objects.get(key=row.key).delete()
            return changes
        return original_plan(*args, **kwargs)

    original_plan = loader.plan
    monkeypatch.setattr(loader, "plan", plan_then_someone_deletes)

    [stats] = load_files([DigestFile("a.md", records=[digest_record(NEXT_DAY, [row])])])

    assert len(planned) == 2
    assert stats.created == 1
    assert days_of(Paper.objects.get(key=row.key)) == [(NEXT_DAY, 1)]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite locks the whole database"
)
def test_a_batch_locks_the_data_version_only_after_writing_and_checking_its_rows():
    """On PostgreSQL, other writers of papers (which all update the data version's
    row) wait for an import's batch only during its last statements: its rows are
    written and their deferred foreign keys checked before the row is locked."""
    from django.test.utils import CaptureQueriesContext

    rows = [PaperRecordFactory() for _ in range(3)]
    files = [DigestFile("a.md", records=[digest_record(DAY, rows)], sha256="ab" * 32)]

    with CaptureQueriesContext(connection) as queries:
        report = import_files(files, build_index=False)

    statements = [query["sql"] for query in queries.captured_queries]
    locked = next(n for n, sql in enumerate(statements) if "FOR UPDATE" in sql)
    written = [n for n, sql in enumerate(statements) if "papers_paper " in sql]
    checked = statements.index("SET CONSTRAINTS ALL IMMEDIATE")
    assert written and max(written) < checked < locked
    assert statements[checked + 1] == "SET CONSTRAINTS ALL DEFERRED"
    assert Paper.objects.count() == 3
    assert 0 < report.longest_version_lock < report.longest_write


def test_a_batch_that_meets_another_writers_change_is_written_again(monkeypatch):
    """A write between reading and writing a batch is seen, whichever way the
    database locks: the admin's edit survives and the batch's rows land once."""
    from papers.importer import loader

    row = PaperRecordFactory(title="Digest title")
    load_digest(digest_record(DAY, [row]))
    changed = dataclasses.replace(row, title="Newer digest title")
    other = PaperRecordFactory()
    original_read = loader.read_stored
    reads = []

    def read_then_an_admin_edits(*args, **kwargs):
        stored = original_read(*args, **kwargs)
        reads.append(1)
        if len(reads) == 1:
            paper = Paper.objects.get(key=row.key)
            paper.title = "Fixed by hand"
            paper.edited_fields = ["title"]
            paper.save()  # bumps the data version, as every admin save does
        return stored

    monkeypatch.setattr(loader, "read_stored", read_then_an_admin_edits)

    [stats] = load_files(
        [DigestFile("a.md", records=[digest_record(NEXT_DAY, [changed, other])])]
    )

    assert len(reads) == 2
    assert Paper.objects.get(key=row.key).title == "Fixed by hand"
    assert (stats.created, stats.updated) == (1, 1)
    assert Paper.objects.count() == 2
    assert Appearance.objects.filter(date=NEXT_DAY).count() == 2


def test_an_author_deleted_between_planning_and_writing_is_created_again(monkeypatch):
    """Author ids are read with the plan, before the write transaction: a deletion
    in between makes the batch plan again rather than link a missing author."""
    from papers.importer import loader

    load_digest(digest_record(DAY, [PaperRecordFactory(authors=("Ada Lovelace",))]))
    later = PaperRecordFactory(authors=("Ada Lovelace", "Alan Turing"))
    original_read = loader.read_stored
    reads = []

    def read_then_an_admin_deletes(*args, **kwargs):
        stored = original_read(*args, **kwargs)
        reads.append(stored.authors)
        if len(reads) == 1:
            Author.objects.get(name="Ada Lovelace").delete()  # bumps the version
        return stored

    monkeypatch.setattr(loader, "read_stored", read_then_an_admin_deletes)

    load_files([DigestFile("a.md", records=[digest_record(NEXT_DAY, [later])])])

    assert "Ada Lovelace" in reads[0] and reads[1] == {}
    assert authors_of(Paper.objects.get(key=later.key)) == [
        "Ada Lovelace",
        "Alan Turing",
    ]
    assert Author.objects.filter(name="Ada Lovelace").count() == 1


def one_paper_files(*authors: tuple[str, ...]) -> list[DigestFile]:
    """A file of one paper per author list, each on its own day."""
    return [
        DigestFile(
            f"{n}.md",
            records=[
                digest_record(
                    DAY + datetime.timedelta(n), [PaperRecordFactory(authors=names)]
                )
            ],
        )
        for n, names in enumerate(authors)
    ]


def test_a_batch_reads_only_the_authors_the_import_has_not_met(monkeypatch):
    from papers.importer import writer

    load_digest(
        digest_record(
            EARLIER_DAY, [PaperRecordFactory(authors=("Ada Lovelace", "Alan Turing"))]
        )
    )
    read = []
    original = writer._read_authors
    monkeypatch.setattr(
        writer, "_read_authors", lambda names: (read.extend(names), original(names))[1]
    )
    files = one_paper_files(
        ("Ada Lovelace", "Grace Hopper"),
        ("Ada Lovelace", "Alan Turing", "Ken Thompson"),
    )

    load_files(files, batch_papers=1)

    # Ada once, by the first batch: the second knew her id from it.
    assert read.count("Ada Lovelace") == 1
    assert "Alan Turing" in read  # stored, but not met by the first batch
    papers = [Paper.objects.get(key=f.records[0].papers[0].key) for f in files]
    assert authors_of(papers[1]) == ["Ada Lovelace", "Alan Turing", "Ken Thompson"]
    assert Author.objects.filter(name="Ada Lovelace").count() == 1


def test_an_author_deleted_between_batches_is_not_linked_by_a_known_id(monkeypatch):
    """The ids an import keeps from batch to batch hold only while nobody else
    writes: an admin's deletion in between makes the next batch read them again."""
    from papers.importer import loader

    load_digest(
        digest_record(EARLIER_DAY, [PaperRecordFactory(authors=("Ada Lovelace",))])
    )
    files = one_paper_files(("Ada Lovelace",), ("Ada Lovelace",))
    original_read = loader._Planned.read
    plans = []

    def an_admin_deletes_before_the_second_batch(*args, **kwargs):
        plans.append(1)
        if len(plans) == 2:
            Author.objects.get(name="Ada Lovelace").delete()  # bumps the version
        return original_read(*args, **kwargs)

    monkeypatch.setattr(
        loader._Planned, "read", an_admin_deletes_before_the_second_batch
    )

    stats = load_files(files, batch_papers=1)

    assert all(stats) and not files[1].error
    second = Paper.objects.get(key=files[1].records[0].papers[0].key)
    assert authors_of(second) == ["Ada Lovelace"]
    assert Author.objects.filter(name="Ada Lovelace").count() == 1


def test_authors_and_tags_stored_since_the_plan_are_linked_not_doubled():
    """Another import stored some of a plan's new authors and tags before it was
    written (two imports at once): the writer links those instead of adding twins."""
    from django.db import transaction

    from papers.importer.plan import plan
    from papers.importer.writer import read_stored, write_rows

    row = PaperRecordFactory(
        authors=("Ada Lovelace", "Alan Turing"), tags=("Robotics", "Planning")
    )
    record = digest_record(DAY, [row])
    stored = read_stored([record])
    changes = plan([record], stored)
    other = PaperRecordFactory(authors=("Ada Lovelace",), tags=("Robotics",))
    load_digest(digest_record(NEXT_DAY, [other]))

    with transaction.atomic():
        write_rows(changes, stored)

    paper = Paper.objects.get(key=row.key)
    assert authors_of(paper) == ["Ada Lovelace", "Alan Turing"]
    assert tags_of(paper) == {"Robotics", "Planning"}
    assert Author.objects.filter(name="Ada Lovelace").count() == 1
    assert Tag.objects.filter(name="Robotics").count() == 1
    assert authors_of(Paper.objects.get(key=other.key)) == ["Ada Lovelace"]


def one_paper_days(count: int) -> list[DigestFile]:
    """`count` files of one day each, one new paper a day."""
    return [
        DigestFile(
            f"{n}.md",
            records=[
                digest_record(DAY + datetime.timedelta(days=n), [PaperRecordFactory()])
            ],
        )
        for n in range(count)
    ]


def batch_sizes_of_an_import(monkeypatch, days: int) -> list[int]:
    """Import `days` days of 10 papers, pretending each paper takes 1 ms to write;
    the papers of each write transaction."""
    from papers.importer import loader, pacing

    files = [
        DigestFile(
            f"{n}.md",
            records=[
                digest_record(
                    DAY + datetime.timedelta(days=n),
                    [PaperRecordFactory() for _ in range(10)],
                )
            ],
        )
        for n in range(days)
    ]
    sizes = []
    original = loader._write_batch

    def counting(batch, **kwargs):
        sizes.append(sum(file.papers for file in batch))
        return original(batch, **kwargs)

    monkeypatch.setattr(loader, "_write_batch", counting)
    monkeypatch.setattr(
        pacing.Pace,
        "wrote",
        lambda self, papers, seconds: setattr(self, "per_paper", 0.001),
    )
    load_files(files)
    assert Paper.objects.count() == 10 * days
    return sizes


def test_batches_are_sized_to_keep_each_write_transaction_short(monkeypatch):
    from papers.importer import pacing

    # At 1 ms a paper, a 50 ms batch holds 50 papers.
    monkeypatch.setattr(pacing, "TARGET_WRITE_SECONDS", 0.05)
    monkeypatch.setattr(pacing, "POSTGRES_TARGET_WRITE_SECONDS", 0.05)

    sizes = batch_sizes_of_an_import(monkeypatch, 40)

    assert sizes[0] == pacing.FIRST_BATCH_PAPERS
    assert set(sizes[1:]) == {50}


def test_no_garbage_collection_runs_while_a_batch_holds_the_write_lock(monkeypatch):
    """A full collection of a large import's objects took up to 273 ms, and the
    longest write transactions each had one inside: the collector waits until the
    transaction is over."""
    import gc

    from papers.importer import loader

    started_inside = []
    inside = False

    def watch(phase, info):
        if phase == "start" and inside:
            started_inside.append(info["generation"])

    write_rows = loader.write_rows

    def write_rows_making_garbage(*args, **kwargs):
        nonlocal inside
        inside = True
        try:
            for _ in range(20_000):  # lists holding themselves: only a collection
                cycle = []  # frees them, and their count calls for many
                cycle.append(cycle)
            return write_rows(*args, **kwargs)
        finally:
            inside = False

    monkeypatch.setattr(loader, "write_rows", write_rows_making_garbage)
    gc.callbacks.append(watch)
    try:
        load_files(one_paper_days(3))
    finally:
        gc.callbacks.remove(watch)

    assert Paper.objects.count() == 3
    assert started_inside == []
    assert gc.isenabled()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's one write lock")
@pytest.mark.parametrize("others_waited, size", [(True, 50), (False, 200)])
def test_sqlite_batches_grow_only_while_no_other_writer_waits_for_the_lock(
    monkeypatch, others_waited, size
):
    from django.db import connections

    from papers.importer import pacing

    monkeypatch.setattr(pacing, "TARGET_WRITE_SECONDS", 0.05)
    monkeypatch.setattr(pacing, "QUIET_TARGET_WRITE_SECONDS", 0.2)
    asked = []

    def waited_within(seconds):
        asked.append(seconds)
        return others_waited

    monkeypatch.setattr(
        connections["default"], "writer_waited_within", waited_within, raising=False
    )

    sizes = batch_sizes_of_an_import(monkeypatch, 100)

    assert set(sizes[1:-1]) == {size}
    assert set(asked) == {pacing.WAITED_WITHIN}
    # The lock is left free between two batches only for a writer that waited.
    pace = pacing.Pace()
    pace.leave_gap(0.2)
    assert (pace.free_until > 0) == others_waited


@pytest.mark.parametrize("wal_mode", [True, False])
def test_imports_copy_the_log_back_between_their_transactions(monkeypatch, wal_mode):
    """SQLite's checkpoint inside a commit made that write transaction look longer
    than it held the lock: the import checkpoints itself, outside them, about every
    CHECKPOINT_PAGES pages of log, learning from each how many pages a write adds,
    and never trusting one small write to stand for many."""
    from django.db import connections

    from papers.importer import loader, pacing

    database = connections["default"]
    outside = len(database.atomic_blocks)  # the test's own transaction
    log = {"pages": 0}  # pages written to the log and not copied back yet
    checkpoints = []  # (after how many writes, inside a transaction)
    writes = []
    merging = []  # the checkpoints made while the search index was merged

    def checkpoint():
        place = (len(writes), len(database.atomic_blocks) > outside)
        (merging if merging_now else checkpoints).append(place)
        pages, log["pages"] = log["pages"], 0
        return pages if wal_mode else None

    monkeypatch.setattr(pacing, "checkpoint", checkpoint)
    monkeypatch.setattr(loader, "checkpoint", checkpoint)
    merging_now = False
    compact = loader.search_index.compact

    def compact_watched(**options):
        nonlocal merging_now
        merging_now = True
        try:
            return compact(**options)
        finally:
            merging_now = False

    monkeypatch.setattr(loader.search_index, "compact", compact_watched)
    monkeypatch.setattr(pacing.Pace, "papers", property(lambda self: 1))
    wrote = pacing.Pace.wrote

    def each_write_fills_a_quarter(self, papers, seconds):
        writes.append(papers)
        log["pages"] += pacing.CHECKPOINT_PAGES // 4
        wrote(self, papers, seconds)

    monkeypatch.setattr(pacing.Pace, "wrote", each_write_fills_a_quarter)
    files = one_paper_days(10)

    import_files(files, build_index=False)

    assert len(writes) == 10 and Paper.objects.count() == 10
    if wal_mode:
        # Four writes make a checkpoint's worth, but the writes between two
        # checkpoints at most double (1, 2, 4); what the last three left is
        # copied back when the import ends.
        assert checkpoints == [(1, False), (3, False), (7, False), (10, False)]
    else:
        assert checkpoints == [(1, False), (10, False)]  # the first says there is none
    # SQLite's search index is merged in steps (ten segments here): the merge
    # checkpoints after its first, as the import after its first write, outside
    # its transactions. PostgreSQL's is cleaned in one statement.
    assert merging == ([(10, False)] if database.vendor == "sqlite" else [])


def test_a_large_import_refreshes_the_table_statistics_as_it_grows(monkeypatch):
    from papers.importer import loader

    refreshed = []
    monkeypatch.setattr(loader, "ANALYZE_FROM", 3)
    monkeypatch.setattr(loader, "refresh_statistics", lambda: refreshed.append(1))
    files = one_paper_days(12)

    load_files(files, batch_papers=1)

    # After 3, 6 and 12 papers: each time the papers created have doubled.
    assert len(refreshed) == 3


def test_a_staged_file_is_written_in_parts_of_at_least_a_hundred_papers(monkeypatch):
    """Parts sized by time alone shrank to 20 papers on a machine whose readers kept
    the CPUs busy, and spent most of each transaction on its fixed cost."""
    from papers.importer import pacing

    pace = pacing.Pace()
    pace.per_paper = 0.1  # 100 ms a paper: no target holds more than a few
    assert pace.papers == pacing.MIN_BATCH_PAPERS
    assert pace.part_papers == pacing.STAGE_MIN_PAPERS
    assert pacing.Pace(most=2).part_papers == 2


@pytest.mark.django_db
def test_the_index_is_built_apart_only_where_a_new_process_sees_the_import():
    # The tests' database is in memory (SQLite) or their writes are inside a
    # transaction (PostgreSQL): a new process would build the index of other data.
    from papers.importer.apart import can_run_apart

    assert not can_run_apart()


@pytest.mark.django_db
def test_a_build_apart_that_fails_leaves_the_index_to_the_workers(monkeypatch, caplog):
    from papers.importer import apart
    from papers.importer.browse_index import data_changed

    monkeypatch.setattr(apart.sys, "executable", "/bin/false")
    assert apart.run_apart("papers.importer.browse_index:data_changed") == (
        "exit status 1"
    )

    assert data_changed(apart=True) is None  # the import itself stands
    assert "the web workers will build it" in caplog.text
