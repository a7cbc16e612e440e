"""Every error under /api/ is JSON in one shape (papers/api_errors.py):

{"status": <the HTTP status>, "message": "<one sentence>", "errors": {name: [...]}}
"""

import json

import pytest
from django.http import HttpResponse, JsonResponse
from django.test import Client

from papers.api_errors import api_error, as_api_error
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


def assert_api_error(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["status", "message", "errors"]
    assert body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    return body


def test_invalid_parameters_are_a_400_naming_each_field(client):
    body = assert_api_error(client.get("/api/papers?page=0&sort=popular"), 400)
    assert set(body["errors"]) == {"page", "sort"}
    assert all(isinstance(m, str) for ms in body["errors"].values() for m in ms)


def test_an_unknown_paper_is_a_404_naming_the_key(client):
    body = assert_api_error(client.get("/api/papers/2599.99999"), 404)
    assert body["errors"] == {"key": ["No paper has the key “2599.99999”."]}


def test_an_unknown_api_url_is_a_json_404(client):
    assert_api_error(client.get("/api/no-such-thing"), 404)


def test_a_wrong_method_is_a_json_405_with_allow(client):
    body = assert_api_error(client.delete("/api/papers"), 405)
    assert body["errors"] == {}
    assert client.delete("/api/papers")["Allow"] == "GET"


def test_a_post_without_a_csrf_token_is_a_json_403():
    client = Client(enforce_csrf_checks=True)
    body = assert_api_error(client.post("/api/papers"), 403)
    assert body["message"].startswith("CSRF verification failed")


def test_a_server_error_is_a_json_500(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("papers.views.api.serialize_paper", broken)
    PaperFactory(key="2599.00001")
    client = Client(raise_request_exception=False)

    body = assert_api_error(client.get("/api/papers/2599.00001"), 500)
    # Nothing of the exception reaches the client.
    assert "database" not in json.dumps(body)


def test_errors_outside_the_api_stay_html_pages(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_bookmark_views_answer_json_in_the_same_shape(client):
    # Anonymous JSON request to a reader-only view: 401.
    headers = {"Accept": "application/json"}
    assert_api_error(client.get("/bookmarks/export.json", headers=headers), 401)
    # A reader's export with an invalid parameter: 400 naming it.
    client.force_login(UserFactory())
    body = assert_api_error(client.get("/bookmarks/export.json?status=done"), 400)
    assert list(body["errors"]) == ["status"]


@pytest.mark.parametrize(
    ("response", "status", "message", "errors"),
    [
        # Shapes views answered before this format keep what they said.
        (
            JsonResponse({"errors": {"q": ["Too long."]}}, status=400),
            400,
            "The request could not be understood.",
            {"q": ["Too long."]},
        ),
        (
            JsonResponse({"error": "Log in to do this."}, status=401),
            401,
            "Log in to do this.",
            {},
        ),
        (
            JsonResponse(
                {"errors": {"q": [{"message": "Too long.", "code": "max"}]}},
                status=400,
            ),
            400,
            "The request could not be understood.",
            {"q": ["Too long."]},
        ),
        (HttpResponse("<h1>Gone</h1>", status=410), 410, None, {}),
    ],
)
def test_other_error_responses_are_put_in_the_shape(response, status, message, errors):
    body = json.loads(as_api_error(response).content)
    assert body["status"] == status
    assert body["errors"] == errors
    if message:
        assert body["message"] == message


def test_an_api_error_passes_through_unchanged():
    response = api_error(404, "No paper.", errors={"key": ["No paper."]})
    assert as_api_error(response) is response
