import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hashing passwords at full strength would dominate the runtime of every test
    that creates a user with a password or logs in."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Serve static files unhashed so tests need no collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
