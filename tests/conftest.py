import pytest

from tests.sample_corpus import corpus_for_module


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


@pytest.fixture(scope="module")
def loaded_corpus(django_db_setup, django_db_blocker):
    """The real sample digests, imported once per test module that asks for them."""
    yield from corpus_for_module(django_db_blocker)


@pytest.fixture
def corpus(loaded_corpus, db):
    """The sample corpus's expected papers by key (tests.sample_corpus), loaded."""
    return loaded_corpus


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Background tasks (the admin's import jobs) run inside `enqueue()`, so a test
    sees their result without waiting for a thread; tests of the site's thread-pool
    backend set it back themselves."""
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
    }


@pytest.fixture(scope="session")
def shared_index_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("browse-index")


@pytest.fixture(autouse=True)
def browse_indexes_shared_in_a_temporary_folder(settings, shared_index_folder):
    """Processes share browse indexes through files (papers.browse.shared): a test
    database on a server (PostgreSQL) shares them in the session's temporary folder,
    never in the project's."""
    settings.BROWSE_INDEX_DIR = str(shared_index_folder)
