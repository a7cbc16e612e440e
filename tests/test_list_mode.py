"""Cards or compact list: the preference view (POST only, CSRF, validated value and
redirect), where the choice is remembered (cookie, reader profile) and what each
layout renders on the list, author, tag and bookmark pages."""

import datetime
import json
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.list_mode import COOKIE_NAME, list_mode_for
from papers.models import Bookmark, ReaderProfile
from tests.factories import PaperFactory, UserFactory

SET_MODE = "/preferences/list-mode/"
HTMX = {"HX-Request": "true"}


def rows(html: str) -> int:
    return html.count('class="paper-row"')


def cards(html: str) -> int:
    return html.count('class="paper-card"')


@pytest.fixture
def papers(db):
    return [
        PaperFactory(
            title=f"Paper {n} <b>bold</b>",
            authors=["Ada", "Bo", "Cy", "Di", "Ed"] if n == 0 else ["Ada"],
            tags=["Robotics", "Vision"],
            days=[datetime.date(2025, 3, 10 + n)],
            github_urls=["https://github.com/owner/repo"],
        )
        for n in range(3)
    ]


def test_the_url_is_named():
    assert reverse("papers:list-mode") == SET_MODE


# --- The view ---


@pytest.mark.django_db
def test_choosing_compact_sets_a_year_long_cookie_and_returns_to_the_page(client):
    response = client.post(SET_MODE, {"list_mode": "compact", "next": "/?tag=Vision"})

    assert response.status_code == 302
    assert response["Location"] == "/?tag=Vision"
    cookie = response.cookies[COOKIE_NAME]
    assert cookie.value == "compact"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 360 * 24 * 3600


@pytest.mark.django_db
def test_anonymous_choice_is_rendered_from_the_cookie(client, papers):
    assert cards(client.get("/").text) == 3

    client.post(SET_MODE, {"list_mode": "compact", "next": "/"})
    page = client.get("/").text
    assert rows(page) == 3 and cards(page) == 0

    client.post(SET_MODE, {"list_mode": "cards", "next": "/"})
    page = client.get("/").text
    assert cards(page) == 3 and rows(page) == 0


@pytest.mark.django_db
def test_a_get_changes_nothing(client):
    response = client.get(SET_MODE, {"list_mode": "compact"})

    assert response.status_code == 405
    assert COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_the_post_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    user = UserFactory()
    client.force_login(user)

    refused = client.post(SET_MODE, {"list_mode": "compact", "next": "/"})
    assert refused.status_code == 403
    assert COOKIE_NAME not in refused.cookies
    assert ReaderProfile.objects.filter(user=user, list_mode="compact").count() == 0

    page = client.get("/")  # the list page's form carries the token
    token = page.cookies["csrftoken"].value
    accepted = client.post(
        SET_MODE, {"list_mode": "compact", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302
    assert ReaderProfile.objects.get(user=user).list_mode == "compact"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["grid", "", "COMPACT", "x" * 500])
def test_an_unknown_layout_is_a_400_naming_the_choices(client, value):
    user = UserFactory()
    client.force_login(user)

    response = client.post(SET_MODE, {"list_mode": value, "next": "/"})

    assert response.status_code == 400
    text = response.text
    assert "Unknown list layout" in text and "cards, compact" in text
    assert len(text) < 200  # a long value is cut, not echoed whole
    assert COOKIE_NAME not in response.cookies
    assert not ReaderProfile.objects.filter(user=user).exclude(list_mode="").exists()


@pytest.mark.django_db
def test_a_missing_layout_is_a_400_too(client):
    response = client.post(SET_MODE, {"next": "/"})
    assert response.status_code == 400
    assert "choose one of cards, compact" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""],
)
def test_an_unsafe_or_missing_next_goes_to_the_list_page(client, next_url):
    response = client.post(SET_MODE, {"list_mode": "compact", "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[COOKIE_NAME].value == "compact"


@pytest.mark.django_db
def test_with_htmx_it_redirects_to_the_page_the_request_came_from(client):
    response = client.post(
        SET_MODE,
        {"list_mode": "compact"},
        headers={
            **HTMX,
            "HX-Current-URL": "http://testserver/tags/robotics/?has_code=1",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/tags/robotics/?has_code=1"


@pytest.mark.django_db
def test_with_htmx_an_off_site_current_url_is_ignored(client):
    response = client.post(
        SET_MODE,
        {"list_mode": "compact"},
        headers={**HTMX, "HX-Current-URL": "https://evil.example/"},
    )
    assert response["Location"] == "/"


# --- Remembered per account ---


@pytest.mark.django_db
def test_a_readers_choice_follows_them_to_another_browser(papers):
    user = UserFactory()
    first = Client()
    first.force_login(user)
    first.post(SET_MODE, {"list_mode": "compact", "next": "/"})
    assert ReaderProfile.objects.get(user=user).list_mode == "compact"

    other = Client()  # no cookie
    other.force_login(user)
    assert rows(other.get("/").text) == 3


@pytest.mark.django_db
def test_the_profile_wins_over_an_older_cookie(client, papers):
    user = UserFactory()
    client.force_login(user)
    ReaderProfile.objects.set_list_mode(user, "compact")
    client.cookies[COOKIE_NAME] = "cards"

    assert rows(client.get("/").text) == 3


@pytest.mark.django_db
def test_a_reader_who_never_chose_gets_the_cookies_layout(client, papers):
    client.force_login(UserFactory())
    client.cookies[COOKIE_NAME] = "compact"

    assert rows(client.get("/").text) == 3


@pytest.mark.django_db
def test_set_list_mode_creates_the_profile_and_keeps_its_visits():
    user = UserFactory()
    assert not ReaderProfile.objects.filter(user=user).exists()
    ReaderProfile.objects.set_list_mode(user, "compact")
    assert ReaderProfile.objects.get(user=user).list_mode == "compact"

    seen = datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
    ReaderProfile.objects.filter(user=user).update(last_seen_at=seen)
    ReaderProfile.objects.set_list_mode(user, "cards")
    profile = ReaderProfile.objects.get(user=user)
    assert (profile.list_mode, profile.last_seen_at) == ("cards", seen)


def test_an_unknown_cookie_falls_back_to_cards(rf):
    request = rf.get("/")
    request.COOKIES[COOKIE_NAME] = "<script>"
    assert list_mode_for(request) == "cards"


# --- What each layout renders ---


@pytest.mark.django_db
def test_every_result_list_renders_the_chosen_layout(client, papers):
    user = UserFactory()
    client.force_login(user)
    for paper in papers:
        Bookmark.objects.create(user=user, paper=paper)
    client.post(SET_MODE, {"list_mode": "compact", "next": "/"})
    author = papers[0].authorships.first().author
    pages = [
        "/",
        reverse("papers:author", args=[author.pk]),
        reverse("papers:tag", args=["robotics"]),
        reverse("papers:bookmarks"),
    ]
    for url in pages:
        full = client.get(url).text
        fragment = client.get(url, headers=HTMX).text
        assert rows(full) >= 1 and cards(full) == 0, url
        assert rows(fragment) == rows(full), url
        assert 'class="paper-list paper-list-compact"' in fragment, url


@pytest.mark.django_db
def test_the_list_pages_vary_on_the_cookie(client, papers):
    for url in ["/", reverse("papers:tag", args=["robotics"])]:
        vary = client.get(url)["Vary"]
        assert "Cookie" in vary and "HX-Request" in vary


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def start_tags(html: str, element: str, **attrs: str) -> list[dict]:
    parser = _StartTags()
    parser.feed(html)
    return [
        found
        for tag, found in parser.found
        if tag == element and all(found.get(k) == v for k, v in attrs.items())
    ]


@pytest.mark.django_db
def test_the_switch_is_a_csrf_post_form_showing_the_current_layout(client, papers):
    client.cookies[COOKIE_NAME] = "compact"
    html = client.get("/?tag=Vision").text

    # The buttons submit the header's POST form, which carries the token and `next`.
    (form,) = start_tags(html, "form", id="paper-action")
    assert form["method"] == "post"
    form_html = html[html.index('<form id="paper-action"') :]
    form_html = form_html[: form_html.index("</form>")]
    assert 'name="csrfmiddlewaretoken"' in form_html
    assert 'name="next" value="/?tag=Vision"' in form_html
    buttons = {
        button["value"]: button
        for button in start_tags(html, "button", name="list_mode")
    }
    assert set(buttons) == {"cards", "compact"}
    assert buttons["compact"]["aria-pressed"] == "true"
    assert buttons["cards"]["aria-pressed"] == "false"
    for button in buttons.values():
        assert button["type"] == "submit" and button["form"] == "paper-action"
        assert button["formaction"] == SET_MODE == button["hx-post"]
        # htmx: only the value is posted, #browse swapped, no history entry.
        assert button["hx-params"] == "list_mode"
        assert button["hx-target"] == "#browse"
        assert button["hx-push-url"] == "false"


@pytest.mark.django_db
def test_a_compact_row_shows_title_first_authors_tags_links_and_the_star(
    client, papers
):
    client.cookies[COOKIE_NAME] = "compact"
    html = client.get("/").text

    # Escaped like everything from a digest.
    assert "Paper 0 &lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    row = html[html.index(f'id="paper-{papers[0].pk}"') :]
    row = row[: row.index("</article>")]
    for name in ("Ada", "Bo", "Cy"):
        assert f">{name}</a>" in row
    assert ">Di</a>" not in row and "et al." in row and "2 more authors" in row
    assert ">Robotics</a>" in row and ">Vision</a>" in row
    assert 'href="https://github.com/owner/repo"' in row
    assert "bookmark-button" in row and "Log in to bookmark" in row
    # No summary in a row.
    assert "A method." not in row


@pytest.mark.django_db
def test_the_compact_list_costs_no_more_queries_than_cards(client, papers):
    client.get("/")  # warm-up: sessions, content types

    def queries(mode: str) -> int:
        client.cookies[COOKIE_NAME] = mode
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured.captured_queries)

    assert queries("compact") <= queries("cards")


@pytest.mark.django_db
def test_the_readers_data_download_includes_their_layout(client):
    user = UserFactory()
    client.force_login(user)
    client.post(SET_MODE, {"list_mode": "compact", "next": "/"})

    data = json.loads(client.get(reverse("account-data")).content)

    assert data["profile"]["list_mode"] == "compact"


@pytest.mark.django_db
def test_the_admin_lists_and_filters_profiles_by_layout(admin_client):
    ReaderProfile.objects.set_list_mode(UserFactory(username="ada"), "compact")
    ReaderProfile.objects.set_list_mode(UserFactory(username="bo"), "cards")
    url = reverse("admin:papers_readerprofile_changelist")

    page = admin_client.get(url, {"list_mode__exact": "compact"})

    assert page.status_code == 200
    assert [row.user.username for row in page.context["cl"].result_list] == ["ada"]
    assert ">Compact<" in page.text
