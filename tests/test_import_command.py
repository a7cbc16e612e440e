import datetime
import io
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from papers.importer import files as files_module
from papers.importer.files import (
    DigestFile,
    find_digest_paths,
    prefer_fullest_days,
    read_digest_files,
    walk_digest_folder,
)
from papers.importer.parser import parse_digests
from papers.management.commands import import_digest
from papers.models import Appearance, Author, Digest, Paper
from tests.digests import (
    SAMPLE_DIGESTS,
    Row,
    write_daily_json,
    write_digest,
)
from tests.factories import PaperRecordFactory, digest_record
from tests.sample_corpus import PAPERS_PER_FILE

FIXTURES = Path(__file__).parent / "fixtures" / "digests"
REAL = SAMPLE_DIGESTS
BROKEN = FIXTURES / "broken"

# Distinct papers in the whole sample: every day's fullest copy, 12 papers on 2 days.
REAL_PAPERS = 263
BOTH_DAY = datetime.date(2025, 3, 3)
# A day as the publisher's markdown selection and as the JSON of every paper.
SELECTED = (Row("2503.00001"), Row("2503.00003"))
EVERY_PAPER = (
    Row("2503.00001"),
    Row("2503.00002"),
    Row("2503.00003"),
    Row("2503.00004"),
)


def date_of(relative: str) -> datetime.date:
    year, month, day = Path(relative).with_suffix("").parts[-3:]
    return datetime.date(int(year), int(month), int(day))


def run(*args: str, **options) -> tuple[str, str]:
    """Run the command; (stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_digest", *args, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def run_failing(*args: str, **options) -> tuple[str, str, str]:
    """Run a command expected to fail; (stdout, stderr, CommandError message)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_digest", *args, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue(), str(failure.value)


def day_positions(date: datetime.date) -> list[tuple[str, int]]:
    return list(
        Appearance.objects.filter(date=date)
        .order_by("paper__key")
        .values_list("paper__key", "position")
    )


def day_keys(date: datetime.date) -> list[str]:
    return list(
        Appearance.objects.filter(date=date)
        .order_by("position")
        .values_list("paper__key", flat=True)
    )


# Importing the real samples ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("relative", sorted(PAPERS_PER_FILE))
def test_each_real_sample_file_imports_all_its_papers(relative):
    stdout, stderr = run(str(REAL / relative))

    date = date_of(relative)
    assert Digest.objects.get().date == date
    assert len(day_keys(date)) == PAPERS_PER_FILE[relative]
    assert (
        Paper.objects.filter(last_digest_date=date).count() == PAPERS_PER_FILE[relative]
    )
    assert f"1 day: {PAPERS_PER_FILE[relative]} new papers" in stdout
    assert stderr == ""


@pytest.mark.django_db
def test_importing_the_real_folder_gives_each_day_its_fullest_copy():
    stdout, _ = run(str(REAL))

    fullest: dict[datetime.date, int] = {}
    for relative, count in PAPERS_PER_FILE.items():
        date = date_of(relative)
        fullest[date] = max(count, fullest.get(date, 0))
    assert Digest.objects.count() == len(fullest) == 18
    for date, count in fullest.items():
        assert len(day_keys(date)) == count, date
    assert Paper.objects.count() == REAL_PAPERS
    # Counted as the site shows them: 29 files hold 18 distinct days.
    assert stdout.splitlines()[-1] == (
        f"Imported 29 of 29 files, 18 days: {REAL_PAPERS} new papers, 0 changed, "
        "0 as stored, 12 warnings, 0 errors."
    )
    # The JSON copy loaded first, so the day's order is the full table's.
    json_day = REAL / "daily-ai-papers/daily_results/2025/03/03.json"
    assert day_keys(BOTH_DAY) == [
        row.key for row in parse_digests(json_day.read_text(), source="x")[0].papers
    ]


def two_days(folder: Path) -> Path:
    """Two days sharing one paper: three distinct papers in all."""
    write_digest(folder, "10.md", "2025-03-10", Row("2503.00001"), Row("2503.00002"))
    write_digest(folder, "11.md", "2025-03-11", Row("2503.00002"), Row("2503.00003"))
    return folder


@pytest.fixture
def both_copies(tmp_path) -> dict[str, Path]:
    """BOTH_DAY as a markdown selection of two papers and the JSON of all four."""
    return {
        "md": write_digest(tmp_path, "archive/2025/03/03.md", "2025-03-03", *SELECTED),
        "json": write_daily_json(tmp_path, "daily/2025/03/03.json", *EVERY_PAPER),
    }


@pytest.mark.django_db
def test_a_second_run_changes_nothing(tmp_path):
    run(str(two_days(tmp_path)))
    papers = dict(Paper.objects.values_list("key", "updated_at"))

    stdout, _ = run(str(tmp_path))

    assert "0 new papers, 0 changed, 3 as stored" in stdout
    assert dict(Paper.objects.values_list("key", "updated_at")) == papers


@pytest.mark.django_db
@pytest.mark.parametrize(
    "order",
    [["md", "json", "md"], ["json", "md"], ["json", "md", "json", "md"]],
    ids=["md-json-md", "json-md", "json-md-json-md"],
)
def test_the_markdown_and_the_json_of_a_day_give_the_json_in_any_order(
    order, both_copies
):
    full = {row.arxiv_id for row in EVERY_PAPER}
    positions = None
    for number, copy in enumerate(order):
        stdout, _ = run(str(both_copies[copy]))
        if number >= 2:
            # Each file has been imported once already: nothing changes.
            assert "0 new papers, 0 changed" in stdout
            assert day_positions(BOTH_DAY) == positions
        positions = day_positions(BOTH_DAY)

    assert set(day_keys(BOTH_DAY)) == full
    assert sorted(position for _, position in positions) == list(
        range(1, len(full) + 1)
    )


@pytest.mark.django_db
def test_overwrite_with_the_shorter_copy_of_a_day_drops_the_rest(both_copies):
    run(str(both_copies["json"]))

    stdout, _ = run(str(both_copies["md"]), "--overwrite", verbosity=2)

    assert day_keys(BOTH_DAY) == ["2503.00001", "2503.00003"]
    assert "2 dropped from their day" in stdout


@pytest.mark.django_db
def test_a_hand_edit_survives_a_reimport_and_overwrite_replaces_it(both_copies):
    day = str(both_copies["json"])
    run(day)
    paper = Paper.objects.order_by("key").first()
    original = paper.title
    paper.title = "Edited by hand"
    paper.edited_fields = ["title"]
    paper.save()

    stdout, _ = run(day)
    paper.refresh_from_db()
    assert paper.title == "Edited by hand"
    assert "0 changed" in stdout

    stdout, _ = run(day, overwrite=True)
    paper.refresh_from_db()
    assert paper.title == original
    assert paper.edited_fields == []
    assert "1 changed" in stdout


# Bad input --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_broken_file_in_a_folder_writes_nothing_and_the_others_import(tmp_path):
    write_digest(tmp_path, "a.md", "2024-09-05", Row("2409.00001"), Row("2409.00002"))
    shutil.copy(BROKEN / "short_row.md", tmp_path / "b.md")
    write_digest(tmp_path, "c.md", "2024-09-06", Row("2409.00002"), Row("2409.00003"))

    stdout, stderr, error = run_failing(str(tmp_path))

    assert error == "1 of 3 files failed."
    assert stderr.strip() == (
        f"{tmp_path / 'b.md'}:6: table row has 3 cells but the header at line 3 "
        "has 6; is a '|' missing?"
    )
    assert "Imported 2 of 3 files, 2 days: 3 new papers" in stdout
    assert set(Digest.objects.values_list("date", flat=True)) == {
        datetime.date(2024, 9, 5),
        datetime.date(2024, 9, 6),
    }
    # The broken file's good rows were not saved either.
    assert not Paper.objects.filter(key__startswith="2503.0000").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad_date.md", ":3: '2025-02-30' in the heading is not a real date"),
        ("invalid.json", ":7: invalid JSON"),
        ("no_digest.md", ": no digest found"),
        ("not_a_list.json", ":1: the JSON is a dict"),
        ("too_deep.json", ":2: the JSON nests lists or objects too deeply"),
        ("lone_surrogate.json", ":3: invalid character U+D800 in the title"),
        ("far_future.md", ":3: the date 9999-12-31 is outside the digest range"),
    ],
)
def test_a_file_that_cannot_be_parsed_is_reported_with_its_line(name, message):
    path = str(BROKEN / name)

    _, stderr, error = run_failing(path)

    assert stderr.startswith(path + message)
    assert "Traceback" not in stderr
    assert error == "1 of 1 file failed."
    assert not Digest.objects.exists()


@pytest.mark.django_db
def test_a_missing_path_is_a_clear_error_and_the_other_paths_still_import(tmp_path):
    day = str(write_digest(tmp_path, "05.md", "2024-09-05", Row("2409.00001")))

    _, stderr, error = run_failing("no/such/digest.md", day)

    assert stderr.strip() == "no/such/digest.md: no such file or directory"
    assert error == "1 of 2 files failed."
    assert Digest.objects.count() == 1


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_reported_with_its_line(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes("## Papers for 2025-03-03\n\nCaf\u00e9".encode("latin-1"))

    _, stderr, _ = run_failing(str(path))

    assert stderr.strip() == (
        f"{path}:3: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    )


@pytest.mark.django_db
def test_a_folder_without_digest_files_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")

    _, stderr, error = run_failing(str(tmp_path))

    assert stderr.strip() == f"{tmp_path}: no digest files (.json, .markdown, .md) here"
    assert error == "1 of 1 file failed."


# Options and output -----------------------------------------------------------------

MARKDOWN_DAY = """## Papers for 2025-03-03

| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |
|-------|---------|---------|----------------|-------------|-----------------|
| [From Stdin](https://arxiv.org/abs/2503.00042) | Ada Lovelace | - Text. | [] | | |
"""


@pytest.mark.django_db
def test_a_dash_reads_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(MARKDOWN_DAY))

    stdout, _ = run("-")

    paper = Paper.objects.get()
    assert paper.key == "2503.00042"
    assert Digest.objects.get().source == "<stdin>"
    assert "1 day: 1 new paper," in stdout


@pytest.mark.django_db
def test_standard_input_is_decoded_strictly_as_utf8(monkeypatch):
    data = MARKDOWN_DAY.replace("Ada", "Ad\u00e1").encode("latin-1")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))

    _, stderr, _ = run_failing("-")

    assert stderr.startswith("<stdin>:5: not UTF-8 text")


@pytest.mark.django_db
def test_a_dry_run_writes_nothing_but_reports_the_counts(tmp_path):
    stdout, _ = run(str(two_days(tmp_path)), dry_run=True)

    assert Paper.objects.count() == Author.objects.count() == 0
    assert not Digest.objects.exists()
    assert stdout.strip() == (
        "Dry run, nothing saved: 2 of 2 files, 2 days: 3 new papers, 0 changed, "
        "0 as stored, 0 warnings, 0 errors."
    )


@pytest.mark.django_db
def test_a_dry_run_prints_the_same_lines_as_the_import(tmp_path, both_copies):
    two_days(tmp_path)
    write_digest(tmp_path, "12.md", "2025-03-12", Row("2503.00001", title="Newer"))
    shutil.copy(BROKEN / "short_row.md", tmp_path / "broken.md")

    dry, dry_errors, _ = run_failing(str(tmp_path), dry_run=True, verbosity=2)
    assert not Paper.objects.exists()
    real, real_errors, _ = run_failing(str(tmp_path), verbosity=2)

    # Every line but the timing: per file, each warning, the summary.
    def lines(output: str) -> list[str]:
        return [line for line in output.splitlines() if " papers/s" not in line]

    assert lines(dry) == [
        line.replace("Imported ", "Dry run, nothing saved: ")
        for line in lines(real)
        if not line.startswith(("Built the browse index", "Merged the search index"))
    ]
    assert dry_errors == real_errors
    assert "Imported 5 of 6 files, 4 days: 4 new papers, 0 changed" in real


@pytest.mark.django_db
def test_verbosity_zero_prints_nothing_on_success(tmp_path):
    assert run(str(two_days(tmp_path)), verbosity=0) == ("", "")


@pytest.mark.django_db
def test_verbosity_one_counts_warnings_and_two_lists_them(tmp_path):
    placeholder = Row("2503.00002", huggingface_urls=("https://string",))
    day = str(
        write_digest(tmp_path, "04.md", "2025-03-04", Row("2503.00001"), placeholder)
    )

    quiet, _ = run(day)
    loud, _ = run(day, verbosity=2)

    assert f"{day}: 1 data-quality warning (-v 2 lists them)" in quiet
    assert f"{day}: 1 day, 0 created, 0 updated, 2 unchanged, 1 warning" in loud
    assert f"  {day}:6: " in loud and "'https://string'" in loud


@pytest.mark.django_db
def test_verbosity_two_says_how_long_other_writers_may_have_waited(tmp_path):
    day = str(write_digest(tmp_path, "04.md", "2025-03-04", Row("2503.00001")))

    loud, _ = run(day, verbosity=2)

    assert re.search(r"; the longest write transaction took [\d,]+ ms", loud)
    # On PostgreSQL other writers wait only for the data version's row.
    version_row = re.search(
        r"it held the data version's row, which other writers of papers wait for, "
        r"[\d,]+ ms at most\.",
        loud,
    )
    assert bool(version_row) == (connection.vendor == "postgresql")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def twelve_days(folder: Path) -> Path:
    """Twelve one-paper days: enough files for a progress bar."""
    for day in range(1, 13):
        write_digest(
            folder, f"{day:02d}.md", f"2025-03-{day:02d}", Row(f"2503.{day:05d}")
        )
    return folder


@pytest.mark.django_db
def test_a_progress_bar_is_drawn_on_a_terminal_for_many_files(tmp_path):
    stdout, stderr = io.StringIO(), Terminal()

    call_command(
        "import_digest", str(twelve_days(tmp_path)), stdout=stdout, stderr=stderr
    )

    assert "\r[" + "#" * 30 + "] 12/12 files, 12 papers, " in stderr.getvalue()
    assert "] 1/12 files, 1 paper, " in stderr.getvalue()
    assert stderr.getvalue().rstrip("\r\033[K").endswith(" papers/s")
    assert "Traceback" not in stderr.getvalue()


@pytest.mark.django_db
def test_the_progress_bar_is_plain_text_even_in_colour(tmp_path):
    stdout, stderr = io.StringIO(), Terminal()
    # As on a real terminal: the command's own stderr wrapper, styled ERROR.
    command = import_digest.Command(stdout=stdout, stderr=stderr, force_color=True)

    call_command(command, str(twelve_days(tmp_path)))

    assert "] 12/12" in stderr.getvalue()
    # Only the bar and its "clear line" code: stderr's default style is bold red.
    assert stderr.getvalue().replace("\r\033[K", "").count("\033") == 0


@pytest.mark.django_db
def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    _, stderr = run(str(twelve_days(tmp_path)))

    assert stderr == ""


@pytest.mark.django_db
def test_a_long_import_writes_progress_lines_when_stderr_is_not_a_terminal(
    tmp_path, monkeypatch
):
    # As if every file took longer than the interval between lines.
    monkeypatch.setattr(import_digest, "PROGRESS_LINE_SECONDS", 0)

    _, stderr = run(str(twelve_days(tmp_path)))

    lines = stderr.splitlines()
    assert len(lines) == 11  # none once every file is done: the summary follows
    assert lines[0].startswith("Progress: 1/12 files, 1 paper, ")
    assert lines[-1].startswith("Progress: 11/12 files, 11 papers, ")
    assert all(line.endswith(" papers/s") for line in lines)
    assert run(str(tmp_path), verbosity=0)[1] == ""


# Finding and choosing files ---------------------------------------------------------


def test_a_folder_is_walked_recursively_in_order_skipping_non_digests(tmp_path):
    for name in [
        "b/02.md",
        "b/01.json",
        "a/10.markdown",
        "README.md",
        "LICENSE",
        "notes.txt",
        ".hidden.md",
        ".git/config.md",
        "b/CHANGELOG.md",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")

    found = walk_digest_folder(tmp_path)

    assert [str(path.relative_to(tmp_path)) for path in found] == [
        "a/10.markdown",
        "b/01.json",
        "b/02.md",
    ]


def test_a_file_named_explicitly_is_read_whatever_its_name(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("")

    assert find_digest_paths([str(path), "-"]) == [
        (str(path), path, ""),
        ("<stdin>", None, ""),
    ]


def test_of_two_copies_of_a_day_the_fuller_one_is_loaded_first():
    date = datetime.date(2025, 3, 3)
    small = DigestFile("a.md", records=[digest_record(date, [PaperRecordFactory()])])
    full = DigestFile(
        "a.json",
        records=[digest_record(date, [PaperRecordFactory(), PaperRecordFactory()])],
    )
    tie = DigestFile(
        "b.json",
        records=[digest_record(date, [PaperRecordFactory(), PaperRecordFactory()])],
    )
    other_day = DigestFile(
        "c.md", records=[digest_record(datetime.date(2025, 3, 4), [])]
    )
    files = [small, full, tie, other_day]

    prefer_fullest_days(files)

    assert [file.name for file in files] == ["a.json", "b.json", "c.md", "a.md"]
    assert all(len(file.records) == 1 for file in files)


@pytest.mark.django_db
def test_a_large_import_rereads_files_instead_of_holding_them_and_gets_the_same(
    monkeypatch, tmp_path, both_copies
):
    two_days(tmp_path)
    held, _ = run(str(tmp_path), dry_run=True)
    monkeypatch.setattr(import_digest, "KEEP_PARSED_PAPERS", 1)

    dry, _ = run(str(tmp_path), dry_run=True)
    real, _ = run(str(tmp_path))

    assert dry == held
    assert real.splitlines()[-1] == held.splitlines()[-1].replace(
        "Dry run, nothing saved: ", "Imported "
    )
    assert Paper.objects.count() == 4
    # The JSON copy, the fuller one, was still loaded first.
    assert day_keys(BOTH_DAY) == [row.arxiv_id for row in EVERY_PAPER]


def test_a_released_file_that_changed_before_its_turn_fails_alone(tmp_path):
    path = write_digest(tmp_path, "day.md", "2024-09-05", Row("2409.00001"))
    (file,) = read_digest_files([str(path)], stdin=io.StringIO())
    file.release()
    assert file.released and file.records == [] and file.papers > 0

    path.write_text(path.read_text().replace("## Papers for 2024-09-05", "# x"))
    file.reload()

    assert "no 'Papers for YYYY-MM-DD' heading" in file.error
    assert file.records == []


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The names of the files parsed, in order, each time one is."""
    names: list[str] = []
    original = files_module.parse_text
    monkeypatch.setattr(
        files_module,
        "parse_text",
        lambda name, text: names.append(Path(name).name) or original(name, text),
    )
    return names


def test_files_beyond_the_memory_limit_are_parsed_once_when_their_turn_comes(
    parsed, tmp_path
):
    two_days(tmp_path)

    first, second = read_digest_files(
        [str(tmp_path)], stdin=io.StringIO(), keep_papers=1
    )

    assert parsed == ["10.md"]  # the second only sketched, its sizes estimated
    assert second.sketched and second.released and second.papers == 2
    second.reload()
    assert parsed == ["10.md", "11.md"]
    assert [len(record.papers) for record in second.records] == [2]
    assert not second.sketched and second.ok


@pytest.mark.django_db
def test_a_file_larger_than_the_memory_limit_is_parsed_once(
    monkeypatch, parsed, tmp_path
):
    # One many-day file, as a publisher's README archive is: the import holds it
    # whole while it writes it, so it must not be released and parsed again.
    path = tmp_path / "archive.md"
    two_days(tmp_path)
    path.write_text((tmp_path / "10.md").read_text() + (tmp_path / "11.md").read_text())
    for day in ("10.md", "11.md"):
        (tmp_path / day).unlink()
    monkeypatch.setattr(import_digest, "KEEP_PARSED_PAPERS", 1)

    stdout, _ = run(str(path))

    assert parsed == ["archive.md"]
    assert "2 days: 3 new papers" in stdout
    assert Paper.objects.count() == 3


def test_a_sketched_file_sharing_a_day_with_another_is_parsed_for_its_true_size(
    tmp_path,
):
    write_digest(tmp_path, "a.md", "2025-03-03", Row("2503.00001"))
    # Three table lines, one of them a repeat of a paper already on the day.
    write_digest(tmp_path, "b.md", "2025-03-03", Row("2503.00001"), *EVERY_PAPER[1:3])
    write_digest(tmp_path, "c.md", "2025-03-04", Row("2503.00005"))

    files = read_digest_files([str(tmp_path)], stdin=io.StringIO(), keep_papers=0)

    by_name = {Path(file.name).name: file for file in files}
    assert not by_name["b.md"].sketched and by_name["b.md"].papers == 3
    assert by_name["c.md"].sketched
    # The fuller copy of the shared day comes first.
    assert [Path(file.name).name for file in files][:1] == ["b.md"]


def test_a_sketched_file_that_changed_before_its_turn_fails_alone(tmp_path):
    two_days(tmp_path)
    _, second = read_digest_files([str(tmp_path)], stdin=io.StringIO(), keep_papers=1)
    assert second.sketched

    path = Path(second.name)
    path.write_text(path.read_text().replace("2503.00003", "2503.00009"))
    second.reload()

    assert second.error == f"{second.name}: the file changed during the import"
    assert second.records == []


@pytest.mark.django_db
def test_a_file_larger_than_max_size_is_refused_unread_and_the_others_import(
    tmp_path,
):
    write_digest(tmp_path, "a.md", "2024-09-05", Row("2409.00001"))
    big = tmp_path / "big.md"
    big.write_text("## Papers for 2025-01-01\n" + " " * 300_000)

    stdout, stderr, error = run_failing(str(tmp_path), max_size=0.2)

    assert stderr.strip() == (
        f"{big}: larger than 0.2 MB; split it, or raise the limit with --max-size"
    )
    assert "Imported 1 of 2 files" in stdout
    assert error == "1 of 2 files failed."


def test_max_size_must_be_positive():
    with pytest.raises(CommandError, match="--max-size must be a positive number"):
        call_command("import_digest", "x.md", max_size=0, stdout=io.StringIO())


@pytest.fixture
def counted_builds(monkeypatch):
    from papers.browse import index

    builds = []
    real_build = index.FacetIndex.build.__func__
    monkeypatch.setattr(
        index.FacetIndex,
        "build",
        classmethod(lambda cls, **kw: builds.append(1) or real_build(cls, **kw)),
    )
    index.forget_indexes()
    yield builds
    index.forget_indexes()


def import_printing(*arguments) -> str:
    out = io.StringIO()
    call_command("import_digest", *arguments, verbosity=2, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_where_the_index_is_not_shared_the_command_builds_it_only_when_asked(
    tmp_path, counted_builds, settings
):
    # Each web worker builds its own on its next request; a command about to exit
    # has no use for an index of its own (at a million papers: seconds and some
    # 450 MB).
    settings.BROWSE_INDEX_DIR = ""
    write_digest(tmp_path, "a.md", "2025-03-10", Row("2503.00001"))
    out = import_printing(str(tmp_path))
    assert not counted_builds and "Built the browse index" not in out
    write_digest(tmp_path, "b.md", "2025-03-11", Row("2503.00002"))
    out = import_printing(str(tmp_path), "--build-index")
    assert counted_builds == [1] and "Built the browse index in" in out


@pytest.mark.django_db
def test_where_the_index_is_shared_the_command_builds_it_for_the_workers(
    tmp_path, counted_builds, monkeypatch
):
    from papers.browse import index
    from papers.browse.shared import IndexStore
    from papers.browse.version import current_version
    from papers.management.commands import import_digest

    store = IndexStore(tmp_path / "shared")
    monkeypatch.setattr(index, "index_store", lambda using: store)
    monkeypatch.setattr(import_digest, "index_store", lambda using: store)
    write_digest(tmp_path / "in", "a.md", "2025-03-10", Row("2503.00001"))
    out = import_printing(str(tmp_path / "in"))
    assert counted_builds == [1] and "Built the browse index in" in out
    assert store.load(current_version()) is not None  # what the workers load

    write_digest(tmp_path / "in", "b.md", "2025-03-11", Row("2503.00002"))
    out = import_printing(str(tmp_path / "in"), "--no-build-index")
    assert counted_builds == [1] and "Built the browse index" not in out
    assert store.load(current_version()) is None  # the workers build it
