import datetime
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from papers.context_processors import ReaderSummary
from papers.models import Bookmark, ReaderProfile
from papers.views.accounts import PENDING_BOOKMARK
from tests.factories import PaperFactory, UserFactory

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase 42"

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return UserFactory(username="ada")


def log_in(client, username="ada", password=PASSWORD, address="127.0.0.1", **extra):
    return client.post(
        reverse("login"),
        {"username": username, "password": password, **extra},
        REMOTE_ADDR=address,
    )


# --- Sign up ---


def test_signup_page_asks_for_username_email_and_password_twice(client):
    response = client.get(reverse("signup"))

    assert response.status_code == 200
    for name in ("username", "email", "password1", "password2"):
        assert f'name="{name}"' in response.text


def test_signing_up_creates_the_account_logs_in_and_goes_to_next(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "grace",
            "email": "grace@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": "/archive/",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/archive/"
    user = get_user_model().objects.get(username="grace")
    assert user.email == "grace@example.org"
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_ignores_a_next_on_another_site(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "grace",
            "email": "grace@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": "https://evil.example/",
        },
    )

    assert response["Location"] == reverse("papers:list")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "ADA@example.org"}, "e-mail address already exists"),
        ({"username": "ADA"}, "username already exists"),
        ({"password1": "password", "password2": "password"}, "too common"),
        ({"password2": "something else"}, "fields didn’t match"),
        ({"email": "not an address"}, "valid email address"),
    ],
)
def test_signup_rejects_bad_input_with_a_message(client, reader, changes, message):
    data = {
        "username": "grace",
        "email": "grace@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **changes,
    }
    reader.email = "ada@example.org"
    reader.save()

    response = client.post(reverse("signup"), data)

    assert response.status_code == 400
    assert message in response.text
    assert get_user_model().objects.count() == 1


# --- Log in, log out, header ---


def test_logging_in_redirects_and_the_header_shows_the_reader(client, reader):
    PaperFactory()
    Bookmark.objects.create(user=reader, paper=PaperFactory())

    response = log_in(client)
    page = client.get(response["Location"])

    assert response.status_code == 302
    assert "ada" in page.text
    assert re.search(r'id="bookmark-count"[^>]*>\s*1\s*<', page.text)
    assert f'action="{reverse("logout")}"' in page.text
    assert "csrfmiddlewaretoken" in page.text


def test_anonymous_header_offers_log_in_and_sign_up(client):
    page = client.get(reverse("papers:list"))

    assert reverse("login") in page.text
    assert reverse("signup") in page.text
    assert 'id="bookmark-count"' not in page.text


def test_wrong_password_shows_the_form_again_with_an_error(client, reader):
    response = log_in(client, password="wrong")

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


def test_log_out_is_a_post(client, reader):
    client.force_login(reader)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_lockout_after_five_failures(client, reader):
    for _ in range(4):
        response = log_in(client, password="wrong")
        assert response.status_code == 200
    # django-axes locks at the failure that reaches the limit, the fifth...
    assert log_in(client, password="wrong").status_code == 429

    response = log_in(client, password="wrong")

    # ...and every attempt after it gets the lockout page.
    assert response.status_code == 429
    assert 'id="lockout-message"' in response.text
    assert "after 5 failed attempts" in response.text
    assert "15 minutes" in response.text
    # Even the right password is refused while locked.
    assert log_in(client).status_code == 429
    assert "_auth_user_id" not in client.session


# Whom a lockout holds, and the client address behind a proxy: tests/test_lockout.py.


# --- Passwords ---


def test_password_change_needs_log_in(client):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_password_change(client, reader):
    client.force_login(reader)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response["Location"] == reverse("password_change_done")
    reader.refresh_from_db()
    assert reader.check_password(NEW_PASSWORD)
    assert client.get(reverse("password_change_done")).status_code == 200


def test_password_reset_by_email(client, reader):
    response = client.post(reverse("password_reset"), {"email": reader.email})

    assert response["Location"] == reverse("password_reset_done")
    (message,) = mail.outbox
    assert reader.email in message.to
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)[1]
    # The link redirects once to a URL without the token, then shows the form.
    form_page = client.get(link, follow=True)
    assert "new_password1" in form_page.text
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == reverse("password_reset_complete")
    reader.refresh_from_db()
    assert reader.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(
        reverse("password_reset"), {"email": "nobody@example.org"}, follow=True
    )

    assert "Check your e-mail" in response.text
    assert mail.outbox == []


def test_a_used_reset_link_says_it_does_not_work(client):
    response = client.get("/accounts/reset/MQ/bad-token/", follow=True)

    assert "This link does not work" in response.text


# --- Bookmarking while logged out ---


def test_anonymous_bookmark_post_remembers_it_and_sends_to_log_in(client):
    paper = PaperFactory()

    response = client.post(
        reverse("papers:bookmark-toggle", args=[paper.pk]), {"next": "/?tag=RL"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=%2F%3Ftag%3DRL"
    assert client.session[PENDING_BOOKMARK]["paper"] == paper.pk
    assert not Bookmark.objects.exists()


def test_logging_in_makes_the_pending_bookmark_and_returns_to_the_page(client, reader):
    paper = PaperFactory()
    client.post(reverse("papers:bookmark-toggle", args=[paper.pk]), {"next": "/"})
    login_page = client.get(f"{reverse('login')}?next=/")
    assert "the paper you chose is bookmarked" in login_page.text
    assert not Bookmark.objects.exists()  # a GET writes nothing

    response = log_in(client, next="/")

    assert response["Location"] == "/"
    assert Bookmark.objects.filter(user=reader, paper=paper).exists()
    assert PENDING_BOOKMARK not in client.session
    page = client.get("/")
    assert "Bookmarked “" in page.text


def test_signing_up_makes_the_pending_bookmark(client):
    paper = PaperFactory()
    client.post(reverse("papers:bookmark-toggle", args=[paper.pk]), {"next": "/"})

    client.post(
        reverse("signup"),
        {
            "username": "grace",
            "email": "grace@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": "/",
        },
    )

    assert Bookmark.objects.get().paper == paper


def test_a_pending_bookmark_already_made_is_kept_not_toggled_off(client, reader):
    paper = PaperFactory()
    Bookmark.objects.create(user=reader, paper=paper)
    client.post(reverse("papers:bookmark-toggle", args=[paper.pk]), {"next": "/"})

    log_in(client)

    assert Bookmark.objects.filter(user=reader, paper=paper).count() == 1


def test_an_old_pending_bookmark_is_dropped(client, reader):
    paper = PaperFactory()
    session = client.session
    session[PENDING_BOOKMARK] = {
        "paper": paper.pk,
        "at": (timezone.now() - datetime.timedelta(hours=2)).timestamp(),
    }
    session.save()

    log_in(client)

    assert not Bookmark.objects.exists()
    assert PENDING_BOOKMARK not in client.session


def test_a_garbled_pending_bookmark_is_ignored(client, reader):
    session = client.session
    session[PENDING_BOOKMARK] = "nonsense"
    session.save()

    assert log_in(client).status_code == 302
    assert not Bookmark.objects.exists()


def test_anonymous_htmx_bookmark_gets_a_client_redirect_to_log_in(client):
    paper = PaperFactory()

    response = client.post(
        reverse("papers:bookmark-toggle", args=[paper.pk]),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/?q=x"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next=%2F%3Fq%3Dx"
    assert client.session[PENDING_BOOKMARK]["paper"] == paper.pk


def test_anonymous_button_asks_to_log_in(client):
    PaperFactory()
    # The list and paper pages include the button (a POST form, even logged out).
    page = client.get(reverse("papers:list"))

    assert "Log in to bookmark" in page.text


# --- Visits and the header counts ---


NOW = datetime.datetime(2025, 3, 10, 12, 0, tzinfo=datetime.UTC)


def test_a_first_visit_creates_a_profile_with_no_previous_visit(reader):
    profile = ReaderProfile.objects.record_visit(reader, now=NOW)

    assert profile.last_seen_at == NOW
    assert profile.previous_visit_at is None


def test_requests_within_a_few_minutes_write_nothing(reader, django_assert_num_queries):
    ReaderProfile.objects.record_visit(reader, now=NOW)

    with django_assert_num_queries(1):
        ReaderProfile.objects.record_visit(
            reader, now=NOW + datetime.timedelta(minutes=4)
        )


def test_a_request_later_in_the_visit_moves_last_seen_only(reader):
    ReaderProfile.objects.record_visit(reader, now=NOW)

    ReaderProfile.objects.record_visit(reader, now=NOW + datetime.timedelta(minutes=10))

    profile = ReaderProfile.objects.get(user=reader)
    assert profile.last_seen_at == NOW + datetime.timedelta(minutes=10)
    assert profile.previous_visit_at is None


def test_a_request_after_a_long_gap_starts_a_new_visit(reader):
    ReaderProfile.objects.record_visit(reader, now=NOW)
    later = NOW + datetime.timedelta(hours=5)

    profile = ReaderProfile.objects.record_visit(reader, now=later)

    assert profile.previous_visit_at == NOW
    assert profile.last_seen_at == later
    assert ReaderProfile.objects.get(user=reader).previous_visit_at == NOW


def test_header_counts_papers_new_since_the_previous_visit(reader):
    old = PaperFactory()
    ReaderProfile.objects.create(
        user=reader,
        last_seen_at=timezone.now(),
        previous_visit_at=timezone.now() - datetime.timedelta(days=1),
    )
    type(old).objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    PaperFactory()
    PaperFactory()
    profile = ReaderProfile.objects.get(user=reader)

    summary = ReaderSummary(reader, profile)

    assert summary.new_count == 2


def test_header_shows_no_new_count_on_a_first_visit(reader):
    PaperFactory()

    assert ReaderSummary(reader, None).new_count == 0


def test_a_page_records_the_visit_and_shows_the_new_count(client, reader):
    ReaderProfile.objects.create(
        user=reader,
        last_seen_at=timezone.now() - datetime.timedelta(hours=3),
    )
    PaperFactory()
    client.force_login(reader)

    page = client.get(reverse("papers:list"))

    profile = ReaderProfile.objects.get(user=reader)
    assert profile.previous_visit_at is not None
    assert 'id="new-count"' in page.text


def test_anonymous_requests_record_nothing(client):
    client.get(reverse("papers:list"))

    assert not ReaderProfile.objects.exists()


# --- Account page, all my data, deleting the account ---


def test_account_page_links_to_the_data_download(client, reader):
    client.force_login(reader)

    page = client.get(reverse("account"))

    assert page.status_code == 200
    assert reverse("account-data") in page.text
    assert reverse("password_change") in page.text


def test_download_all_my_data(client, reader):
    from papers.models import Dismissal, ReadingList

    other = UserFactory(username="eve")
    mine, theirs = PaperFactory(title="Mine & {braces}"), PaperFactory()
    bookmark = Bookmark.objects.create(user=reader, paper=mine, note="Private note")
    Bookmark.objects.create(user=other, paper=theirs, note="Eve's secret")
    reading_list = ReadingList.objects.create(user=reader, name="RL ideas")
    reading_list.bookmarks.add(bookmark)
    Dismissal.objects.create(user=reader, paper=theirs)
    client.force_login(reader)

    response = client.get(reverse("account-data"))

    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    data = json.loads(response.content)
    assert data["user"]["username"] == "ada"
    assert [b["title"] for b in data["bookmarks"]] == ["Mine & {braces}"]
    assert data["bookmarks"][0]["note"] == "Private note"
    assert data["bookmarks"][0]["lists"] == ["RL ideas"]
    assert data["lists"] == [
        {
            "name": "RL ideas",
            "created_at": reading_list.created_at.isoformat(),
            "papers": [mine.arxiv_id],
        }
    ]
    assert data["dismissals"][0]["paper"] == theirs.arxiv_id
    assert "Eve's secret" not in response.text


def test_my_data_needs_log_in(client):
    response = client.get(reverse("account-data"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_deleting_a_user_deletes_their_bookmarks_lists_and_dismissals(reader):
    from papers.models import Dismissal, ReadingList

    other = UserFactory(username="eve")
    paper = PaperFactory()
    Bookmark.objects.create(user=reader, paper=paper)
    Bookmark.objects.create(user=other, paper=paper)
    ReadingList.objects.create(user=reader, name="Mine")
    Dismissal.objects.create(user=reader, paper=PaperFactory())
    ReaderProfile.objects.create(user=reader)

    reader.delete()

    assert list(Bookmark.objects.values_list("user__username", flat=True)) == ["eve"]
    assert not ReadingList.objects.exists()
    assert not Dismissal.objects.exists()
    assert not ReaderProfile.objects.exists()
