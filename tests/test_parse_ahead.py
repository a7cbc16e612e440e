"""Parsing the next files in a worker process gives what parsing them here gives."""

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from papers.importer import loader, parse_ahead
from papers.importer.files import DigestFile, read_digest_files
from papers.importer.parse_ahead import ParseAhead
from papers.management.commands import import_digest
from papers.models import Appearance, Authorship, Digest, ImportedFile, Paper
from tests.digests import Row, write_daily_json, write_digest


def archive(folder: Path) -> Path:
    """Five day files, markdown and JSON, one day held by both."""
    write_digest(folder, "a.md", "2025-03-10", Row("2503.00001"), Row("2503.00002"))
    write_daily_json(folder, "b/2025/03/11.json", Row("2503.00002"), Row("2503.00003"))
    write_digest(folder, "c.md", "2025-03-12", Row("2503.00004", tags=("RL",)))
    write_digest(folder, "d.md", "2025-03-13", Row("2503.00005"), Row("2503.00001"))
    write_daily_json(folder, "e/2025/03/14.json", Row("2503.00006"))
    return folder


def released(folder: Path) -> list[DigestFile]:
    """The folder's files as a large import holds them: released, parsed later."""
    files = read_digest_files([str(folder)], stdin=io.StringIO(), keep_papers=0)
    for file in files:
        file.release()  # the first one read is kept: it crossed the limit
    assert all(file.released for file in files)
    return files


def in_place(files: list[DigestFile]) -> list[tuple]:
    for file in files:
        file.reload()
    return outcome(files)


def ahead(files: list[DigestFile]) -> tuple[list[tuple], ParseAhead]:
    """Reload the files through a ParseAhead whose worker is up before the first."""
    with ParseAhead(files) as parsing:
        if parsing.started:
            assert parsing.ready(timeout=60)
        for file in files:
            parsing.reload(file)
    return outcome(files), parsing


def outcome(files: list[DigestFile]) -> list[tuple]:
    return [(f.name, f.records, f.error, f.sha256, f.released) for f in files]


@pytest.fixture
def eager(monkeypatch):
    """A worker for any number of papers, however busy the machine."""
    monkeypatch.setattr(parse_ahead, "PARSE_AHEAD_FROM", 0)
    monkeypatch.setattr(parse_ahead, "_spare_cpu", lambda: True)


def test_the_worker_parses_markdown_and_json_as_this_process_does(tmp_path, eager):
    archive(tmp_path)

    here = in_place(released(tmp_path))
    there, parsing = ahead(released(tmp_path))

    assert there == here
    assert all(records for _, records, error, _, _ in there if not error)
    # The first file is parsed here while the worker is handed the next ones.
    assert parsing.parsed_ahead == len(there) - 1


def test_a_file_changed_after_it_was_read_fails_as_it_does_without_the_worker(
    tmp_path, eager
):
    archive(tmp_path)
    outcomes = []
    for reload in (in_place, lambda files: ahead(files)[0]):
        files = released(tmp_path)
        # One file sketched (told by its hash), one parsed and released (by its
        # day sizes), one made unreadable as a digest.
        for name, old, new in [
            ("c.md", "2503.00004", "2503.00009"),
            ("d.md", "## Papers for 2025-03-13", "# x"),
        ]:
            path = tmp_path / name
            path.write_text(path.read_text().replace(old, new, 1))
        # A paper more on a.md's day.
        write_digest(
            tmp_path, "a.md", "2025-03-10", *[Row(f"2503.0000{n}") for n in (1, 2, 7)]
        )
        outcomes.append(reload(files))
        archive(tmp_path)  # as first written, for the second round

    here, there = outcomes
    assert there == here
    errors = {Path(name).name: error for name, _, error, _, _ in there if error}
    assert errors["c.md"] == f"{tmp_path / 'c.md'}: the file changed during the import"
    assert errors["a.md"] == f"{tmp_path / 'a.md'}: the file changed during the import"
    assert "no 'Papers for YYYY-MM-DD' heading" in errors["d.md"]


def test_a_file_removed_meanwhile_fails_cleanly(tmp_path, eager):
    archive(tmp_path)
    here_files, there_files = released(tmp_path), released(tmp_path)
    (tmp_path / "c.md").unlink()

    here = in_place(here_files)
    there, _ = ahead(there_files)

    assert there == here
    (failed,) = [file for file in there_files if file.error]
    assert failed.error == f"{tmp_path / 'c.md'}: No such file or directory"


@pytest.mark.parametrize(
    ("failing", "message"),
    [
        # No pipe to a worker.
        ("socket.socketpair", "no processes here"),
        # The worker cannot be started.
        ("subprocess.Popen", "fork: Resource temporarily unavailable"),
    ],
)
def test_without_a_worker_the_files_are_parsed_here(
    tmp_path, eager, monkeypatch, failing, message
):
    def no_processes(*args, **kwargs):
        raise OSError(message)

    module, name = failing.split(".")
    monkeypatch.setattr(getattr(parse_ahead, module), name, no_processes)
    archive(tmp_path)

    here = in_place(released(tmp_path))
    there, parsing = ahead(released(tmp_path))

    assert there == here
    assert not parsing.started and parsing.parsed_ahead == 0


def test_when_the_worker_dies_the_files_are_parsed_here(tmp_path, eager):
    archive(tmp_path)
    here = in_place(released(tmp_path))
    files = released(tmp_path)

    with ParseAhead(files) as parsing:
        assert parsing.ready(timeout=60)
        os.kill(parsing.worker_pid, signal.SIGKILL)
        for file in files:
            parsing.reload(file)

    assert outcome(files) == here
    assert parsing.parsed_ahead == 0
    assert gone(parsing.worker_pid)


def test_a_small_import_starts_no_worker(tmp_path, monkeypatch):
    monkeypatch.setattr(parse_ahead, "_spare_cpu", lambda: True)
    archive(tmp_path)

    there, parsing = ahead(released(tmp_path))

    assert not parsing.started
    assert there == in_place(released(tmp_path))


@pytest.mark.django_db
def test_the_worker_is_stopped_when_an_import_is_interrupted(tmp_path, eager, capfd):
    archive(tmp_path)
    started = []

    class Recorded(ParseAhead):
        def __init__(self, files):
            super().__init__(files)
            assert self.ready(timeout=60)
            started.append(self.worker_pid)

    def interrupt(file, stats):
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "ParseAhead", Recorded)
        with pytest.raises(KeyboardInterrupt):
            loader.load_files(released(tmp_path), on_loaded=interrupt)

    assert len(started) == 1 and gone(started[0])
    assert "Traceback" not in capfd.readouterr().err  # the worker ended quietly


def gone(pid: int) -> bool:
    """Whether the process has ended and been waited for."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def database() -> dict[str, list]:
    """What an import wrote, by natural keys (no row ids, no timestamps)."""
    fields = [
        field.name
        for field in Paper._meta.concrete_fields
        if field.name not in {"id", "created_at", "updated_at"}
    ]
    return {
        "papers": list(Paper.objects.order_by("key").values_list(*fields)),
        "authors": list(
            Authorship.objects.order_by("paper__key", "position").values_list(
                "paper__key", "author__name", "position"
            )
        ),
        "tags": list(
            Paper.tags.through.objects.order_by("paper__key", "tag__slug").values_list(
                "paper__key", "tag__slug", "tag__name"
            )
        ),
        "days": list(
            Appearance.objects.order_by("date", "position").values_list(
                "date", "paper__key", "position"
            )
        ),
        "digests": list(Digest.objects.order_by("date").values_list("date", "source")),
        "history": list(
            ImportedFile.objects.order_by("name").values_list(
                "name", "sha256", "days", "warnings"
            )
        ),
    }


@pytest.mark.django_db
def test_an_import_with_the_worker_writes_what_one_without_writes(
    tmp_path, monkeypatch
):
    archive(tmp_path)
    monkeypatch.setattr(import_digest, "KEEP_PARSED_PAPERS", 0)
    monkeypatch.setattr(parse_ahead, "_spare_cpu", lambda: True)
    used = []

    class Waiting(ParseAhead):
        def __init__(self, files):
            super().__init__(files)
            if self.started:
                assert self.ready(timeout=60)
            used.append(self)

    monkeypatch.setattr(loader, "ParseAhead", Waiting)
    runs = []
    for first in (10**9, 0):  # without the worker, then with it
        monkeypatch.setattr(parse_ahead, "PARSE_AHEAD_FROM", first)
        stdout, stderr = io.StringIO(), io.StringIO()
        with transaction.atomic():
            call_command(
                "import_digest", str(tmp_path), "-v2", stdout=stdout, stderr=stderr
            )
            # All but the lines timing the import and the browse index's build.
            lines = [
                line
                for line in stdout.getvalue().splitlines()
                if " s (" not in line and not line.startswith("Built the browse index")
            ]
            runs.append((lines, stderr.getvalue(), database()))
            transaction.set_rollback(True)  # the second import starts afresh

    without, with_worker = runs
    assert with_worker == without
    assert without[2]["papers"] and any(
        "Imported 5 of 5 files" in line for line in without[0]
    )
    # Five files, of which the first read kept its days (it crossed the limit).
    assert not used[0].started and used[1].parsed_ahead == 3


def test_a_busy_machine_starts_no_worker(tmp_path, monkeypatch):
    monkeypatch.setattr(parse_ahead, "PARSE_AHEAD_FROM", 0)
    monkeypatch.setattr(parse_ahead, "_idle_cpus", lambda seconds: 0.3)
    archive(tmp_path)

    there, parsing = ahead(released(tmp_path))

    assert not parsing.started
    assert there == in_place(released(tmp_path))


def test_the_worker_needs_no_django_settings(tmp_path):
    path = write_digest(tmp_path, "a.md", "2025-03-10", Row("2503.00001"))
    code = (
        "import sys; from pathlib import Path\n"
        "import papers.importer.parse_ahead  # what the worker imports\n"
        "from papers.importer.files import reread\n"
        f"file = reread('a.md', Path({str(path)!r}))\n"
        "assert file.ok and len(file.records[0].papers) == 1, file.error\n"
        "assert 'papers.models' not in sys.modules and 'django.db' not in sys.modules\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    root = Path(__file__).resolve().parent.parent

    subprocess.run([sys.executable, "-c", code], env=env, cwd=root, check=True)


def test_without_proc_stat_a_busy_machine_is_told_by_its_load(tmp_path, monkeypatch):
    monkeypatch.setattr(parse_ahead, "PROC_STAT", str(tmp_path / "missing"))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(os, "getloadavg", lambda: (1.5, 1.0, 1.0))
    assert not parse_ahead._spare_cpu()
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 1.0, 1.0))
    assert parse_ahead._spare_cpu()


def test_idle_cpus_are_read_from_proc_stat(tmp_path, monkeypatch):
    stat = tmp_path / "stat"
    samples = iter(
        [
            "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 2 3\n",
            # 200 more ticks over both CPUs, 150 of them idle or waiting on disk.
            "cpu  120 0 130 900 50 0 0 0 0 0\ncpu0 1 2 3\n",
        ]
    )

    def sleep(seconds):
        stat.write_text(next(samples))

    stat.write_text(next(samples))
    monkeypatch.setattr(parse_ahead, "PROC_STAT", str(stat))
    monkeypatch.setattr(parse_ahead.time, "sleep", sleep)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)

    assert parse_ahead._idle_cpus(0.2) == 1.5
