"""Failed log-ins lock the (username, address) pair, and an address only after many.

Neither a stranger typing a reader's name with wrong passwords, nor one client
behind the same proxy, can lock that reader out (papers/lockout.py).
"""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from papers.lockout import client_ip
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
ATTACKER = "192.0.2.1"
READER_ADDRESS = "198.51.100.7"
PROXY = "10.0.0.5"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    settings.TRUSTED_PROXIES = []
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"


@pytest.fixture
def reader():
    return UserFactory(username="ada")


def log_in(client, username="ada", password=PASSWORD, address="127.0.0.1", **meta):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **meta,
    )


def fail(client, times, **kwargs):
    for _ in range(times):
        log_in(client, password="wrong", **kwargs)


def test_five_failures_lock_the_pair(client, reader):
    fail(client, 4, address=ATTACKER)
    assert log_in(client, password="wrong", address=ATTACKER).status_code == 429
    # Even the right password, from that address, while locked.
    assert log_in(client, address=ATTACKER).status_code == 429


def test_failures_elsewhere_do_not_lock_the_reader_out(client, reader):
    fail(client, 5, address=ATTACKER)

    assert log_in(client, address=READER_ADDRESS).status_code == 302


def test_failures_for_one_account_do_not_lock_others_at_the_address(client, reader):
    UserFactory(username="grace")
    fail(client, 5, username="ada", address=ATTACKER)

    assert log_in(client, username="grace", address=ATTACKER).status_code == 302


def test_many_failures_from_one_address_lock_it_for_every_account(client, reader):
    # Guessing a few passwords of many accounts from one address...
    for n in range(12):
        log_in(client, username=f"guess{n % 4}", password="wrong", address=ATTACKER)

    # ...locks the address for everyone, at the much higher per-address limit...
    response = log_in(client, address=ATTACKER)
    assert response.status_code == 429
    assert 'id="lockout-message"' in response.text
    # ...and no one else.
    assert log_in(client, address=READER_ADDRESS).status_code == 302


def test_under_the_address_limit_other_accounts_still_log_in(client, reader):
    for n in range(11):
        log_in(client, username=f"guess{n}", password="wrong", address=ATTACKER)

    assert log_in(client, address=ATTACKER).status_code == 302


def test_logging_into_ones_own_account_does_not_reset_the_address_count(client):
    UserFactory(username="mallory")
    for n in range(11):
        log_in(client, username=f"guess{n}", password="wrong", address=ATTACKER)
    assert log_in(client, username="mallory", address=ATTACKER).status_code == 302
    client.logout()

    log_in(client, username="guess99", password="wrong", address=ATTACKER)

    assert log_in(client, username="mallory", address=ATTACKER).status_code == 429


def test_a_forged_forwarded_for_header_is_ignored_without_trusted_proxies(
    client, reader
):
    # A client rotating X-Forwarded-For gains nothing: its own address counts.
    for n in range(5):
        log_in(
            client,
            password="wrong",
            address=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )

    assert log_in(client, address=ATTACKER).status_code == 429


def test_behind_a_trusted_proxy_each_client_is_locked_on_its_own(
    client, reader, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    fail(client, 5, address=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)

    # The proxy's own address is not locked: another client behind it logs in.
    response = log_in(client, address=PROXY, HTTP_X_FORWARDED_FOR=READER_ADDRESS)
    assert response.status_code == 302
    client.logout()
    assert (
        log_in(client, address=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
    )


def request_from(peer, forwarded=None):
    meta = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # Not from a trusted proxy: the peer, whatever the header says.
        ("192.0.2.1", "203.0.113.9", "192.0.2.1"),
        # From our proxy: the address it appended, the right-most.
        ("10.0.0.5", "203.0.113.9", "203.0.113.9"),
        # A client's forged entries sit left of what our proxy appended.
        ("10.0.0.5", "1.1.1.1, 203.0.113.9", "203.0.113.9"),
        # Two proxies of ours: skip both.
        ("10.0.0.5", "203.0.113.9, 10.0.0.7", "203.0.113.9"),
        # IPv6 clients; the address is written the one canonical way.
        ("10.0.0.5", "2001:DB8::0001", "2001:db8::1"),
        # No header, or not an address where our proxy writes one: the proxy.
        ("10.0.0.5", None, "10.0.0.5"),
        ("10.0.0.5", "203.0.113.9, garbage", "10.0.0.5"),
        # A peer without an address (a Unix socket): none, never text.
        ("", "203.0.113.9", None),
    ],
)
def test_client_address_is_read_from_trusted_proxies_only(
    settings, peer, forwarded, expected
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_ip(request_from(peer, forwarded)) == expected


def test_the_proxy_header_is_configurable(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_REAL_IP"
    request = RequestFactory().get(
        "/",
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_REAL_IP="203.0.113.9",
        HTTP_X_FORWARDED_FOR="1.1.1.1",
    )
    assert client_ip(request) == "203.0.113.9"


def test_a_peer_without_an_address_still_logs_in_and_is_throttled(client, reader):
    # As behind a proxy on a Unix socket: failures are recorded without an address.
    fail(client, 5, address="")
    assert log_in(client, address="").status_code == 429
    assert log_in(client, address=READER_ADDRESS).status_code == 302
