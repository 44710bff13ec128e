"""The account's fault switches on the fake Partner API: after the caller is known, on every endpoint."""

import json

import pytest

from connections.platforms.partner.sandbox.models import SandboxPartnerToken
from sandbox.models import SandboxAccount

from .sandbox_helpers import (
    API,
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN,
    api_get,
    api_put,
    error,
    make_chain,
    make_order,
    order_path,
    put_body,
    window,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(db):
    return make_chain()


def set_faults(chain, **switches):
    SandboxAccount.objects.filter(pk=chain.account_id).update(**switches)


def listing(client, chain, token=TOKEN):
    return api_get(client, f"/chains/{chain.chain_id}/vendors/v-1/orders", token, **window())


def test_a_rate_limit_fault_is_429_in_the_partner_shape(client, chain):
    set_faults(chain, fault_rate_limit=1, retry_after_seconds=40)
    response = listing(client, chain)
    assert error(response) == (429, "rate_limited") and response["Retry-After"] == "40"
    assert listing(client, chain).status_code == 200


def test_server_error_and_malformed_json(client, chain):
    set_faults(chain, fault_server_error=1, fault_malformed_json=1)
    broken = listing(client, chain)
    assert broken.status_code == 500 and broken["Content-Type"].startswith("text/plain")
    garbled = listing(client, chain)
    assert garbled.status_code == 200
    with pytest.raises(ValueError):
        json.loads(garbled.content)
    assert listing(client, chain).json()["orders"] == []


def test_slow_ms(client, chain, monkeypatch):
    slept = []
    monkeypatch.setattr("sandbox.faults.time.sleep", slept.append)
    set_faults(chain, slow_ms=700)
    assert listing(client, chain).status_code == 200
    assert slept == [0.7]


def test_faults_apply_to_the_token_endpoint(client, chain):
    set_faults(chain, fault_server_error=1)
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    assert client.post(f"{API}/oauth/token", form).status_code == 500
    assert not SandboxPartnerToken.objects.exists()
    assert client.post(f"{API}/oauth/token", form).status_code == 200


def test_a_wrong_token_is_401_before_any_fault(client, chain):
    set_faults(chain, fault_server_error=1)
    assert error(listing(client, chain, token="wrong")) == (401, "unauthorized")
    assert SandboxAccount.objects.get(pk=chain.account_id).fault_server_error == 1
    assert listing(client, chain).status_code == 500


def test_a_faulty_put_changes_nothing(client, chain):
    order = make_order(chain)
    set_faults(chain, fault_server_error=1)
    assert api_put(client, order_path(order), put_body(order, "READY_FOR_PICKUP")).status_code == 500
    order.refresh_from_db()
    assert order.status == "RECEIVED"
    assert api_put(client, order_path(order), put_body(order, "READY_FOR_PICKUP")).status_code == 200
