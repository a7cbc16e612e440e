"""Bad input in a URL is a 400 or a 404, never a 500, on SQLite and PostgreSQL.

Run on PostgreSQL too: DATABASE_URL=postgres://... pytest tests/test_bad_input.py.
PostgreSQL text cannot hold NUL, so a NUL reaching a query there is a DataError:
papers/nul_guard.py refuses it first.
"""

import datetime
import random
from urllib.parse import quote

import pytest
from django.test import Client

from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def papers():
    PaperFactory(
        key="2501.00001",
        title="Agents that plan",
        authors=["Ada Lovelace", "Alan Turing"],
        tags=["RL", "Agents"],
        days=[D(2025, 1, 6)],
        github_urls=["https://github.com/a/b"],
    )
    PaperFactory(
        key="2501.00002",
        title="Vision at scale",
        authors=["Grace Hopper"],
        tags=["Vision"],
        days=[D(2025, 2, 3)],
        huggingface_urls=["https://huggingface.co/a/b"],
    )


@pytest.fixture
def reader_client(papers):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="ada"))
    return client


NUL_URLS = [
    "/api/papers/a%00b",
    "/papers/a%00b/",
    "/papers/hep-th%00/9901001/",
    "/days/2025-01-0%006/",
    "/weeks/2025-W0%001/",
    "/months/2025-0%001/",
    "/tags/a%00b/",
    "/authors/1%00/",
    "/?q=a%00b",
    "/?tag=RL%00",
    "/?author=Ada%00Lovelace",
    "/?date_from=2025-01-01%00",
    "/?%00=1",
    "/?page=1%00",
    "/api/papers?q=%00",
    "/api/papers?tag_not=%00",
    "/authors/suggest?q=%00",
    "/archive/?year=%00",
    "/bookmarks/?list=%00",
    "/bookmarks/?q=%00",
    "/bookmarks/export.csv?status=%00",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_a_nul_in_the_path_or_query_is_a_400_or_404(reader_client, url):
    response = reader_client.get(url)
    assert response.status_code in (400, 404), url


def test_a_nul_in_a_page_url_is_the_400_page(reader_client):
    response = reader_client.get("/?q=a%00b")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "That request did not make sense to us" in response.text


def test_a_nul_in_an_api_url_is_a_json_400_saying_why(reader_client):
    response = reader_client.get("/api/papers/a%00b")
    assert response.status_code == 400
    assert "NUL" in response.json()["message"]


def test_a_nul_in_the_log_in_form_is_a_form_error(papers):
    client = Client(raise_request_exception=False)
    response = client.post(
        "/accounts/login/", {"username": "a\x00b", "password": "x\x00y"}
    )
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.text


# --- Query-string fuzzing ---

PARAMETERS = [
    "q",
    "tag",
    "tag_not",
    "tag_mode",
    "author",
    "date_from",
    "date_to",
    "has_code",
    "has_hf",
    "sort",
    "page",
    "page_size",
    "bookmarked",
    "hide",
    "new",
    "status",
    "list",
    "month",
    "year",
]
NASTY_VALUES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "1" * 30,
    "9" * 400,
    "1e309",
    "NaN",
    "0x10",
    "1.5",
    "2025-02-30",
    "99999-01-01",
    "0001-01-01",
    "2025-13",
    "' OR 1=1 --",
    '"; DROP TABLE papers_paper; --',
    "<script>alert(1)</script>",
    "%",
    "%%",
    "%25%00",
    "\\",
    "*",
    "a" * 5000,
    "RL",
    "Agents",
    "Ada Lovelace",
    "newest",
    "relevance",
    "all",
    "\u202etxt.exe",
    "😀" * 20,
    "\ufeff",
    "\ud800",  # a lone surrogate: not encodable as UTF-8
    "tag:RL OR (",
    "NOT",
    '"unclosed',
]


def random_query(rng: random.Random) -> str:
    pairs = []
    for _ in range(rng.randint(1, 4)):
        name = rng.choice(PARAMETERS + ["x" * rng.randint(1, 300), "\x00"])
        value = rng.choice(NASTY_VALUES)
        pairs.append(
            f"{quote(name, safe='', errors='surrogatepass')}="
            f"{quote(value, safe='', errors='surrogatepass')}"
        )
    if rng.random() < 0.1:
        pairs.append("%ZZ=%E9%80")  # not percent-decodable as UTF-8
    return "&".join(pairs)


FUZZ_URLS = ["/", "/api/papers", "/bookmarks/", "/authors/suggest", "/tags/rl/"]
FUZZ_SEED = 20261129
FUZZ_CASES = 300


def test_fuzzed_query_strings_never_cause_a_server_error(reader_client):
    rng = random.Random(FUZZ_SEED)
    failures = []
    for _ in range(FUZZ_CASES):
        url = f"{rng.choice(FUZZ_URLS)}?{random_query(rng)}"
        response = reader_client.get(url)
        if response.status_code >= 500:
            failures.append((response.status_code, url[:300]))
    assert failures == []


def test_a_cookie_holding_a_nul_is_ignored(papers):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    client.cookies["csrftoken"] = "a\x00b"

    assert client.get("/archive/").status_code == 200
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 200  # the log-in form, with its error
