"""A reader's pages stay off a shared computer: no htmx snapshots in web storage,
and log-out has the browser drop the site's cache and storage."""

import html
import json
import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def htmx_config(page: str) -> dict:
    match = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert match, "base.html configures htmx"
    return json.loads(html.unescape(match.group(1)))


def test_htmx_keeps_no_page_snapshots_in_web_storage(client):
    client.force_login(UserFactory())
    for url in ("/", reverse("papers:bookmarks"), reverse("account")):
        config = htmx_config(client.get(url).text)
        assert config["historyCacheSize"] == 0, url
        # A history restore without a snapshot then asks for the full page.
        assert config["historyRestoreAsHxRequest"] is False


def test_logging_out_clears_the_browsers_cache_and_storage(client):
    client.force_login(UserFactory())

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session


def test_logging_out_is_still_post_only(client):
    client.force_login(UserFactory())
    response = client.get(reverse("logout"))
    assert response.status_code == 405
    assert "Clear-Site-Data" not in response
