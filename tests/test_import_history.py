"""Re-importing bytes imported before skips them, and only while that is safe."""

import datetime
import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from papers.importer import files
from papers.models import Appearance, ImportedFile, Paper
from tests.digests import SAMPLE_DIGESTS

REAL = SAMPLE_DIGESTS
SELECTION = REAL / "daily-ai-papers/archive/2025/03/03.md"
EVERYTHING = REAL / "daily-ai-papers/daily_results/2025/03/03.json"
OTHER_DAY = REAL / "daily-ai-papers/daily_results/2025/03/04.json"
BOTH_DAY = datetime.date(2025, 3, 3)


def run(*args: str, **options) -> str:
    stdout = io.StringIO()
    call_command("import_digest", *args, stdout=stdout, stderr=io.StringIO(), **options)
    return stdout.getvalue()


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The names of the files each run parses (a skipped file is never parsed)."""
    names: list[str] = []
    parse = files.parse_digests

    def counting(text: str, *, source: str):
        names.append(source)
        return parse(text, source=source)

    monkeypatch.setattr(files, "parse_digests", counting)
    return names


def keys_in(path: Path) -> set[str]:
    return {
        row.key for row in files.parse_text("x", path.read_text()).records[0].papers
    }


def keys_stored_on(date: datetime.date) -> set[str]:
    return set(
        Appearance.objects.filter(date=date).values_list("paper__key", flat=True)
    )


@pytest.mark.django_db
def test_a_second_run_skips_every_file_and_reports_what_a_reimport_would(parsed):
    run(str(REAL))
    ImportedFile.objects.all().delete()  # forget the history: a full re-import
    parsed.clear()
    reimported = run(str(REAL), verbosity=2)
    assert parsed, "the history was forgotten, yet the run skipped files"
    parsed.clear()

    skipped = run(str(REAL), verbosity=2)

    assert parsed == []

    # Same summary, per-file lines and warnings; only the timings differ.
    def report(text: str) -> list[str]:
        return [line for line in text.splitlines() if "papers/s" not in line]

    assert "as stored" in skipped
    assert report(skipped) == report(reimported)


@pytest.mark.django_db
def test_a_dry_run_skips_known_files_too(parsed):
    run(str(EVERYTHING))
    parsed.clear()

    stdout = run(str(EVERYTHING), dry_run=True)

    assert parsed == []
    assert "Dry run, nothing saved" in stdout and "0 changed" in stdout


@pytest.mark.django_db
def test_changed_bytes_are_imported(tmp_path, parsed):
    day = tmp_path / "day.md"
    shutil.copy(SELECTION, day)
    run(str(day))
    text = day.read_text()
    first_title = Paper.objects.order_by("pk").first().title
    day.write_text(text.replace(first_title, "A corrected title", 1))

    run(str(day), overwrite=True)

    assert parsed == [str(day), str(day)]
    assert Paper.objects.filter(title="A corrected title").exists()


@pytest.mark.django_db
def test_other_imports_between_two_runs_keep_a_file_skippable(parsed):
    run(str(EVERYTHING))
    run(str(OTHER_DAY))
    parsed.clear()

    run(str(EVERYTHING))

    assert parsed == []


@pytest.mark.django_db
def test_a_paper_deleted_after_the_import_comes_back_on_the_next_run(parsed):
    run(str(EVERYTHING))
    paper = Paper.objects.order_by("key").first()
    paper.delete()
    parsed.clear()

    stdout = run(str(EVERYTHING))

    assert parsed == [str(EVERYTHING)]
    assert "1 new paper" in stdout
    assert Paper.objects.filter(key=paper.key).exists()


@pytest.mark.django_db
def test_an_edit_after_the_import_makes_the_next_run_import_again(parsed):
    run(str(EVERYTHING))
    paper = Paper.objects.order_by("key").first()
    paper.title = "Edited by hand"
    paper.edited_fields = ["title"]
    paper.save()
    parsed.clear()

    run(str(EVERYTHING))

    assert parsed == [str(EVERYTHING)]
    paper.refresh_from_db()
    assert paper.title == "Edited by hand"


@pytest.mark.django_db
def test_overwrite_never_skips_and_ends_the_history(parsed):
    run(str(SELECTION))
    run(str(EVERYTHING))
    assert keys_stored_on(BOTH_DAY) == keys_in(EVERYTHING) > keys_in(SELECTION)
    parsed.clear()

    # Known bytes, but --overwrite makes the day exactly this file again.
    run(str(SELECTION), overwrite=True)
    assert parsed == [str(SELECTION)]
    assert keys_stored_on(BOTH_DAY) == keys_in(SELECTION)

    # The overwrite dropped papers the JSON had added: importing it again must
    # add them back, not skip it.
    parsed.clear()
    run(str(EVERYTHING))
    assert parsed == [str(EVERYTHING)]
    assert keys_stored_on(BOTH_DAY) == keys_in(EVERYTHING)


@pytest.mark.django_db
def test_a_file_whose_name_is_too_long_to_record_imports_and_is_never_skipped(
    tmp_path, parsed
):
    folder = tmp_path / ("d" * 200) / ("e" * 200) / ("f" * 200)
    folder.mkdir(parents=True)
    day = folder / "day.md"
    shutil.copy(SELECTION, day)

    first = run(str(day))
    second = run(str(day))

    assert "1 of 1 file" in first and "0 errors" in first
    assert "0 errors" in second
    assert parsed == [str(day), str(day)]
    assert not ImportedFile.objects.exists()
