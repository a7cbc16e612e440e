"""While an import runs it holds a lease on the data version: workers keep serving
the browse index they have instead of rebuilding after every batch, see the new
papers once the import ends, and see a killed import's papers once its lease
expires."""

import datetime

import pytest
from django.db import OperationalError
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone

from papers.browse import index as browse_index
from papers.browse import lease
from papers.browse.engine import Scope, browse
from papers.browse.lease import LEASE, import_lease, lease_held
from papers.browse.reader import Reader
from papers.browse.version import DataState, current_state, current_version
from papers.importer.files import DigestFile, parse_text
from papers.importer.loader import import_files, load_digest, load_files
from papers.models import DataVersion
from tests.digests import Row, digest_markdown
from tests.factories import PaperFactory, PaperRecordFactory, digest_record

D = datetime.date


@pytest.fixture(autouse=True)
def no_index_of_another_test():
    """Served during a lease whatever its token: an index of an earlier test's rolled
    back data must not be the one this test sees."""
    browse_index.forget_indexes()


def listed() -> list[str]:
    result = browse(Scope(path="/"), QueryDict(), Reader())
    return [paper.title for paper in result.page]


def day_file(date: str, *titles: str) -> DigestFile:
    rows = [
        Row(f"2503.{number:05d}", title=title)
        for number, title in enumerate(titles, start=int(date[-2:]) * 100)
    ]
    return parse_text(f"{date}.md", digest_markdown(date, *rows))


def importing_until() -> datetime.datetime | None:
    return DataVersion.objects.values_list("importing_until", flat=True).get()


# The rule itself, without a database --------------------------------------------


def test_an_index_of_the_current_token_is_served():
    assert DataState(token="a").serves("a")
    assert not DataState(token="b").serves("a")


def test_during_an_import_an_older_index_is_served():
    assert DataState(token="b", importing=True).serves("a")


# Readers and the importer ---------------------------------------------------------


@pytest.mark.django_db
def test_the_index_is_kept_while_an_import_writes_and_renewed_after_it():
    PaperFactory(title="Old", days=[D(2025, 3, 1)])
    assert listed() == ["Old"]
    built = browse_index._built["default"]
    seen: list[tuple[list[str], bool, bool]] = []

    def during(file: DigestFile, stats: object) -> None:
        # The file's batch is committed and the version bumped: no rebuild yet.
        state = current_state()
        seen.append(
            (listed(), browse_index._built["default"] is built, state.importing)
        )

    import_files(
        [day_file("2025-03-02", "New A"), day_file("2025-03-03", "New B")],
        on_loaded=during,
    )
    assert seen == [(["Old"], True, True), (["Old"], True, True)]
    assert importing_until() is None
    assert listed() == ["New B", "New A", "Old"]


@pytest.mark.django_db
def test_the_import_builds_the_index_of_its_papers_before_they_appear(monkeypatch):
    # Built and saved while the lease still hides the papers: once they appear,
    # the workers load it (papers.browse.shared), none builds.
    PaperFactory(title="Old", days=[D(2025, 3, 1)])
    assert listed() == ["Old"]
    real_build = browse_index.FacetIndex.build.__func__
    builds: list[tuple[bool, str]] = []

    def build(cls, **kwargs):
        builds.append((current_state().importing, current_version()))
        return real_build(cls, **kwargs)

    monkeypatch.setattr(browse_index.FacetIndex, "build", classmethod(build))
    import_files([day_file("2025-03-02", "New")])

    assert builds == [(True, current_version())]  # under the lease, of the new data
    assert listed() == ["New", "Old"]
    assert len(builds) == 1


@pytest.mark.django_db
def test_a_process_without_an_index_builds_one_during_an_import():
    PaperFactory(title="Old", days=[D(2025, 3, 1)])
    seen: list[list[str]] = []

    def during(file: DigestFile, stats: object) -> None:
        browse_index.forget_indexes()
        seen.append(listed())

    import_files([day_file("2025-03-02", "New")], on_loaded=during)
    assert seen == [["New", "Old"]]


@pytest.mark.django_db
def test_every_batch_renews_the_lease_and_moves_the_token():
    PaperFactory(title="Old", days=[D(2025, 3, 1)])
    tokens = [current_version()]
    leases: list[bool] = []

    def during(file: DigestFile, stats: object) -> None:
        tokens.append(current_version())
        until = importing_until()
        leases.append(until is not None and until > timezone.now())

    files = [day_file(f"2025-03-0{day}", f"Day {day}") for day in (2, 3, 4)]
    with import_lease():
        DataVersion.objects.update(importing_until=None)  # only batches renew now
        load_files(files, on_loaded=during, batch_papers=1)
    assert leases == [True, True, True]
    assert len(set(tokens)) == 4  # a killed import's papers are a new version


@pytest.mark.django_db
def test_the_lease_reaches_about_lease_seconds_ahead():
    with import_lease():
        until = importing_until()
    assert until is not None
    ahead = until - timezone.now()
    assert LEASE - datetime.timedelta(seconds=5) < ahead <= LEASE


@pytest.mark.django_db
def test_an_expired_lease_leads_to_a_rebuild():
    """An import killed outright never clears its lease: it expires instead."""
    PaperFactory(title="Old", days=[D(2025, 3, 1)])
    assert listed() == ["Old"]
    DataVersion.objects.update(importing_until=timezone.now() + LEASE)
    load_digest(digest_record(D(2025, 3, 2), [PaperRecordFactory(title="Killed")]))
    assert listed() == ["Old"]
    DataVersion.objects.update(importing_until=F("importing_until") - 2 * LEASE)
    assert listed() == ["Killed", "Old"]


@pytest.mark.django_db
def test_an_index_built_during_a_killed_import_is_rebuilt_once_the_lease_expires():
    DataVersion.objects.update(importing_until=timezone.now() + LEASE)
    load_digest(digest_record(D(2025, 3, 1), [PaperRecordFactory(title="First")]))
    assert listed() == ["First"]  # no index yet: one is built of what is committed
    load_digest(digest_record(D(2025, 3, 2), [PaperRecordFactory(title="Second")]))
    assert listed() == ["First"]
    DataVersion.objects.update(importing_until=timezone.now() - LEASE)
    assert listed() == ["Second", "First"]


@pytest.mark.django_db
def test_an_exception_in_the_middle_of_an_import_releases_the_lease():
    PaperFactory(title="Old", days=[D(2025, 3, 1)])
    assert listed() == ["Old"]

    def fail(file: DigestFile, stats: object) -> None:
        raise RuntimeError("the import broke off")

    with pytest.raises(RuntimeError):
        import_files([day_file("2025-03-02", "Committed")], on_loaded=fail)
    assert importing_until() is None
    assert not lease_held()
    assert listed() == ["Committed", "Old"]


@pytest.mark.django_db
def test_a_lease_that_cannot_be_released_leaves_the_imports_own_error(monkeypatch):
    def unreachable(value, *, using):
        if value is None:
            raise OperationalError("the database went away")

    monkeypatch.setattr(lease, "_set_importing_until", unreachable)
    with pytest.raises(RuntimeError, match="the import broke off"), import_lease():
        raise RuntimeError("the import broke off")
    assert not lease_held()


@pytest.mark.django_db
def test_a_dry_run_takes_no_lease():
    PaperFactory(title="Old", days=[D(2025, 3, 1)])
    seen: list[bool] = []

    def during(file: DigestFile, stats: object) -> None:
        seen.append(lease_held() or importing_until() is not None)

    before = current_version()
    import_files([day_file("2025-03-02", "Not saved")], dry_run=True, on_loaded=during)
    assert seen == [False]
    assert current_version() == before


@pytest.mark.django_db
def test_an_index_served_during_an_import_costs_one_query(
    django_assert_num_queries,
):
    PaperFactory(title="Old", days=[D(2025, 3, 1)])
    built = browse_index.facet_index()
    DataVersion.objects.update(importing_until=timezone.now() + LEASE)
    load_digest(digest_record(D(2025, 3, 2), [PaperRecordFactory()]))
    with django_assert_num_queries(1):
        assert browse_index.facet_index() is built
