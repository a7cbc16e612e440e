import importlib

import pytest
from django.apps import apps

from papers.models import Paper
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "papers.migrations.0007_importer_links_and_bulk_search"
)


def test_stored_placeholder_and_non_web_links_are_cleaned_and_flags_follow():
    bad = PaperFactory(
        arxiv_url="javascript:alert(1)",
        github_urls=["string", "github.com/a/b", "https://github.com/a/b"],
        huggingface_urls=["https://string", "N/A"],
    )
    good = PaperFactory(
        arxiv_url="https://arxiv.org/abs/2503.00001",
        github_urls=["https://github.com/c/d"],
        huggingface_urls=["https://huggingface.co/e/f"],
    )
    assert Paper.objects.get(pk=bad.pk).has_hf

    migration.clean_links(apps, None)

    bad = Paper.objects.get(pk=bad.pk)
    assert bad.arxiv_url == ""
    assert bad.github_urls == ["https://github.com/a/b"]
    assert bad.huggingface_urls == []
    assert (bad.has_code, bad.has_hf) == (True, False)
    kept = Paper.objects.get(pk=good.pk)
    assert (kept.arxiv_url, kept.github_urls, kept.huggingface_urls) == (
        good.arxiv_url,
        good.github_urls,
        good.huggingface_urls,
    )
