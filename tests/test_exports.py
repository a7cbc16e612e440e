import csv
import datetime
import io
import json

import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors

from papers.exports import (
    CSV_COLUMNS,
    ExportedBookmark,
    bibtex_key,
    latex_escape,
    to_bibtex,
    to_csv,
    to_json,
    user_data_json,
)

BOOKMARKED_AT = datetime.datetime(2025, 3, 5, 9, 30, tzinfo=datetime.UTC)


def record(**changes) -> ExportedBookmark:
    values = {
        "key": "2503.01785",
        "arxiv_id": "2503.01785",
        "title": "Visual-RFT: Visual Reinforcement Fine-Tuning",
        "authors": ("Ziyu Liu", "Zeyi Sun"),
        "tags": ("Multimodal", "RL"),
        "digest_dates": (datetime.date(2025, 3, 4),),
        "url": "https://arxiv.org/abs/2503.01785",
        "status": "to_read",
        "note": "",
        "lists": (),
        "bookmarked_at": BOOKMARKED_AT,
    }
    values.update(changes)
    return ExportedBookmark(**values)


def parse_bibtex(text: str):
    library = bibtexparser.parse_string(
        text, append_middleware=[LatexDecodingMiddleware()]
    )
    assert library.failed_blocks == []
    return library


def fields_of(entry) -> dict[str, str]:
    return {field.key: field.value for field in entry.fields}


def test_bibtex_entry_has_the_arxiv_fields():
    library = parse_bibtex(to_bibtex([record(note="Read for Thursday")]))

    (entry,) = library.entries
    assert entry.entry_type == "misc"
    assert entry.key == "arxiv:2503.01785"
    assert fields_of(entry) == {
        "title": "Visual-RFT: Visual Reinforcement Fine-Tuning",
        "author": "Ziyu Liu and Zeyi Sun",
        "year": "2025",
        "eprint": "2503.01785",
        "archivePrefix": "arXiv",
        "url": "https://arxiv.org/abs/2503.01785",
        "note": "Read for Thursday",
    }


@pytest.mark.parametrize(
    "title",
    [
        "Braces {in} titles",
        "An unbalanced { brace",
        "And a closing } one",
        "Fast & Furious: 100% recall",
        "Costs $5 #1 in snake_case ~ home \\ path",
        "Ünïcödé and 中文 titles",
    ],
)
def test_bibtex_titles_with_specials_round_trip(title):
    library = parse_bibtex(to_bibtex([record(title=title, note=title)]))

    fields = fields_of(library.entries[0])
    assert fields["title"] == title
    assert fields["note"] == title


def test_bibtex_is_parsed_without_failures_even_without_latex_decoding():
    text = to_bibtex([record(title="A } then { and % and &")])

    library = bibtexparser.parse_string(text)

    assert library.failed_blocks == []
    assert fields_of(library.entries[0])["title"] == r"A \} then \{ and \% and \&"


def test_bibtex_note_whitespace_is_folded_so_no_blank_line_ends_the_field():
    library = parse_bibtex(to_bibtex([record(note="first\n\nsecond\tthird")]))

    assert fields_of(library.entries[0])["note"] == "first second third"


def test_bibtex_keeps_an_author_containing_and_as_one_name():
    text = to_bibtex([record(authors=("Barnes and Noble", "Doe, Jane", "Solo"))])

    author = fields_of(bibtexparser.parse_string(text).entries[0])["author"]

    assert author == "{Barnes and Noble} and {Doe, Jane} and Solo"
    split = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors()])
    assert len(fields_of(split.entries[0])["author"]) == 3


def test_bibtex_key_for_papers_without_an_arxiv_id():
    paper = record(arxiv_id="", key="h:3f9a c{}", url="https://github.com/o/r")

    assert bibtex_key(paper) == "paper:h:3f9a-c"
    library = parse_bibtex(to_bibtex([paper]))
    fields = fields_of(library.entries[0])
    assert "eprint" not in fields
    assert "archivePrefix" not in fields
    assert fields["year"] == "2025"  # from the digest day


def test_bibtex_keys_stay_unique():
    text = to_bibtex([record(arxiv_id="", key="a b"), record(arxiv_id="", key="a/b")])

    keys = [entry.key for entry in parse_bibtex(text).entries]

    assert len(set(keys)) == 2


def test_bibtex_url_is_percent_encoded_not_latex_escaped():
    text = to_bibtex([record(url="https://x.org/a_b%20c#d{e}")])

    url = fields_of(bibtexparser.parse_string(text).entries[0])["url"]

    assert url == "https://x.org/a_b%20c#d%7Be%7D"


def test_bibtex_of_nothing_is_empty():
    assert to_bibtex([]) == ""


def test_latex_escape_escapes_each_special_once():
    # pylatexenc braces the macro: the same in LaTeX as the older "\\textbackslash{}".
    assert latex_escape("{}&%$#_\\") == r"\{\}\&\%\$\#\_{\textbackslash}"


def test_csv_has_a_header_and_quotes_commas_quotes_and_newlines():
    tricky = record(
        title='Commas, "quotes"\nand newlines',
        note="é, 中文",
        lists=("RL ideas", "reading group"),
    )

    rows = list(csv.DictReader(io.StringIO(to_csv([tricky]))))

    assert list(rows[0]) == list(CSV_COLUMNS)
    assert rows[0]["title"] == 'Commas, "quotes"\nand newlines'
    assert rows[0]["note"] == "é, 中文"
    assert rows[0]["authors"] == "Ziyu Liu; Zeyi Sun"
    assert rows[0]["lists"] == "RL ideas; reading group"
    assert rows[0]["bookmarked_at"] == "2025-03-05T09:30:00+00:00"


def test_csv_cells_that_look_like_formulas_are_defused():
    rows = list(csv.DictReader(io.StringIO(to_csv([record(note="=HYPERLINK(1)")]))))

    assert rows[0]["note"] == "'=HYPERLINK(1)"


def test_json_export_lists_each_bookmark():
    data = json.loads(to_json([record(lists=("RL ideas",))]))

    assert data["count"] == 1
    (bookmark,) = data["bookmarks"]
    assert bookmark["arxiv_id"] == "2503.01785"
    assert bookmark["authors"] == ["Ziyu Liu", "Zeyi Sun"]
    assert bookmark["digest_dates"] == ["2025-03-04"]
    assert bookmark["lists"] == ["RL ideas"]
    assert bookmark["year"] == 2025
    assert bookmark["bookmarked_at"] == "2025-03-05T09:30:00+00:00"


def test_user_data_json_holds_every_part():
    text = user_data_json(
        user={"username": "ada", "date_joined": BOOKMARKED_AT},
        profile={"last_seen_at": BOOKMARKED_AT, "previous_visit_at": None},
        records=[record()],
        lists=[{"name": "RL ideas", "papers": ["2503.01785"]}],
        dismissals=[{"paper": "2501.00001", "dismissed_at": BOOKMARKED_AT}],
        exported_at=BOOKMARKED_AT,
    )

    data = json.loads(text)
    assert data["user"] == {"username": "ada", "date_joined": BOOKMARKED_AT.isoformat()}
    assert data["profile"]["previous_visit_at"] is None
    assert data["bookmarks"][0]["key"] == "2503.01785"
    assert data["lists"][0]["papers"] == ["2503.01785"]
    assert data["dismissals"][0]["dismissed_at"] == BOOKMARKED_AT.isoformat()
