"""Whom failed log-ins lock out (django-axes), and which address a request is from.

Locking a username after a few failures from anywhere lets anyone lock a reader out
by typing their name with wrong passwords; locking an address for every account
lets one client lock out everyone behind the same proxy or NAT. So failures count
against the pair (username, address), locked after AXES_FAILURE_LIMIT, and against
the address alone, locked for every account only after the much higher
LOGIN_ADDRESS_FAILURE_LIMIT: that still stops one client trying many accounts.

The address is the TCP peer's, unless the peer is one of TRUSTED_PROXIES: then it
is read from TRUSTED_PROXY_HEADER (X-Forwarded-For by default), right to left,
skipping our own proxies. A client can write anything into that header; only what
our proxies appended to it is believed.
"""

from __future__ import annotations

import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def trusted_proxies() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(item, strict=False) for item in settings.TRUSTED_PROXIES
    ]


def is_trusted_proxy(address: IPAddress | None, proxies) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address (AXES_CLIENT_IP_CALLABLE); None if the peer has none
    (a Unix socket), since axes stores it in an address column."""
    peer = parse_address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    proxies = trusted_proxies()
    if not is_trusted_proxy(peer, proxies):
        return str(peer)
    header = request.META.get(settings.TRUSTED_PROXY_HEADER, "")
    hops = [hop for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # Our proxy appends a valid address; text there is a misconfiguration.
            break
        if not is_trusted_proxy(address, proxies):
            return str(address)
    else:
        if hops and (first := parse_address(hops[0])) is not None:
            return str(first)  # every hop is our own proxy
    return str(peer)


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with a second, per-address limit.

    AXES_LOCKOUT_PARAMETERS is the pair only, so everything axes does by parameters
    (counting, resetting the pair's failures after a successful log-in) concerns
    the pair. The address's failures, summed over all usernames, are added here,
    and a successful log-in does not reset them: logging into one's own account
    must not buy more guesses at others.
    """

    def get_failures(
        self, request: HttpRequest, credentials: dict | None = None
    ) -> int:
        pair_failures = super().get_failures(request, credentials)
        if address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(pair_failures, get_failure_limit(request, credentials))
        return pair_failures


def address_failures(request: HttpRequest) -> int:
    """Failed log-ins from the request's address within the cool-off time."""
    attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
    if get_cool_off(request) is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
