import pytest


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Serve static files unhashed so tests need no collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
