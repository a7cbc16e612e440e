"""Without DJANGO_SECRET_KEY the site makes a random key once and keeps it private."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from digestsite.secret_key import load_or_create_secret_key

PROJECT = Path(__file__).resolve().parent.parent


def test_the_first_start_writes_a_random_key_only_its_owner_can_read(tmp_path):
    path = tmp_path / "data" / "django_secret_key"

    key = load_or_create_secret_key(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 50 and not key.startswith("django-insecure")
    assert path.read_text().strip() == key
    # No temporary file is left beside it.
    assert [p.name for p in path.parent.iterdir()] == ["django_secret_key"]


def test_later_starts_reuse_the_key(tmp_path):
    path = tmp_path / "django_secret_key"
    assert load_or_create_secret_key(path) == load_or_create_secret_key(path)


def test_every_new_file_gets_a_new_key(tmp_path):
    assert load_or_create_secret_key(tmp_path / "a") != load_or_create_secret_key(
        tmp_path / "b"
    )


def test_a_key_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "django_secret_key"
    load_or_create_secret_key(path)
    path.chmod(0o644)

    with pytest.raises(ImproperlyConfigured, match="chmod 600"):
        load_or_create_secret_key(path)


def test_an_empty_key_file_is_refused(tmp_path):
    path = tmp_path / "django_secret_key"
    path.touch(mode=0o600)

    with pytest.raises(ImproperlyConfigured, match="empty"):
        load_or_create_secret_key(path)


def settings_secret_key(**environment) -> str:
    """SECRET_KEY as a fresh process computes it from `environment`."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env |= {"DJANGO_SETTINGS_MODULE": "digestsite.settings", **environment}
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.SECRET_KEY)",
        ],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def test_the_site_keeps_its_key_beside_the_sqlite_database(tmp_path):
    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"

    first = settings_secret_key(DATABASE_URL=database)

    path = tmp_path / "django_secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first == path.read_text().strip()
    assert settings_secret_key(DATABASE_URL=database) == first


def test_the_key_file_location_is_configurable(tmp_path):
    path = tmp_path / "secrets" / "key"
    key = settings_secret_key(DJANGO_SECRET_KEY_FILE=str(path))
    assert path.read_text().strip() == key


def test_django_secret_key_wins_and_writes_no_file(tmp_path):
    path = tmp_path / "key"
    key = settings_secret_key(
        DJANGO_SECRET_KEY="a-key-from-the-environment", DJANGO_SECRET_KEY_FILE=str(path)
    )
    assert key == "a-key-from-the-environment"
    assert not path.exists()
