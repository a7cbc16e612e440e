"""The merge rules of papers.importer.plan, on plain values: no database here."""

import dataclasses
import datetime

from papers.importer.plan import Stored, StoredDay, StoredPaper, plan, staged
from tests.factories import PaperRecordFactory, digest_record

DAY = datetime.date(2025, 3, 10)
NEXT_DAY = datetime.date(2025, 3, 11)
EARLIER_DAY = datetime.date(2025, 3, 3)


def stored_paper(row, *, dates=(DAY,), pk=1, **fields) -> StoredPaper:
    values = {
        "key": row.key,
        "arxiv_id": row.arxiv_id,
        "title": row.title,
        "summary": row.summary,
        "arxiv_url": row.arxiv_url,
        "github_urls": row.github_urls,
        "huggingface_urls": row.huggingface_urls,
        "authors": row.authors,
        "tags": frozenset({7}),  # the factory's "Multimodal", stored as tag 7
        "dates": frozenset(dates),
        "id": pk,
        **fields,
    }
    return StoredPaper(**values)


def stored_with(*papers: StoredPaper, days=()) -> Stored:
    return Stored(
        papers={paper.key: paper for paper in papers},
        days={day.date: day for day in days},
        tags={"multimodal": 7},
    )


def counts(changes) -> list[tuple[int, int, int, int]]:
    return [
        (len(d.created), len(d.updated), len(d.unchanged), d.removed)
        for d in changes.stats
    ]


def test_a_new_day_creates_its_papers_at_their_positions_with_known_tags():
    first = PaperRecordFactory(tags=("Multimodal", "Robotics"))
    second = PaperRecordFactory(tags=())

    changes = plan([digest_record(DAY, [first, second])], Stored())

    assert changes.new == {first.key, second.key}
    assert changes.appearances == {(DAY, first.key): 1, (DAY, second.key): 2}
    assert changes.new_tags == {"multimodal": "Multimodal", "robotics": "Robotics"}
    assert changes.day_sources == {DAY: "digest.md"}
    assert counts(changes) == [(2, 0, 0, 0)]
    known = plan([digest_record(DAY, [first])], Stored(tags={"multimodal": 7}))
    assert known.tag_links[first.key] == [7, "robotics"]


def test_replanning_what_is_stored_changes_nothing():
    row = PaperRecordFactory()
    stored = stored_with(
        stored_paper(row),
        days=[StoredDay(DAY, source="digest.md", positions={row.key: 1}, id=3)],
    )

    changes = plan([digest_record(DAY, [row])], stored)

    assert not changes.writes_anything
    assert counts(changes) == [(0, 0, 1, 0)]


def test_a_newer_day_sets_the_text_and_authors_and_merges_links_and_tags():
    row = PaperRecordFactory(github_urls=("https://github.com/a/one",), tags=())
    stored = stored_with(stored_paper(row, tags=frozenset()))
    newer = dataclasses.replace(
        row,
        title="New title",
        authors=("Someone",),
        github_urls=("https://github.com/a/two",),
        tags=("Multimodal",),
    )

    changes = plan([digest_record(NEXT_DAY, [newer])], stored)

    paper = changes.papers[row.key]
    assert (paper.title, paper.authors) == ("New title", ("Someone",))
    assert paper.github_urls == ("https://github.com/a/one", "https://github.com/a/two")
    assert changes.tag_links == {row.key: [7]}
    assert (paper.first_date, paper.last_date) == (DAY, NEXT_DAY)
    assert changes.authors == {row.key}
    assert counts(changes) == [(0, 1, 0, 0)]


def test_an_older_day_adds_its_appearance_but_not_its_text():
    row = PaperRecordFactory()
    stored = stored_with(stored_paper(row, dates=(NEXT_DAY,)))
    older = dataclasses.replace(row, title="Older title", authors=("Z",))

    changes = plan([digest_record(EARLIER_DAY, [older])], stored)

    paper = changes.papers[row.key]
    assert (paper.title, paper.authors) == (row.title, row.authors)
    assert paper.dates == {EARLIER_DAY, NEXT_DAY}
    assert changes.authors == set()


def test_fields_edited_by_hand_are_kept_unless_overwrite():
    row = PaperRecordFactory()
    stored = stored_with(
        stored_paper(row, title="Fixed", edited_fields=("title", "authors"))
    )
    newer = dataclasses.replace(row, title="Digest", authors=("X",), summary="New")

    kept = plan([digest_record(NEXT_DAY, [newer])], stored).papers[row.key]
    replaced = plan([digest_record(NEXT_DAY, [newer])], stored, overwrite=True)

    assert (kept.title, kept.authors, kept.summary) == ("Fixed", row.authors, "New")
    assert kept.edited_fields == ("title", "authors")
    paper = replaced.papers[row.key]
    assert (paper.title, paper.authors, paper.edited_fields) == ("Digest", ("X",), ())


def test_an_import_adds_to_a_day_after_its_last_position():
    first, second, third = (PaperRecordFactory() for _ in range(3))
    stored = stored_with(
        stored_paper(first, pk=1),
        stored_paper(second, pk=2),
        days=[StoredDay(DAY, "digest.md", {first.key: 1, second.key: 2}, id=3)],
    )

    changes = plan([digest_record(DAY, [third, second])], stored)

    assert changes.appearances == {(DAY, third.key): 3}
    assert counts(changes) == [(1, 0, 1, 0)]


def test_overwrite_makes_the_day_exactly_its_rows_and_redates_the_dropped():
    kept, dropped = PaperRecordFactory(), PaperRecordFactory()
    stored = stored_with(
        stored_paper(kept, pk=1),
        stored_paper(dropped, pk=2, dates=(EARLIER_DAY, DAY)),
        days=[StoredDay(DAY, "digest.md", {dropped.key: 1, kept.key: 2}, id=3)],
    )

    changes = plan([digest_record(DAY, [kept])], stored, overwrite=True)

    assert changes.appearances == {(DAY, kept.key): 1, (DAY, dropped.key): None}
    assert changes.redated[dropped.key].last_date == EARLIER_DAY
    assert dropped.key not in changes.papers
    assert counts(changes) == [(0, 1, 0, 1)]


def test_days_of_one_plan_see_each_other_like_separate_imports():
    row = PaperRecordFactory(title="First")
    later = dataclasses.replace(row, title="Second", tags=("Multimodal",))

    changes = plan(
        [digest_record(DAY, [row]), digest_record(NEXT_DAY, [later])], Stored()
    )

    assert changes.papers[row.key].title == "Second"
    assert changes.papers[row.key].dates == {DAY, NEXT_DAY}
    assert changes.new == {row.key}
    assert counts(changes) == [(1, 0, 0, 0), (0, 1, 0, 0)]


def test_the_first_copy_of_a_day_keeps_its_wording():
    row = PaperRecordFactory(summary="Markdown wording")
    stored = stored_with(
        stored_paper(row),
        days=[StoredDay(DAY, "digest.md", {row.key: 1}, id=3)],
    )
    json_copy = dataclasses.replace(row, summary="JSON wording")

    changes = plan([digest_record(DAY, [json_copy], source="day.json")], stored)

    assert counts(changes) == [(0, 0, 1, 0)]
    assert changes.papers == {}
    # Only the day's source is recorded anew.
    assert changes.day_sources == {DAY: "day.json"}


def test_a_staged_plan_writes_new_papers_in_parts_and_stored_ones_last():
    """A large file's plan cut for papers.importer.staging: every change lands in
    exactly one write, the new days first, the changes to stored rows last."""
    stored_row = PaperRecordFactory()
    new = [PaperRecordFactory(tags=("Multimodal", f"Tag {n}")) for n in range(5)]
    stored = stored_with(
        stored_paper(stored_row, pk=9),
        days=[StoredDay(DAY, "old.md", {stored_row.key: 1}, id=3)],
    )
    changes = plan(
        [
            digest_record(DAY, [*new[:2], dataclasses.replace(stored_row, tags=())]),
            digest_record(NEXT_DAY, [stored_row, *new]),
        ],
        stored,
    )

    steps = staged(changes)
    parts = []
    while (part := steps.next_part(2)) is not None:
        parts.append(part)

    assert steps.days.day_sources == {NEXT_DAY: "digest.md"}
    assert not steps.days.papers
    assert [sorted(part.new) for part in parts] == [
        sorted(row.key for row in new[n : n + 2]) for n in (0, 2, 4)
    ]
    first = parts[0]
    assert first.authors == first.new
    assert first.appearances == {
        (DAY, new[0].key): 2,
        (DAY, new[1].key): 3,
        (NEXT_DAY, new[0].key): 2,
        (NEXT_DAY, new[1].key): 3,
    }
    assert first.tag_links[new[0].key] == [7, "tag-0"]
    assert first.new_tags == {"tag-0": "Tag 0", "tag-1": "Tag 1"}
    assert parts[2].new_tags == {"tag-4": "Tag 4"}
    rest = steps.rest
    assert not rest.new
    assert set(rest.papers) == {stored_row.key}
    assert rest.appearances == {(NEXT_DAY, stored_row.key): 1}
    assert rest.day_sources == {DAY: "digest.md"}
    assert rest.stats == changes.stats
    # Once the new day is written, every part and the rest know its id.
    steps.days_created({NEXT_DAY: 4})
    assert parts[1].days[NEXT_DAY].id == rest.days[NEXT_DAY].id == 4
    assert steps.next_part(2) is None
