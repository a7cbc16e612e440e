"""The JSON twin: GET /api/papers and GET /api/papers/<key>."""

import datetime
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils.html import escape

from papers.models import Bookmark
from tests.factories import PaperFactory, UserFactory

D = datetime.date
API = "/api/papers"


def get(client, params=None, url=API):
    if params:
        url = f"{url}?{urlencode(params, doseq=True)}"
    return client.get(url)


def test_urls():
    assert reverse("papers:api-list") == API
    assert reverse("papers:api-detail", kwargs={"key": "2503.01785"}) == (
        "/api/papers/2503.01785"
    )


def test_the_response_shape(client, corpus):
    response = get(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert list(data) == [
        "count",
        "page",
        "page_size",
        "num_pages",
        "results",
        "facets",
    ]
    assert (data["count"], data["page"], data["page_size"], data["num_pages"]) == (
        141,
        1,
        20,
        8,
    )
    assert len(data["results"]) == 20
    assert set(data["results"][0]) >= {
        "arxiv_id",
        "title",
        "authors",
        "summary",
        "tags",
        "github_urls",
        "huggingface_urls",
        "links",
        "digest_dates",
        "url",
    }
    assert "bookmarked" not in data["results"][0]
    assert list(data["facets"]) == ["tag", "author", "has_code", "has_hf", "month"]


def test_a_paper_as_the_digest_gives_it(client, corpus):
    expected = corpus["2503.00865"]
    data = get(client, {"q": "2503.00865"}).json()
    (paper,) = data["results"]
    assert paper["arxiv_id"] == "2503.00865"
    assert paper["title"] == expected.title
    assert paper["authors"] == list(expected.authors)  # digest order
    assert set(paper["tags"]) == expected.tags
    assert paper["github_urls"] == list(expected.github_urls)
    assert paper["huggingface_urls"] == list(expected.huggingface_urls)
    assert paper["digest_dates"] == ["2025-03-06"]
    assert paper["url"] == "/papers/2503.00865/"
    assert paper["summary"].startswith("- Babel")
    detail = get(client, url=f"{API}/2503.00865").json()
    # The paper alone also lists its related papers (tests/test_related_text.py).
    assert detail.pop("related")
    assert detail == paper


@pytest.mark.django_db
def test_links_carry_their_kind(client):
    PaperFactory(
        key="2599.00001",
        github_urls=["https://github.com/org/repo", "https://org.github.io/project"],
        huggingface_urls=[
            "https://huggingface.co/org/model",
            "https://huggingface.co/datasets/org/data",
            "https://huggingface.co/spaces/org/demo",
            "https://huggingface.co/papers/2599.00001",
            "https://huggingface.co/",
        ],
    )
    paper = get(client, url=f"{API}/2599.00001").json()
    assert paper["links"] == [
        {"url": "https://github.com/org/repo", "kind": "repo"},
        {"url": "https://org.github.io/project", "kind": "project_page"},
        {"url": "https://huggingface.co/org/model", "kind": "hf_model"},
        {"url": "https://huggingface.co/datasets/org/data", "kind": "hf_dataset"},
        {"url": "https://huggingface.co/spaces/org/demo", "kind": "hf_space"},
        {"url": "https://huggingface.co/papers/2599.00001", "kind": "hf_paper"},
        {"url": "https://huggingface.co/", "kind": "placeholder"},
    ]
    # The digest's columns stay exactly as given.
    assert paper["huggingface_urls"][-1] == "https://huggingface.co/"


def test_the_same_papers_as_the_list_page(client, corpus):
    params = {"tag": ["Multimodal", "Audio"], "has_code": "1", "sort": "title"}
    data = get(client, {**params, "page_size": 100}).json()
    expected = {
        key
        for key, p in corpus.items()
        if p.tags & {"Multimodal", "Audio"} and p.has_code
    }
    assert data["count"] == len(expected)
    assert {paper["arxiv_id"] for paper in data["results"]} == expected
    titles = [paper["title"].lower() for paper in data["results"]]
    assert titles == sorted(titles)
    html = client.get(f"/?{urlencode(params, doseq=True)}").content.decode()
    first_page = [paper["title"] for paper in data["results"][:20]]
    positions = [html.index(f">{escape(title)}</a>") for title in first_page]
    assert positions == sorted(positions)


def test_page_and_page_size(client, corpus):
    data = get(client, {"page_size": 50, "page": 3}).json()
    assert (data["page"], data["page_size"], data["num_pages"]) == (3, 50, 3)
    assert len(data["results"]) == 41
    assert get(client, {"page_size": 100}).json()["num_pages"] == 2
    # A stale page number falls back to the last page.
    assert get(client, {"page": 99}).json()["page"] == 8


def test_facets(client, corpus):
    data = get(client, {"tag": "Robotics", "has_code": "1"}).json()
    facets = data["facets"]
    with_code = [p for p in corpus.values() if p.has_code]
    tag_counts = Counter(tag for p in with_code for tag in p.tags)
    assert {v["value"]: v["count"] for v in facets["tag"]} == tag_counts
    ordered = [(-v["count"], v["value"].lower()) for v in facets["tag"]]
    assert ordered == sorted(ordered)
    robotics = next(v for v in facets["tag"] if v["value"] == "Robotics")
    assert robotics == {
        "value": "Robotics",
        "count": tag_counts["Robotics"],
        "selected": True,
    }
    robotics_papers = [p for p in corpus.values() if "Robotics" in p.tags]
    assert facets["has_code"] == sorted(
        [
            {
                "value": True,
                "count": sum(p.has_code for p in robotics_papers),
                "selected": True,
            },
            {
                "value": False,
                "count": sum(not p.has_code for p in robotics_papers),
                "selected": False,
            },
        ],
        key=lambda value: -value["count"],
    )
    assert {v["value"] for v in facets["has_hf"]} == {True, False}
    assert len(facets["author"]) <= 21
    assert all(v["count"] > 0 for v in facets["month"])


def test_the_author_facet_lists_the_top_20(client, corpus):
    authors = get(client).json()["facets"]["author"]
    assert len(authors) == 20
    counts = [author["count"] for author in authors]
    assert counts == sorted(counts, reverse=True)


def test_the_month_facet_ignores_the_date_range(client, corpus):
    data = get(client, {"date_from": "2024-09-01", "date_to": "2024-09-30"}).json()
    assert data["count"] == 8
    assert data["facets"]["month"] == [
        {"value": "2025-03", "count": 126, "selected": False},
        {"value": "2024-09", "count": 8, "selected": True},
        {"value": "2024-12", "count": 7, "selected": False},
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"date_from": "2025-02-30"}, "date_from"),
        ({"date_from": "2025-03-05", "date_to": "2025-03-01"}, "date_to"),
        ({"sort": "popular"}, "sort"),
        ({"tag_mode": "some"}, "tag_mode"),
        ({"has_code": "maybe"}, "has_code"),
        ({"has_hf": "yes"}, "has_hf"),
        ({"q": "x" * 201}, "q"),
        ({"tag": [str(n) for n in range(51)]}, "tag"),
    ],
)
def test_invalid_parameters_are_a_400_with_errors(client, params, field):
    response = get(client, params)
    assert response.status_code == 400
    data = response.json()
    # The API's one error shape (papers/api_errors.py).
    assert list(data) == ["status", "message", "errors"]
    assert data["status"] == 400
    assert list(data["errors"]) == [field]
    assert isinstance(data["errors"][field][0], str) and data["errors"][field][0]


@pytest.mark.django_db
def test_several_errors_are_reported_together(client):
    errors = get(client, {"page": "0", "sort": "x", "has_hf": "2"}).json()["errors"]
    assert set(errors) == {"page", "sort", "has_hf"}


@pytest.mark.django_db
def test_an_unknown_tag_is_no_error(client):
    data = get(client, {"tag": "No such tag"}).json()
    assert data["count"] == 0 and data["results"] == []
    # Listed (so a client can show and drop it) among the tags it could be OR'ed with.
    selected = [value for value in data["facets"]["tag"] if value["selected"]]
    assert selected == [{"value": "No such tag", "count": 0, "selected": True}]


@pytest.mark.django_db
def test_an_unknown_key_is_a_json_404(client):
    response = get(client, url=f"{API}/2599.99999")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "key" in response.json()["errors"]


@pytest.mark.django_db
def test_only_get_is_allowed(client):
    assert client.post(API).status_code == 405


@pytest.mark.django_db
def test_bookmarked_is_included_for_a_signed_in_reader(client):
    saved = PaperFactory(key="2599.00001", days=[D(2026, 1, 2)])
    PaperFactory(key="2599.00002", days=[D(2026, 1, 1)])
    user = UserFactory()
    Bookmark.objects.create(user=user, paper=saved)
    client.force_login(user)
    results = get(client, {"date_from": "2026-01-01"}).json()["results"]
    assert [(p["arxiv_id"], p["bookmarked"]) for p in results] == [
        ("2599.00001", True),
        ("2599.00002", False),
    ]
    assert get(client, url=f"{API}/2599.00001").json()["bookmarked"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("logged_in", [False, True])
def test_the_api_runs_a_fixed_number_of_queries(
    client, django_assert_num_queries, logged_in
):
    if logged_in:
        client.force_login(UserFactory())
        get(client)  # the visit is recorded once, on the first request
    for n in range(50):
        PaperFactory(
            authors=[f"Author {n}", "Shared Author"],
            tags=[f"Tag {n % 7}", "Shared"],
            days=[D(2025, 3, 1 + n % 28)],
            github_urls=["https://github.com/a/b"] if n % 2 else [],
        )
    params = {"tag": "Shared", "q": "paper", "author": "Shared Author"}
    get(client)  # builds the browse index of the new data
    for page_size in (5, 50):
        with django_assert_num_queries(API_QUERIES[logged_in]):
            data = get(client, {**params, "page_size": page_size}).json()
        assert len(data["results"]) == page_size


# One lookup statement (the data version, the search's ids, the selected authors'
# ids) and the page's papers with their authors, tags and days; facets are counted
# and labelled in memory. Signed in: session, user, visit record.
API_QUERIES = {False: 2, True: 5}
