"""The collected static files are served, the staticfiles.json manifest is not."""

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.fixture
def collected(settings, tmp_path):
    """STATIC_ROOT filled by collectstatic with the production storage."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
    settings.DEBUG = False
    settings.WHITENOISE_AUTOREFRESH = False
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


@pytest.mark.django_db
def test_the_manifest_is_not_served_but_the_files_are(collected):
    assert (collected / "staticfiles.json").exists()
    client = Client()  # built after the settings above: WhiteNoise reads them once

    assert client.get("/static/staticfiles.json").status_code == 404
    css = client.get("/static/css/site.css")
    assert css.status_code == 200
    assert b"".join(css.streaming_content)
    for name in ("staticfiles.json.gz", "staticfiles.json.br"):
        assert client.get(f"/static/{name}").status_code == 404


@pytest.mark.django_db
def test_the_manifest_is_not_served_when_files_are_looked_up_per_request(
    collected, settings
):
    settings.WHITENOISE_AUTOREFRESH = True
    client = Client()

    assert client.get("/static/staticfiles.json").status_code == 404
    assert client.get("/static/css/site.css").status_code == 200
