import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

from digestsite.settings import (
    database_from_environment,
    env_networks,
    header_and_value,
    meta_key,
)


def test_sqlite_is_configured_for_a_web_server(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'site.sqlite3'}")
    database = database_from_environment()
    wrapper = DatabaseWrapper({**database, "TIME_ZONE": None}, alias="check")
    # The connection Django would open, outside the test database machinery.
    connection = wrapper.get_new_connection(wrapper.get_connection_params())
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == 20_000
        assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        connection.close()
    # Writers take the write lock when their transaction begins.
    assert wrapper.transaction_mode == "IMMEDIATE"


def test_postgresql_comes_from_database_url(monkeypatch):
    monkeypatch.setenv(
        "DATABASE_URL", "postgres://reader:secret@db.example:5433/digests"
    )
    database = database_from_environment()
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == (
        "db.example",
        5433,
        "digests",
    )


def test_postgresql_connections_compile_no_query_plans(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://reader@db.example/digests")
    assert database_from_environment()["OPTIONS"]["options"] == "-c jit=off"

    monkeypatch.setenv(
        "DATABASE_URL",
        "postgres://reader@db.example/digests?options=-c%20jit%3Don",
    )
    # The URL's own options come last, so they win.
    assert database_from_environment()["OPTIONS"]["options"] == "-c jit=off -c jit=on"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT")
@pytest.mark.django_db
def test_the_site_runs_postgresql_without_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_a_malformed_database_url_is_a_clear_configuration_error(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "not a url")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_environment()


def test_trusted_proxies_are_addresses_or_networks(monkeypatch):
    monkeypatch.setenv("DJANGO_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16,::1")
    assert env_networks("DJANGO_TRUSTED_PROXIES") == ["10.0.0.5", "10.1.0.0/16", "::1"]


def test_a_trusted_proxy_that_is_no_address_is_a_clear_configuration_error(
    monkeypatch,
):
    monkeypatch.setenv("DJANGO_TRUSTED_PROXIES", "10.0.0.5,proxy.internal")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_TRUSTED_PROXIES"):
        env_networks("DJANGO_TRUSTED_PROXIES")


def test_header_settings_become_meta_keys():
    assert meta_key("X-Forwarded-For") == "HTTP_X_FORWARDED_FOR"
    assert header_and_value("X-Forwarded-Proto: https") == (
        "HTTP_X_FORWARDED_PROTO",
        "https",
    )
