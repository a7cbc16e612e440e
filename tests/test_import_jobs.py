"""The admin upload as a background job: the task, its page, who sees it, and the
thread-pool tasks backend that runs it in the web process."""

import datetime
import re
import threading

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.tasks import task, task_backends
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import papers.importer.jobs as jobs_module
from papers.importer.jobs import run_import_job
from papers.models import Digest, ImportJob, ImportJobFile, Paper
from tests.digests import Row, digest_markdown
from tests.factories import UserFactory
from tests.site_processes import site_processes

pytestmark = pytest.mark.django_db

UPLOAD_URL = "/admin/papers/digest/upload/"
DAY = digest_markdown("2025-03-10", Row("2503.00001"), Row("2503.00002"))
NEXT_DAY = digest_markdown("2025-03-11", Row("2503.00002"), Row("2503.00003"))
# A row with three cells: the parser refuses the whole file.
BROKEN = digest_markdown("2025-03-12", Row("2503.00009")) + "| [Short](x) | A | B |\n"


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/markdown")


def job_url(job: ImportJob) -> str:
    return reverse("admin:papers_importjob_change", args=[job.pk])


def queued_job(*files: tuple[str, str], **options) -> ImportJob:
    return ImportJob.objects.create_for_upload(
        user=UserFactory(is_staff=True),
        uploads=[(name, text.encode()) for name, text in files],
        **options,
    )


# The task ---------------------------------------------------------------------------


def test_a_job_imports_its_files_and_keeps_the_summary():
    job = queued_job(("10.md", DAY), ("11.md", NEXT_DAY))

    assert run_import_job.call(job.pk) == "done"

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.files_done, job.files_total, job.papers_done) == (2, 2, 4)
    assert job.papers_per_second > 0
    assert job.summary.startswith("Imported 2 of 2 files, 2 days: 3 new papers")
    assert [row["name"] for row in job.file_results] == ["10.md", "11.md"]
    assert job.file_results[1]["created"] == 1
    assert job.started_at <= job.finished_at
    assert Paper.objects.count() == 3


def test_a_job_logs_its_summary_and_its_longest_write(caplog):
    job = queued_job(("10.md", DAY))

    with caplog.at_level("INFO", logger="papers.importer.jobs"):
        run_import_job.call(job.pk)

    [line] = [
        r.getMessage() for r in caplog.records if r.name == "papers.importer.jobs"
    ]
    assert line.startswith(f"Import job {job.pk}: Imported 1 of 1 file, 1 day: 2 new")
    assert re.search(r"The longest write transaction took [\d,]+ ms\.$", line)


def test_a_bad_file_fails_the_job_with_its_message_and_writes_nothing_of_it():
    job = queued_job(("10.md", DAY), ("12.md", BROKEN))

    assert run_import_job.call(job.pk) == "failed"

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    [error] = job.errors
    assert error.startswith("12.md:6: table row has 3 cells")
    assert "1 error" in job.summary
    assert list(Digest.objects.values_list("date", flat=True)) == [
        datetime.date(2025, 3, 10)
    ]
    assert not Paper.objects.filter(key="2503.00009").exists()


def test_an_error_of_the_importer_itself_fails_the_job_with_its_message(
    monkeypatch,
):
    def refuse(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs_module, "import_files", refuse)
    job = queued_job(("10.md", DAY))

    assert run_import_job.call(job.pk) == "failed"

    job.refresh_from_db()
    assert job.errors == ["The import stopped: disk full"]
    assert job.finished_at is not None
    assert not ImportJobFile.objects.exists()


def test_the_uploaded_bytes_are_deleted_once_the_job_has_run():
    job = queued_job(("10.md", DAY))
    assert ImportJobFile.objects.filter(job=job).count() == 1

    run_import_job.call(job.pk)

    assert not ImportJobFile.objects.exists()
    job.refresh_from_db()
    assert job.file_names == ["10.md"]


def test_a_job_run_twice_imports_once():
    job = queued_job(("10.md", DAY))
    run_import_job.call(job.pk)
    Paper.objects.all().delete()

    assert run_import_job.call(job.pk) == "done"
    assert not Paper.objects.exists()


def test_a_dry_run_job_reports_the_counts_and_saves_nothing():
    job = queued_job(("10.md", DAY), dry_run=True)

    run_import_job.call(job.pk)

    job.refresh_from_db()
    assert job.summary.startswith("Dry run, nothing saved: 1 of 1 file, 1 day: 2 new")
    assert not Paper.objects.exists()


def test_progress_is_written_as_files_load(monkeypatch):
    monkeypatch.setattr(jobs_module, "PROGRESS_EVERY", 0)
    seen = []
    original = jobs_module._update

    def spy(job_id, **fields):
        if "files_done" in fields and "status" not in fields:
            seen.append((fields["files_done"], fields["papers_done"]))
        original(job_id, **fields)

    monkeypatch.setattr(jobs_module, "_update", spy)
    # Batches of one file each, so progress comes file by file.
    monkeypatch.setattr("papers.importer.pacing.BATCH_PAPERS", 1)
    job = queued_job(("10.md", DAY), ("11.md", NEXT_DAY))

    run_import_job.call(job.pk)

    assert seen == [(1, 2), (2, 4)]


# The pages --------------------------------------------------------------------------


def test_the_upload_redirects_with_303_to_the_job_page(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(UPLOAD_URL, {"files": [upload("10.md", DAY)]})

    job = ImportJob.objects.get()
    assert len(callbacks) == 1  # enqueued once the job's row is committed
    assert response.status_code == 303
    assert response["Location"] == job_url(job)
    assert job.created_by.username == "admin"
    page = " ".join(admin_client.get(job_url(job)).content.decode().split())
    assert "Imported 1 of 1 file, 1 day: 2 new papers" in page
    assert "1 of 1 file, 2 papers," in page
    assert "papers/s" in page


def test_a_running_job_polls_every_second_and_offers_a_reload_link(admin_client):
    job = queued_job(("10.md", DAY))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, files_done=0, papers_done=0
    )

    page = admin_client.get(job_url(job)).content.decode()

    assert 'hx-trigger="every 1s"' in page
    assert f'hx-get="{job_url(job)}"' in page
    assert f'<a href="{job_url(job)}">Reload to update</a>' in page
    assert "htmx" in page and "<script>" not in page  # no inline script


def test_the_htmx_poll_gets_only_the_progress_part(admin_client):
    job = queued_job(("10.md", DAY))

    response = admin_client.get(job_url(job), headers={"HX-Request": "true"})

    content = response.content.decode().strip()
    assert content.startswith('<section\n        id="progress"')
    assert content.endswith("</section>")
    assert "HX-Request" in response["Vary"]


def test_a_finished_job_stops_polling(admin_client):
    job = queued_job(("10.md", DAY))
    run_import_job.call(job.pk)

    page = admin_client.get(job_url(job)).content.decode()

    assert "hx-trigger" not in page
    assert "Reload to update" not in page


def test_a_job_that_stopped_moving_says_so_and_stops_polling(admin_client):
    job = queued_job(("10.md", DAY))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        updated_at=timezone.now() - datetime.timedelta(hours=1),
    )

    page = admin_client.get(job_url(job)).content.decode()

    assert "This job has not moved for 5 minutes" in page
    assert "hx-trigger" not in page


def test_digest_text_is_escaped_on_the_job_page(admin_client):
    job = queued_job(("<b>x</b>.md", BROKEN))
    run_import_job.call(job.pk)

    page = admin_client.get(job_url(job)).content.decode()

    assert "<b>x</b>" not in page
    assert "&lt;b&gt;x&lt;/b&gt;.md" in page


def test_the_job_list_and_an_unknown_job(admin_client):
    job = queued_job(("10.md", DAY))

    listing = admin_client.get(reverse("admin:papers_importjob_changelist"))

    assert listing.status_code == 200
    assert job_url(job) in listing.content.decode()
    missing = reverse("admin:papers_importjob_change", args=[job.pk + 1])
    assert admin_client.get(missing).status_code in (302, 404)


# Who may see jobs -------------------------------------------------------------------


def test_visitors_and_readers_are_sent_to_the_admin_login(client):
    job = queued_job(("10.md", DAY))

    assert client.get(job_url(job))["Location"].startswith("/admin/login/")
    client.force_login(UserFactory())
    assert client.get(job_url(job))["Location"].startswith("/admin/login/")


def test_staff_who_may_neither_upload_nor_view_jobs_are_refused(client):
    job = queued_job(("10.md", DAY))
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_paper"))
    client.force_login(staff)

    assert client.get(job_url(job)).status_code == 403


def test_staff_with_the_view_permission_see_jobs_but_cannot_change_them(client):
    job = queued_job(("10.md", DAY))
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_importjob"))
    client.force_login(staff)

    assert client.get(job_url(job)).status_code == 200
    add = reverse("admin:papers_importjob_add")
    assert client.get(add).status_code == 403


def test_the_upload_needs_its_csrf_token(django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    refused = client.post(UPLOAD_URL, {"files": [upload("10.md", DAY)]})

    assert refused.status_code == 403
    assert not ImportJob.objects.exists()
    token = client.get(UPLOAD_URL).context["csrf_token"]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(
            UPLOAD_URL,
            {"files": [upload("10.md", DAY)], "csrfmiddlewaretoken": token},
        )
    assert accepted.status_code == 303
    assert Paper.objects.count() == 2


# The thread-pool backend ------------------------------------------------------------

ran_on: list[str] = []
release = threading.Event()


@task()
def note_thread_when_released() -> str:
    release.wait(timeout=10)
    ran_on.append(threading.current_thread().name)
    return "noted"


def thread_pool_backend(settings, *, workers: int):
    """The site's thread-pool backend, in place of the tests' immediate one."""
    settings.TASKS = {
        "default": {
            "BACKEND": "papers.tasks_backend.ThreadPoolBackend",
            "OPTIONS": {"MAX_WORKERS": workers},
        }
    }
    return task_backends["default"]


@pytest.fixture
def thread_pool(settings):
    backend = thread_pool_backend(settings, workers=1)
    yield backend
    backend.wait(timeout=30)


def test_the_backend_returns_at_once_and_runs_the_task_on_its_thread(thread_pool):
    ran_on.clear()
    release.clear()

    note_thread_when_released.enqueue()

    assert ran_on == []  # enqueue returned while the task still waits
    release.set()
    thread_pool.wait(timeout=10)
    assert ran_on and ran_on[0].startswith("tasks-default")
    assert ran_on[0] != threading.current_thread().name


def test_the_backend_starts_all_its_threads_when_asked(settings):
    # gunicorn.conf.py starts them before it lowers the worker's CPU priority, which
    # threads started later inherit (tests/test_gunicorn_conf.py).
    backend = thread_pool_backend(settings, workers=3)
    before = {thread.ident for thread in threading.enumerate()}

    backend.start()

    started = [t for t in threading.enumerate() if t.ident not in before]
    assert len(started) == 3
    assert all(thread.name.startswith("tasks-default") for thread in started)
    ran_on.clear()
    release.set()
    # Enqueued by another thread, as a request thread does: Django gives it a
    # backend of its own, whose tasks still run on the threads started above.
    request = threading.Thread(target=note_thread_when_released.enqueue)
    request.start()
    request.join()
    backend.wait(timeout=10)
    assert ran_on[0] in {thread.name for thread in started}  # no new thread
    backend.close()


@pytest.mark.django_db(transaction=True)
def test_an_upload_imports_on_the_backend_thread(thread_pool, admin_user):
    client = Client()
    client.force_login(admin_user)

    response = client.post(UPLOAD_URL, {"files": [upload("10.md", DAY)]})
    thread_pool.wait(timeout=30)

    job = ImportJob.objects.get()
    assert response["Location"] == job_url(job)
    assert job.status == ImportJob.Status.DONE
    assert Paper.objects.count() == 2


# In a process of its own ------------------------------------------------------------


def test_a_job_whose_process_died_is_failed_with_its_error(monkeypatch):
    job = queued_job(("10.md", DAY))

    def killed(target, job_id, **options):
        # The process had started the job, then was killed.
        ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.RUNNING)
        return "exit status -9"

    monkeypatch.setattr(jobs_module, "can_run_apart", lambda: True)
    monkeypatch.setattr(jobs_module, "run_apart", killed)

    assert run_import_job.call(job.pk) == "failed"

    job.refresh_from_db()
    assert job.errors == ["The import stopped: exit status -9"]
    assert job.finished_at is not None
    assert not job.files.exists()
    assert not Paper.objects.exists()


def test_a_job_whose_process_could_not_start_is_imported_here(monkeypatch):
    job = queued_job(("10.md", DAY))
    monkeypatch.setattr(jobs_module, "can_run_apart", lambda: True)
    monkeypatch.setattr(
        jobs_module, "run_apart", lambda *args, **options: "[Errno 11] try again"
    )

    assert run_import_job.call(job.pk) == "done"
    assert Paper.objects.count() == 2


# The web worker's side of a job: the task runs it in a new process, so refusing
# to import here must not matter.
WEB_WORKER = """
import django
django.setup()
from django.contrib.auth import get_user_model
from papers.importer import jobs
from papers.models import ImportJob, Paper

def refuse(*args, **options):
    raise RuntimeError("imported in the web worker's process")

jobs.import_files = refuse
user = get_user_model().objects.create_user("admin", is_staff=True)
job = ImportJob.objects.create_for_upload(user=user, uploads=[("10.md", {day!r})])
print(jobs.run_import_job.call(job.pk), Paper.objects.count())
"""


def test_an_upload_is_imported_in_a_process_of_its_own(tmp_path):
    run = site_processes(tmp_path)

    assert run("-c", WEB_WORKER.format(day=DAY.encode())).split()[-2:] == ["done", "2"]
    assert list((tmp_path / "shared").glob("*/*/meta.json"))  # saved for the workers
