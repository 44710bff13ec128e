"""The fake Partner API's request limit per chain: 429 with Retry-After, a sliding 60 s window, shared
by every process (checked with threads, each on its own database connection)."""

import threading

import pytest
from django.db import connection

from connections.platforms.partner.sandbox.models import SandboxPartnerChain, SandboxPartnerRateBucket
from connections.platforms.partner.sandbox.ratelimit import admit

from .sandbox_helpers import API, CLIENT_ID, CLIENT_SECRET, api_get, error, make_chain, window

T0 = 1_800_000_000.0


@pytest.fixture
def chain(db):
    return make_chain(rate_limit_per_minute=3)


def listing(client, chain):
    return api_get(client, f"/chains/{chain.chain_id}/vendors/v-1/orders", **window())


def test_the_fourth_request_in_a_minute_is_429_with_retry_after(client, chain):
    assert [listing(client, chain).status_code for _ in range(3)] == [200, 200, 200]
    response = listing(client, chain)
    assert error(response) == (429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "at most 3 a minute" in response.json()["message"]


def test_the_token_endpoint_counts_too(client, chain):
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    assert client.post(f"{API}/oauth/token", form).status_code == 200
    assert [listing(client, chain).status_code for _ in range(2)] == [200, 200]
    response = client.post(f"{API}/oauth/token", form)
    assert error(response) == (429, "rate_limited") and response["Retry-After"]


def test_the_window_slides_and_retry_after_is_exact(chain):
    assert admit(chain, T0) == admit(chain, T0 + 30) == admit(chain, T0 + 30.5) == 0
    assert admit(chain, T0 + 40) == 20  # the request at T0 leaves the window at T0 + 60
    assert admit(chain, T0 + 59.9) == 1
    assert admit(chain, T0 + 60) == 0  # T0's slot is free again
    assert admit(chain, T0 + 61) == 29  # now full until T0 + 30's two leave it
    assert admit(chain, T0 + 90) == 0


def test_refused_requests_do_not_count(chain):
    for _ in range(3):
        admit(chain, T0)
    assert all(admit(chain, T0 + offset) for offset in range(1, 60, 5))
    assert admit(chain, T0 + 60) == 0
    assert sum(SandboxPartnerRateBucket.objects.values_list("count", flat=True)) == 1  # old seconds deleted


def test_zero_means_no_limit(chain):
    SandboxPartnerChain.objects.filter(pk=chain.pk).update(rate_limit_per_minute=0)
    chain.refresh_from_db()
    assert not any(admit(chain, T0) for _ in range(100))
    assert not SandboxPartnerRateBucket.objects.exists()


def test_chains_have_their_own_limits(chain):
    other = make_chain(token="other-token", chain_id="0b1c2d3e-4f50-4617-8899-aabbccddeeff", client_id="o")
    other.rate_limit_per_minute = 1
    other.save()
    assert admit(other, T0) == 0 and admit(other, T0) > 0
    assert [admit(chain, T0) for _ in range(4)][:3] == [0, 0, 0]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_share_the_last_slot():
    chain = make_chain(rate_limit_per_minute=25)
    admitted, failures = [], []

    def hammer():
        try:
            for _ in range(10):
                admitted.append(admit(chain, T0) == 0)
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert admitted.count(True) == 25 and len(admitted) == 80
    assert SandboxPartnerRateBucket.objects.get(chain=chain).count == 25
