import contextlib
import datetime
import json
import re
import time
from pathlib import Path

import pytest

from papers.importer.parser import (
    DigestParseError,
    arxiv_id_from_url,
    parse_digests,
    sketch_days,
    tag_slug,
)
from papers.importer.records import DigestRecord, PaperRecord
from tests.digests import SAMPLE_DIGESTS
from tests.sample_corpus import PAPERS_PER_FILE

FIXTURES = Path(__file__).parent / "fixtures" / "digests"
REAL = SAMPLE_DIGESTS
CURRENT = REAL / "daily-ai-papers"

MARKDOWN_DAYS = sorted(
    p for p in PAPERS_PER_FILE if p.startswith("daily-ai-papers/arch")
)


def parse_file(path: Path) -> list[DigestRecord]:
    return parse_digests(path.read_text(encoding="utf-8"), source=path.as_posix())


def parse_day(path: Path) -> DigestRecord:
    [day] = parse_file(path)
    return day


def paper(day: DigestRecord, key: str) -> PaperRecord:
    [found] = [p for p in day.papers if p.key == key]
    return found


def messages(day: DigestRecord) -> tuple[str, ...]:
    """The day's warnings as "line N: text", as a reader sees them."""
    return tuple(str(warning) for warning in day.warnings)


def parse_error(text: str, source: str = "<stdin>") -> DigestParseError:
    with pytest.raises(DigestParseError) as caught:
        parse_digests(text, source=source)
    return caught.value


# --- the real corpus ------------------------------------------------------------------


def test_the_sample_folder_holds_every_counted_file():
    files = {
        p.relative_to(REAL).as_posix()
        for p in REAL.rglob("*")
        if p.suffix in (".md", ".json")
    }
    assert files == set(PAPERS_PER_FILE)
    assert (REAL / "LICENSE").exists()


@pytest.mark.parametrize("name", sorted(PAPERS_PER_FILE))
def test_each_real_file_is_one_day_with_the_counted_papers(name):
    day = parse_day(REAL / name)
    year, month, dd = re.search(r"(\d{4})/(\d\d)/(\d\d)", name).groups()
    assert day.date == datetime.date(int(year), int(month), int(dd))
    assert len(day.papers) == PAPERS_PER_FILE[name]
    assert [p.position for p in day.papers] == list(range(1, len(day.papers) + 1))
    assert all(p.arxiv_id and p.key == p.arxiv_id for p in day.papers)
    assert all(p.title and p.authors and p.summary for p in day.papers)


@pytest.mark.parametrize("name", sorted(PAPERS_PER_FILE))
def test_hard_coded_counts_agree_with_an_independent_count(name):
    text = (REAL / name).read_text(encoding="utf-8")
    if name.endswith(".json"):
        assert len(json.loads(text)) == PAPERS_PER_FILE[name]
    else:
        assert (
            len(re.findall(r"\]\(https://arxiv\.org/", text)) == PAPERS_PER_FILE[name]
        )


@pytest.mark.parametrize("name", MARKDOWN_DAYS)
def test_markdown_day_papers_are_in_the_json_twin_with_the_same_fields(name):
    markdown = parse_day(REAL / name)
    twin = name.replace("/archive/", "/daily_results/").replace(".md", ".json")
    by_key = {p.key: p for p in parse_day(REAL / twin).papers}
    for row in markdown.papers:
        other = by_key[row.key]
        for field in (
            "title",
            "authors",
            "tags",
            "github_urls",
            "huggingface_urls",
            "arxiv_url",
        ):
            assert getattr(row, field) == getattr(other, field), (row.key, field)
        # The corpus README's claim holds for every row of the sample.
        assert row.summary == other.summary.replace("\n", " "), row.key
    # The markdown lists its (selected) papers in the JSON's order.
    selected = [key for key in by_key if key in {p.key for p in markdown.papers}]
    assert selected == [p.key for p in markdown.papers]


def test_json_summaries_keep_their_bullets_on_separate_lines():
    day = parse_day(CURRENT / "daily_results/2025/03/11.json")
    summary = paper(day, "2503.03601").summary
    assert summary.startswith("- This paper investigates the interpretability")
    assert summary.count("\n- ") == 4
    assert summary == summary.strip()


def test_a_title_broken_across_two_lines_becomes_one_line():
    day = parse_day(CURRENT / "archive/2025/03/11.md")
    first = day.papers[0]
    assert first.title == (
        "Feature-Level Insights into Artificial Text Detection with Sparse Autoencoders"
    )
    assert first.key == first.arxiv_id == "2503.03601"
    assert first.arxiv_url == "https://arxiv.org/abs/2503.03601"
    assert first.authors == (
        "Kristian Kuznetsov",
        "natriistorm",
        "razzant",
        "plina2polina",
        "Kushnareva",
    )
    assert first.tags == ("Natural Language Processing", "Feature Extraction")
    assert first.github_urls == ()
    assert first.summary.startswith("- This paper investigates the interpretability")
    assert first.summary.endswith("more human-like and harder to detect.")
    assert "\n" not in first.summary
    assert (first.line, first.position) == (7, 1)
    # The next rows start on their own lines despite the three-line first row.
    assert [(p.line, p.position) for p in day.papers[1:3]] == [(10, 2), (12, 3)]
    assert day.papers[1].title == (
        "MM-Eureka: Exploring Visual Aha Moment with Rule-based Large-scale "
        "Reinforcement Learning"
    )


def test_a_url_broken_by_a_newline_is_repaired_with_a_warning():
    day = parse_day(CURRENT / "archive/2025/03/11.md")
    assert day.papers[0].huggingface_urls == (
        "https://mgtsaevis.github.io/mgt-sae-visualization/",
    )
    assert messages(day) == (
        "line 7: removed whitespace inside a link in HuggingFace URLs: "
        "https://mgtsaevis.github.io/mgt-sae-visualization/",
    )
    twin = parse_day(CURRENT / "daily_results/2025/03/11.json")
    assert twin.papers[0].huggingface_urls == day.papers[0].huggingface_urls
    assert str(twin.warnings[0]).startswith("line 2: removed whitespace inside a link")


def test_a_cell_with_several_links_keeps_them_all_in_order():
    day = parse_day(CURRENT / "archive/2024/12/31.md")
    tango = paper(day, "2412.21037")
    assert tango.github_urls == ("https://github.com/declare-lab/TangoFlux",)
    assert tango.huggingface_urls == (
        "https://huggingface.co/declare-lab/TangoFlux",
        "https://huggingface.co/datasets/declare-lab/CRPO",
        "https://huggingface.co/spaces/declare-lab/TangoFlux",
    )
    ruadapt = day.papers[4]
    assert ruadapt.github_urls == (
        "https://github.com/RefalMachine/ruadapt",
        "https://github.com/RefalMachine/llmtf_open",
    )


def test_a_link_without_scheme_is_stored_with_https_and_a_warning():
    day = parse_day(CURRENT / "archive/2024/12/31.md")
    assert day.papers[3].github_urls == (
        "https://github.com/CodeEval-Pro/CodeEval-Pro",
    )
    assert messages(day) == (
        "line 10: added https:// to a link in GitHub URLs written without it: "
        "https://github.com/CodeEval-Pro/CodeEval-Pro",
    )


ONE_ROW = (
    "## Papers for 2025-03-11\n\n"
    "| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n"
    "|---|---|---|---|---|---|\n"
    "| [{title}]({link}) | A, B | S. | ['X'] | {github} | {hf} |\n"
)


def one_row(
    *,
    link: str = "https://arxiv.org/abs/2503.00001",
    github: str = "N/A",
    hf: str = "N/A",
    title: str = "T",
) -> DigestRecord:
    text = ONE_ROW.format(title=title, link=link, github=github, hf=hf)
    (day,) = parse_digests(text, source="day.md")
    return day


@pytest.mark.parametrize(
    "word", ["string", "null", "None", "N/A", "-", "TBD", "undefined", "https://string"]
)
def test_a_placeholder_word_for_a_link_is_dropped_with_a_warning(word):
    day = one_row(
        github=f"[Link]({word})", hf=f"[Link](https://hf.co/a/b), [Link]({word})"
    )

    (row,) = day.papers
    assert row.github_urls == ()
    assert row.huggingface_urls == ("https://hf.co/a/b",)
    assert [w.kind for w in day.warnings] == ["placeholder", "placeholder"]
    assert day.warnings[0].located == (
        f"day.md:5: dropped the placeholder a link in GitHub URLs: {word!r}"
    )


def test_a_cell_saying_there_is_no_link_is_no_finding():
    day = one_row(github="N/A", hf="[]")
    assert (day.papers[0].github_urls, day.warnings) == ((), ())


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "ftp://example.org/a",
        "mailto:a@b.c",
    ],
)
def test_links_that_are_not_web_links_are_dropped_with_file_and_line(link):
    day = one_row(github=f"[Link]({link})", hf=f"[Link]({link})")

    assert (day.papers[0].github_urls, day.papers[0].huggingface_urls) == ((), ())
    assert [w.located for w in day.warnings] == [
        f"day.md:5: dropped a link in GitHub URLs that is not an http(s) URL: {link!r}",
        f"day.md:5: dropped a link in HuggingFace URLs that is not an http(s) URL: "
        f"{link!r}",
    ]


def test_an_arxiv_link_that_is_not_a_web_link_is_dropped_not_stored():
    day = one_row(link="javascript:alert(1)", title="Evil")

    (row,) = day.papers
    assert (row.arxiv_url, row.arxiv_id) == ("", "")
    assert row.key.startswith("title-")
    assert [w.kind for w in day.warnings] == ["no-arxiv", "not-web"]
    assert "dropped the paper link that is not an http(s) URL" in str(day.warnings[1])


def test_json_placeholder_links_are_dropped_with_a_warning():
    text = json.dumps(
        [
            {
                "title": "T",
                "link": "https://arxiv.org/abs/2503.00001",
                "date": "2025-03-11",
                "github_urls": ["string"],
                "huggingface_urls": ["javascript:alert(1)", "https://hf.co/a/b"],
                "github_repo": None,
            }
        ]
    )
    (day,) = parse_digests(text, source="day.json")
    assert day.papers[0].github_urls == ()
    assert day.papers[0].huggingface_urls == ("https://hf.co/a/b",)
    assert [w.kind for w in day.warnings] == ["placeholder", "not-web"]


def test_a_runaway_row_is_capped_with_a_warning_and_kept():
    text = json.dumps(
        [
            {
                "title": "T" * 3000,
                "link": "https://arxiv.org/abs/2503.00001",
                "date": "2025-03-11",
                "authors": [f"Author {n}" for n in range(5000)],
                "classification": [f"tag {n}" for n in range(500)],
                "github_urls": [f"https://github.com/a/r{n}" for n in range(30)],
                "summary": "s" * 30_000,
            }
        ]
    )
    started = time.process_time()  # CPU time: a loaded machine's waiting is not ours
    (day,) = parse_digests(text, source="day.json")
    assert time.process_time() - started < 2

    (row,) = day.papers
    assert (len(row.authors), len(row.tags), len(row.github_urls)) == (200, 50, 20)
    assert (len(row.title), len(row.summary)) == (2000, 20_000)
    assert {w.kind for w in day.warnings} == {"cap"}
    assert "5000 authors in one row; kept the first 200" in messages(day)[2]


def test_placeholder_links_are_kept_and_reported():
    day = parse_day(CURRENT / "archive/2025/03/06.md")
    assert day.papers[9].huggingface_urls == (
        "https://huggingface.co",
        "https://github.com",
    )
    assert messages(day) == (
        "line 16: placeholder link in HuggingFace URLs: https://huggingface.co",
        "line 16: placeholder link in HuggingFace URLs: https://github.com",
    )
    march_4 = parse_day(CURRENT / "archive/2025/03/04.md")
    assert messages(march_4) == (
        "line 12: placeholder link in HuggingFace URLs: https://huggingface.co/transformers",
        "line 20: placeholder link in HuggingFace URLs: https://huggingface.co/",
    )


def test_v1_title_cell_links_give_the_arxiv_url_not_a_huggingface_column_link():
    day = parse_day(REAL / "daily-ai-papers-v1/archive/2025/02/04.md")
    assert (day.date, day.line) == (datetime.date(2025, 2, 4), 3)
    first = day.papers[0]
    assert (
        first.title == "The Differences Between Direct Alignment Algorithms are a Blur"
    )
    assert first.key == first.arxiv_id == "2502.01237"
    assert first.arxiv_url == "https://arxiv.org/abs/2502.01237"
    # The HF paper page beside the arXiv link is not the HuggingFace URLs column.
    assert first.github_urls == first.huggingface_urls == first.tags == ()
    assert first.authors == (
        "Boris Shaposhnikov",
        "kefirski",
        "ZeL1k7",
        "ummagumm-a",
        "Myashka",
    )
    assert first.summary.startswith("The paper investigates Direct Alignment")
    assert first.summary.endswith("often outperform pointwise objectives.")
    # Square brackets inside the title do not confuse the title-with-links layout.
    assert day.papers[9].title == (
        "The Jumping Reasoning Curve? Tracking the Evolution of Reasoning Performance "
        "in GPT-[n] and o-[n] Models on Multimodal Puzzles"
    )
    assert messages(day) == ()


def test_v1_link_column_gives_the_arxiv_url():
    day = parse_day(REAL / "daily-ai-papers-v1/archive/2024/09/05.md")
    assert (day.date, day.line) == (datetime.date(2024, 9, 5), 1)
    first = day.papers[0]
    assert first.title == (
        "LongLLaVA: Scaling Multi-modal LLMs to 1000 Images Efficiently via Hybrid "
        "Architecture"
    )
    assert first.key == "2409.02889"
    assert first.arxiv_url == "https://arxiv.org/abs/2409.02889"
    assert first.authors == (
        "Benyou Wang",
        "Chen Zhang",
        "Shunian Chen",
        "Xidong Wang",
        "songdj",
    )
    assert first.huggingface_urls == first.github_urls == first.tags == ()
    assert first.summary.endswith(
        "video understanding, high-resolution image processing, and multi-modal agents."
    )
    assert (first.line, first.position) == (5, 1)


def test_a_paper_can_appear_on_several_days():
    september_27 = parse_day(CURRENT / "archive/2024/09/27.md")
    september_28 = parse_day(CURRENT / "archive/2024/09/28.md")
    shared = {p.key for p in september_27.papers} & {p.key for p in september_28.papers}
    assert "2409.18125" in shared


def test_parsing_twice_gives_equal_records():
    path = CURRENT / "archive/2025/03/12.md"
    assert parse_file(path) == parse_file(path)


def test_parsing_the_whole_corpus_takes_well_under_a_second():
    texts = [(p, p.read_text(encoding="utf-8")) for p in sorted(REAL.rglob("*.*"))]
    texts = [(p, t) for p, t in texts if p.suffix in (".md", ".json")]
    start = time.process_time()  # CPU time: a loaded machine's waiting is not ours
    papers = sum(
        len(day.papers)
        for path, text in texts
        for day in parse_digests(text, source=path.as_posix())
    )
    elapsed = time.process_time() - start
    assert papers == sum(PAPERS_PER_FILE.values())
    assert elapsed < 1.0  # about 0.1 s on a laptop


# --- made-up layouts and quirks -------------------------------------------------------


def test_a_readme_with_intro_text_and_several_days():
    days = parse_file(FIXTURES / "readme_many_days.md")
    assert [(d.date, d.line, len(d.papers)) for d in days] == [
        (datetime.date(2025, 3, 12), 15, 2),
        (datetime.date(2025, 3, 11), 24, 1),
        (datetime.date(2025, 3, 10), 30, 1),
    ]
    assert days[0].papers[1].title == (
        "LMM-R1: Empowering 3B LMMs with Strong Reasoning Abilities Through "
        "Two-Stage Rule-Based RL"
    )
    assert days[1].papers[0].key == "2503.07365"
    assert days[2].papers[0].authors == ("Simon A. Aytes", "Jinheon Baek")
    assert all(d.source == (FIXTURES / "readme_many_days.md").as_posix() for d in days)
    assert all(d.warnings == () for d in days)


def test_quirky_rows_come_through_intact():
    [day] = parse_file(FIXTURES / "quirks.md")
    pipes, ab, escaped, malformed, openreview, shannon = day.papers
    assert pipes.summary == "- Scores |x| and |y| are compared. - Works."
    assert pipes.authors == ("Ada Lovelace", "Alan Turing")
    assert pipes.tags == ("Theory",)
    assert ab.title == "A | B Testing for LLMs"
    assert (ab.key, ab.arxiv_url) == (
        "2504.00002",
        "https://arxiv.org/abs/2504.00002v2",
    )
    assert ab.github_urls == ("https://github.com/ab/ab-llm",)
    assert ab.huggingface_urls == ()
    assert escaped.title == "Escaped | Pipes"
    assert escaped.summary == "- Uses x | y as an operator."
    assert escaped.key == "2504.00003"
    assert escaped.github_urls == escaped.huggingface_urls == ()
    assert malformed.tags == ("Multimodal", "Robotics")
    assert openreview.arxiv_id == ""
    assert openreview.arxiv_url == "https://openreview.net/forum?id=abc123"
    assert re.fullmatch(r"url-[0-9a-f]{16}", openreview.key)
    assert openreview.authors == ("Donald Knuth", "Leslie Lamport")
    assert openreview.tags == ()
    assert openreview.github_urls == ("https://github.com/knuth/tex",)
    assert shannon.title == "Hugging & Papers"
    assert shannon.key == shannon.arxiv_id == "hep-th/9901001"
    assert shannon.arxiv_url == "https://arxiv.org/abs/hep-th/9901001"
    assert shannon.authors == ("Claude Shannon", "John von Neumann")
    assert shannon.tags == ("Theory", "Information Theory")
    assert shannon.huggingface_urls == ("https://huggingface.co/datasets/shannon/bits",)
    assert [p.position for p in day.papers] == [1, 2, 3, 4, 5, 6]
    assert [p.line for p in day.papers] == [5, 6, 7, 8, 9, 11]
    assert messages(day) == (
        "line 8: Classification is not a list literal; read it as "
        "['Multimodal', 'Robotics']",
        f"line 9: no arXiv link for 'Not On arXiv'; keyed as {openreview.key}",
        "line 9: placeholder link in HuggingFace URLs: https://huggingface.co/",
        "line 10: duplicate of the paper on line 5 (2504.00001); kept the first",
        "line 11: placeholder link in GitHub URLs: https://github.com/",
    )


def test_json_takes_its_date_from_the_path_and_splits_days_by_date():
    first, second = parse_file(FIXTURES / "json/2025/03/14.json")
    assert (first.date, first.line) == (datetime.date(2025, 3, 14), 2)
    assert (second.date, second.line) == (datetime.date(2025, 3, 13), 12)
    engine = first.papers[0]
    assert engine.title == "Broken Title From JSON"
    assert engine.authors == ("Ada Lovelace", "Alan Turing")
    assert engine.summary == "- First point.\n- Second point."
    assert engine.key == "2503.10001"
    # github_repo stands in when github_urls is empty; a null list is no links.
    assert engine.github_urls == ("https://github.com/ada/engine",)
    assert engine.huggingface_urls == ()
    cobol = second.papers[0]
    assert cobol.position == 1
    assert cobol.authors == ("Grace Hopper", "Edsger Dijkstra")
    assert cobol.tags == ("Compilers",)
    assert cobol.huggingface_urls == ("https://huggingface.co/grace/cobol-7b",)
    assert messages(second) == (
        "line 12: removed whitespace inside a link in HuggingFace URLs: "
        "https://huggingface.co/grace/cobol-7b",
    )


def test_json_without_a_date_anywhere_is_an_error():
    error = parse_error(
        '[\n  {"title": "A", "link": "https://arxiv.org/abs/2501.00001"}\n]'
    )
    assert error.line == 2
    assert "no 'date'" in error.message


def test_a_markdown_readme_starting_with_a_badge_is_not_taken_for_json():
    text = (
        "[![CI](https://img.shields.io/badge/ci-passing-green.svg)](https://ci)\n\n"
        "## Papers for 2025-03-11\n\n"
        "| Title | Authors |\n|---|---|\n"
        "| [A](https://arxiv.org/abs/2503.00001) | X |\n"
    )
    [day] = parse_digests(text, source="README.md")
    assert day.papers[0].key == "2503.00001"


def test_a_day_split_into_two_sections_is_one_record():
    text = (
        "## Papers for 2025-03-11\n\n| Title | Authors |\n|---|---|\n"
        "| [A](https://arxiv.org/abs/2503.00001) | X |\n\n"
        "## Papers for 2025-03-11\n\n| Title | Authors |\n|---|---|\n"
        "| [B](https://arxiv.org/abs/2503.00002) | Y |\n"
        "| [A](https://arxiv.org/abs/2503.00001) | X |\n"
    )
    [day] = parse_digests(text, source="<stdin>")
    assert [(p.key, p.position) for p in day.papers] == [
        ("2503.00001", 1),
        ("2503.00002", 2),
    ]
    assert messages(day) == (
        "line 7: a second section for 2025-03-11; its papers were added",
        "line 12: duplicate of the paper on line 5 (2503.00001); kept the first",
    )


def test_a_row_broken_right_after_a_pipe_is_joined():
    text = (
        "## Papers for 2025-03-11\n\n| Title | Authors | Summary |\n|---|---|---|\n"
        "| [A](https://arxiv.org/abs/2503.00001) | X, Y |\n"
        "  Text. |\n"
        "| [B](https://arxiv.org/abs/2503.00002) | Z | More. |\n"
    )
    [day] = parse_digests(text, source="<stdin>")
    assert [(p.title, p.summary, p.line) for p in day.papers] == [
        ("A", "Text.", 5),
        ("B", "More.", 7),
    ]


def test_columns_are_found_by_name_in_any_order_and_unknown_ones_ignored():
    text = (
        "## Papers for 2025-03-11\n\n"
        "| Authors | Stars | TITLE | GitHub URLs |\n|---|---|---|---|\n"
        "| X | 5 | [A](https://arxiv.org/abs/2503.00001) | N/A |\n"
    )
    [day] = parse_digests(text, source="<stdin>")
    assert (day.papers[0].title, day.papers[0].authors) == ("A", ("X",))
    assert day.papers[0].summary == ""


def test_a_row_without_any_link_is_keyed_by_its_title():
    text = (
        "## Papers for 2025-03-11\n\n| Title | Authors |\n|---|---|\n"
        "| A   Title | X |\n"
    )
    [day] = parse_digests(text, source="<stdin>")
    assert day.papers[0].title == "A Title"
    assert re.fullmatch(r"title-[0-9a-f]{16}", day.papers[0].key)
    same = parse_digests(text.replace("A   Title", "a title"), source="<stdin>")
    assert same[0].papers[0].key == day.papers[0].key


def test_a_day_heading_without_a_table_is_a_warning_when_other_days_have_one():
    text = (
        "## Papers for 2025-03-10\n\nNo papers today.\n\n"
        "## Papers for 2025-03-11\n\n| Title |\n|---|\n"
        "| [A](https://arxiv.org/abs/2503.00001) |\n"
    )
    empty, full = parse_digests(text, source="<stdin>")
    assert (empty.papers, messages(empty)) == (
        (),
        ("line 1: no paper table under this heading",),
    )
    assert len(full.papers) == 1


# --- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("bad_date.md", 3, "'2025-02-30' in the heading is not a real date"),
        ("no_title_column.md", 3, "the table header has no Title column"),
        ("short_row.md", 6, "table row has 3 cells but the header at line 3 has 6"),
        ("no_table.md", 3, "no paper table under the heading 'Papers for 2025-03-11'"),
        ("invalid.json", 7, "invalid JSON: Expecting property name"),
        ("not_a_list.json", 1, "expected a list of paper objects"),
        ("no_digest.md", None, "no digest found"),
    ],
)
def test_broken_files_raise_a_clear_error_with_the_line(name, line, message):
    path = FIXTURES / "broken" / name
    with pytest.raises(DigestParseError) as caught:
        parse_file(path)
    error = caught.value
    assert error.line == line
    assert message in error.message
    assert str(error) == (f"line {line}: {error.message}" if line else error.message)
    assert isinstance(error, ValueError)


def test_a_table_without_a_day_heading_is_an_error_at_the_table():
    error = parse_error("Intro\n\n| Title | Authors |\n|---|---|\n| A | B |\n")
    assert (error.line, str(error)) == (
        3,
        "line 3: found a table but no 'Papers for YYYY-MM-DD' heading above it",
    )


def test_an_unreadable_heading_date_is_an_error():
    error = parse_error("## Papers for 2025-13-01\n")
    assert (error.line, error.message) == (
        1,
        "'2025-13-01' in the heading is not a real date",
    )


def test_an_absurdly_long_author_name_is_an_error_not_a_database_failure():
    authors = "x" * 300
    error = parse_error(
        "## Papers for 2025-03-11\n\n| Title | Authors |\n|---|---|\n"
        f"| [A](https://arxiv.org/abs/2503.00001) | {authors} |\n"
    )
    assert (error.line, error.message) == (
        5,
        "an author name is 300 characters long; is a ',' or '|' missing?",
    )


def test_a_row_with_an_empty_title_is_an_error():
    error = parse_error(
        "## Papers for 2025-03-11\n\n| Title | Authors |\n|---|---|\n|  | X |\n"
    )
    assert (error.line, error.message) == (5, "table row has an empty Title cell")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            '[\n  {"title": "A", "date": "2025-02-03"},\n  "B"\n]',
            3,
            "item 2 is a str; expected a paper object",
        ),
        (
            '[{"title": "A", "date": "2025-02-30"}]',
            1,
            "'2025-02-30' is not a real date",
        ),
        ('[{"title": "", "date": "2025-02-03"}]', 1, "item 1 has no title"),
        (
            '[{"title": "A", "date": "2025-02-03", "authors": 3}]',
            1,
            "'authors' must be",
        ),
        ("[]", 1, "the JSON list is empty"),
    ],
)
def test_bad_json_content_is_an_error_at_the_item(text, line, message):
    error = parse_error(text)
    assert error.line == line
    assert message in error.message


def test_an_empty_json_list_with_a_dated_path_is_an_empty_day():
    [day] = parse_digests("[]\n", source="daily_results/2025/03/13.json")
    assert (day.date, day.papers) == (datetime.date(2025, 3, 13), ())
    assert messages(day) == ("line 1: the JSON list has no papers",)


# --- normalisers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "arxiv_id"),
    [
        ("https://arxiv.org/abs/2503.07365", "2503.07365"),
        ("https://arxiv.org/abs/2503.07365v2", "2503.07365"),
        ("http://arxiv.org/pdf/2503.07365v1.pdf", "2503.07365"),
        ("https://arxiv.org/pdf/2503.07365", "2503.07365"),
        ("https://www.arxiv.org/abs/0704.0001", "0704.0001"),
        ("https://huggingface.co/papers/2409.02795", "2409.02795"),
        ("https://arxiv.org/abs/hep-th/9901001v3", "hep-th/9901001"),
        ("https://arxiv.org/abs/math.gt/0309136", "math.GT/0309136"),
        ("https://arxiv.org/abs/arXiv:2401.12345", "2401.12345"),
        ("https://arxiv.org/abs/2503.07365#section", "2503.07365"),
        ("https://github.com/NVlabs/MaskLLM", ""),
        ("https://arxiv.org/list/cs.AI/recent", ""),
        ("", ""),
    ],
)
def test_arxiv_id_from_url(url, arxiv_id):
    assert arxiv_id_from_url(url) == arxiv_id


def test_tag_slug_uses_slugify_with_a_hash_fallback():
    assert tag_slug("Natural Language Processing") == "natural-language-processing"
    assert tag_slug("Text-to-3D") == "text-to-3d"
    assert tag_slug(" Image-Text-to-Text ") == "image-text-to-text"
    fallback = tag_slug("强化学习")
    assert re.fullmatch(r"tag-[0-9a-f]{10}", fallback)
    assert tag_slug("强化学习") == fallback != tag_slug("自然语言处理")


def test_authors_split_on_commas_and_a_trailing_and():
    text = (
        "## Papers for 2025-03-11\n\n| Title | Authors |\n|---|---|\n"
        "| [A](https://arxiv.org/abs/2503.00001) "
        "| Ann Lee,Bo Li , , Andrea Ng, and Cy Do, Bo Li |\n"
    )
    [day] = parse_digests(text, source="<stdin>")
    assert day.papers[0].authors == ("Ann Lee", "Bo Li", "Andrea Ng", "Cy Do")


ALL_MARKDOWN = sorted(p for p in PAPERS_PER_FILE if p.endswith(".md"))


def insert_pipe(text: str, value: str, start: int) -> tuple[str, int]:
    """Put an unescaped " |" into the text after the shortest unique slice of value.

    Returns the new text and where in value the pipe went (0 if nowhere).
    """
    for end in range(start + 12, len(value)):
        if text.count(value[start:end]) == 1:
            return text.replace(value[start:end], value[start:end] + " |"), end
    return text, 0


@pytest.mark.parametrize("name", ALL_MARKDOWN)
def test_unescaped_pipes_in_real_summaries_stay_in_the_summary(name):
    day = parse_day(REAL / name)
    text = (REAL / name).read_text(encoding="utf-8")
    cuts = []
    for paper in day.papers:
        text, cut = insert_pipe(text, paper.summary, len(paper.summary) // 2)
        cuts.append(cut)
    assert all(cuts)
    [piped] = parse_digests(text, source=name)
    for before, after, cut in zip(day.papers, piped.papers, cuts, strict=True):
        assert after.summary == before.summary[:cut] + " |" + before.summary[cut:]
        assert after == PaperRecord(**{**vars(before), "summary": after.summary})


@pytest.mark.parametrize(
    "name", [n for n in ALL_MARKDOWN if "2024/09/05" not in n and "2024/09/06" not in n]
)
def test_unescaped_pipes_in_real_titles_with_links_stay_in_the_title(name):
    # The earliest layout's plain-text titles give no structure to tell a pipe in the
    # title from one in the summary; every layout whose title carries links does.
    day = parse_day(REAL / name)
    text = (REAL / name).read_text(encoding="utf-8")
    cuts = []
    for paper in day.papers:
        text, cut = insert_pipe(text, paper.title, 0)
        cuts.append(cut)
    assert sum(1 for cut in cuts if cut) >= len(day.papers) - 1
    [piped] = parse_digests(text, source=name)
    for before, after, cut in zip(day.papers, piped.papers, cuts, strict=True):
        if cut:
            expected = " ".join(
                (before.title[:cut] + " |" + before.title[cut:]).split()
            )
            assert after.title == expected
        assert after == PaperRecord(**{**vars(before), "title": after.title})


# Hostile input ----------------------------------------------------------------------

TABLE = (
    "## Papers for 2025-03-03\n\n"
    "| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n"
    "|---|---|---|---|---|---|\n"
)


def test_deeply_nested_json_is_a_parse_error_with_its_line():
    text = '[{"title": "T",\n"summary": ' + "[" * 100_000 + "\n]"

    with pytest.raises(DigestParseError) as error:
        parse_digests(text, source="2025/03/03.json")

    assert "nests lists or objects too deeply" in error.value.message
    assert error.value.line == 2


@pytest.mark.parametrize(
    ("field", "obj"),
    [
        ("title", {"title": "A \ud800 title"}),
        ("summary", {"title": "T", "summary": "\udfff"}),
        ("authors", {"title": "T", "authors": ["A \ud800"]}),
        ("GitHub URLs", {"title": "T", "github_urls": ["https://github.com/\ud800"]}),
    ],
)
def test_a_lone_surrogate_is_refused_naming_its_line_and_field(field, obj):
    text = "[\n" + json.dumps({"title": "Fine"}) + ",\n" + json.dumps(obj) + "\n]"

    with pytest.raises(DigestParseError) as error:
        parse_digests(text, source="2025/03/03.json")

    assert error.value.line == 3
    assert "invalid character U+D" in error.value.message
    assert f"in the {field}" in error.value.message


def test_nul_and_control_characters_are_removed_with_a_warning():
    text = json.dumps(
        [
            {
                "date": "2025-03-03",
                "title": "A\x00 title",
                "authors": ["Ann\x00", "Ann"],
                "summary": "One\x00 two\x1b.\n\tThree",
                "classification": ["NLP\x00"],
                "github_urls": ["https://github.com/a/b\x00"],
            }
        ]
    )

    (day,) = parse_digests(text, source="x.json")

    (paper,) = day.papers
    assert paper.title == "A title"
    assert paper.authors == ("Ann",)
    assert paper.summary == "One two.\n\tThree"
    assert paper.tags == ("NLP",)
    assert paper.github_urls == ("https://github.com/a/b",)
    assert "line 1: removed control characters (U+0000) from the title" in messages(day)
    assert not any("\x00" in warning for warning in messages(day))


def test_a_markdown_row_with_a_nul_is_stored_without_it():
    text = TABLE + "| T\x00 | A | Sum\x00mary | [] | N/A | N/A |\n"

    (day,) = parse_digests(text, source="x.md")

    assert (day.papers[0].title, day.papers[0].summary) == ("T", "Summary")
    assert (
        str(day.warnings[0])
        == "line 5: removed control characters (U+0000) from the title"
    )


@pytest.mark.parametrize(
    "text",
    [
        "## Papers for 9999-12-31\n\n| Title |\n|---|\n| T |\n",
        "## Papers for 1970-01-01\n\n| Title |\n|---|\n| T |\n",
        '[\n{"date": "2100-01-01", "title": "T"}\n]',
    ],
)
def test_implausible_dates_are_refused_naming_the_line(text):
    with pytest.raises(DigestParseError) as error:
        parse_digests(text, source="x")

    assert "is outside the digest range 1991-01-01 to 2099-12-31" in error.value.message
    assert error.value.line in (1, 2)


def test_an_implausible_date_from_the_path_is_refused():
    with pytest.raises(DigestParseError, match="outside the digest range"):
        parse_digests('[{"title": "T"}]', source="daily_results/9999/01/01.json")


@pytest.mark.parametrize(
    "text",
    [
        TABLE + "| " + " " * 50_000 + " | A | S | [] | N/A | N/A |\n",
        TABLE + "| a" + " " * 50_000 + "b | A | S | [] | N/A | N/A |\n",
        TABLE + "| a" + " " * 50_000 + "(x) | A | S | [] | N/A | N/A |\n",
        TABLE + "| T | A | S" + " " * 100_000 + "x | [] | N/A | N/A |\n",
        TABLE + "| [" + "|" * 100_000 + "\n",
        TABLE + "| T | A " + "x\n" * 50_000,
        TABLE + "| T | A | S | [] | N/A | " + "a." * 50_000 + " |\n",
        "## Papers for" + " " * 50_000 + "x\n",
        "## [a](" + "[a](" * 25_000 + "\n" + TABLE + "| T | A | S | [] | N/A | N/A |\n",
    ],
    ids=[
        "spaces-title",
        "spaces-inside-title",
        "spaces-before-links",
        "long-summary",
        "stray-pipes",
        "many-lines",
        "dotted-link",
        "spaces-heading",
        "links-heading",
    ],
)
def test_pathological_rows_parse_or_fail_in_linear_time(text):
    # A regression guard against catastrophic backtracking (these took seconds to
    # minutes); the bound is generous, linear parsing takes a few hundredths. CPU
    # time, so that a loaded machine's waiting does not count.
    start = time.process_time()
    with contextlib.suppress(DigestParseError):
        parse_digests(text, source="x.md")
    assert time.process_time() - start < 1.0


def test_a_sketch_names_every_day_a_file_holds_and_estimates_its_papers():
    text = (
        "# Weekly digest 2025-01-01\n\n"
        "## [Papers for 2025-03-11](archive/2025/03/11.md)\n\n"
        "| Title | Authors |\n|---|---|\n"
        "| [A](https://arxiv.org/abs/2503.00001) | Ada |\n"
        "| [B](https://arxiv.org/abs/2503.00002) | Alan |\n\n"
        "## Papers for 2025-03-12\n\n"
        "| Title | Authors |\n|---|---|\n"
        "| [C](https://arxiv.org/abs/2503.00003) | Grace |\n"
    )

    sketch = sketch_days(text)

    read = {record.date for record in parse_digests(text, source="x.md")}
    assert read <= set(sketch)  # a superset: the intro's date is there too
    assert sketch[datetime.date(2025, 3, 11)] == 2
    assert sketch[datetime.date(2025, 3, 12)] == 1


def test_a_sketch_leaves_json_to_the_parser():
    assert sketch_days('[{"title": "A", "date": "2025-03-11"}]') is None
