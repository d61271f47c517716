"""The client's address behind proxies, and the login lockout that is kept per address."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from grannar.core.addresses import client_address

PASSWORD = "correct horse battery"
PROXY = "10.0.0.5"


def request(forwarded: str | None = None):
    headers = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_proxies_the_direct_peer_is_the_client(settings):
    settings.GRANNAR_PROXY_COUNT = 0
    # A client cannot choose its address by sending the header itself.
    assert client_address(request("203.0.113.9")) == PROXY


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        # The client wrote the first entry; our proxy appended the address it saw.
        (1, "203.0.113.9, 198.51.100.7", "198.51.100.7"),
        (2, "203.0.113.9, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (1, "2001:db8::1", "2001:db8::1"),
        # Not through the proxies (an internal health check): the direct peer.
        (2, "198.51.100.7", PROXY),
        (1, None, PROXY),
        # What the proxy count points at is not an address: the direct peer.
        (1, "203.0.113.9, not-an-address", PROXY),
    ],
)
def test_behind_proxies_the_entry_our_outermost_proxy_wrote(settings, count, forwarded, expected):
    settings.GRANNAR_PROXY_COUNT = count
    assert client_address(request(forwarded)) == expected


def attempt(client, forwarded: str, password: str = "wrong") -> int:
    return client.post(
        reverse("login"),
        {"username": "samordnare@test.example", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    ).status_code


@pytest.mark.django_db
def test_behind_a_proxy_failures_from_one_address_do_not_lock_out_another(settings, world):
    settings.GRANNAR_PROXY_COUNT = 1
    away = Client()
    assert [attempt(away, "198.51.100.7") for _ in range(5)] == [200, 200, 200, 200, 429]
    assert attempt(away, "198.51.100.7", PASSWORD) == 429
    # The account's owner at the municipality's address, through the same proxy, signs in.
    assert attempt(Client(), "203.0.113.20", PASSWORD) == 302


@pytest.mark.django_db
def test_without_the_proxy_count_everyone_behind_the_proxy_shares_one_lockout(settings, world):
    settings.GRANNAR_PROXY_COUNT = 0
    away = Client()
    assert [attempt(away, "198.51.100.7") for _ in range(5)] == [200, 200, 200, 200, 429]
    assert attempt(Client(), "203.0.113.20", PASSWORD) == 429
