"""The address limits count by (`portal.addresses`) and the failure counter (`portal.failures`)."""

import uuid

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from portal.addresses import client_ip, limit_address
from portal.failures import Limit

PROXY = ("HTTP_X_FORWARDED_PROTO", "https")


def request(remote="192.0.2.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),  # a /64 is one client
        ("2001:db8:1:2::ffff", "2001:db8:1:2::"),
        ("2001:db8:1:3::1", "2001:db8:1:3::"),
        ("::ffff:192.0.2.9", "192.0.2.9"),
        ("", None),
        ("not-an-address", None),
    ],
)
def test_limits_count_an_ipv4_address_and_an_ipv6_slash_64(remote, expected):
    assert limit_address(request(remote)) == expected


def test_the_forwarded_address_counts_only_behind_the_tls_proxy(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client_ip(request("10.0.0.2", "203.0.113.1")) == "10.0.0.2"
    settings.SECURE_PROXY_SSL_HEADER = PROXY
    # The proxy appends the address it saw; what the client sent before it may be forged.
    assert client_ip(request("10.0.0.2", "198.51.100.66, 203.0.113.1")) == "203.0.113.1"
    assert limit_address(request("10.0.0.2", "2001:db8:5:6::7")) == "2001:db8:5:6::"


@pytest.fixture
def limit(settings):
    settings.TEST_FAILURE_LIMIT = 2
    settings.TEST_FAILURE_WINDOW = 60
    found = Limit(f"test-{uuid.uuid4().hex}", "TEST_FAILURE_LIMIT", "TEST_FAILURE_WINDOW")
    yield found
    found.forget("192.0.2.1")
    found.forget(None)


def test_an_address_is_blocked_past_its_limit_until_the_window_ends(limit):
    assert limit.blocked_for("192.0.2.1") == 0
    assert limit.record_failure("192.0.2.1") == 0
    assert limit.record_failure("192.0.2.1") == 0
    assert 58 <= limit.blocked_for("192.0.2.1") <= 60  # its two failures are used up
    assert 58 <= limit.record_failure("192.0.2.1") <= 60  # the third is past the limit
    assert limit.blocked_for("192.0.2.2") == 0  # another address is not

    limit.forget("192.0.2.1")
    assert limit.blocked_for("192.0.2.1") == 0


def test_the_limit_is_read_at_each_use(limit, settings):
    limit.record_failure("192.0.2.1")
    limit.record_failure("192.0.2.1")
    assert limit.blocked_for("192.0.2.1")
    settings.TEST_FAILURE_LIMIT = 5
    assert limit.blocked_for("192.0.2.1") == 0


def test_an_evicted_window_end_blocks_for_a_whole_window(limit):
    for _ in range(3):
        limit.record_failure(None)  # no address: all such requests share one count
    cache.delete(limit._keys(None)[1])
    assert limit.blocked_for(None) == 60
