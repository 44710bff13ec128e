"""The fault switches: 429, 500, malformed JSON and delays, counted per request."""

import json
import time

import pytest

from sandbox.models import SandboxAccount

from .sandbox_helpers import ACCEPT_FORM, api_get, api_post


def set_faults(account, **switches):
    SandboxAccount.objects.filter(pk=account.pk).update(**switches)
    account.refresh_from_db()


def statuses(client, times, path="/orders"):
    return [api_get(client, path).status_code for _ in range(times)]


def test_rate_limit_for_the_next_n_requests(client, account):
    set_faults(account, fault_rate_limit=2, retry_after_seconds=7)
    first = api_get(client, "/orders")
    assert first.status_code == 429
    assert first["Retry-After"] == "7"
    assert first.json()["errors"][0]["code"] == "RATE_LIMITED"
    assert statuses(client, 3) == [429, 200, 200]
    account.refresh_from_db()
    assert account.fault_rate_limit == 0


def test_minus_one_means_always(client, account):
    set_faults(account, fault_rate_limit=-1, retry_after_seconds=30)
    responses = [api_get(client, "/orders") for _ in range(4)]
    assert [r.status_code for r in responses] == [429] * 4
    assert {r["Retry-After"] for r in responses} == {"30"}
    account.refresh_from_db()
    assert account.fault_rate_limit == -1


def test_server_error(client, account):
    set_faults(account, fault_server_error=1)
    response = api_get(client, "/orders")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"Internal Server Error"
    assert statuses(client, 1) == [200]


def test_malformed_json_is_really_invalid(client, account):
    set_faults(account, fault_malformed_json=1)
    response = api_get(client, "/orders")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert api_get(client, "/orders").json()["query"]["total"] == 0


def test_faults_fire_in_order_rate_limit_then_500_then_malformed(client, account):
    set_faults(account, fault_rate_limit=1, fault_server_error=1, fault_malformed_json=1)
    assert statuses(client, 4) == [429, 500, 200, 200]
    account.refresh_from_db()
    assert (account.fault_rate_limit, account.fault_server_error, account.fault_malformed_json) == (0, 0, 0)


def test_slow_ms_delays_every_answer(client, account, monkeypatch):
    slept = []
    monkeypatch.setattr("sandbox.faults.time.sleep", slept.append)
    set_faults(account, slow_ms=1500, fault_server_error=1)
    assert statuses(client, 2) == [500, 200]
    assert slept == [1.5, 1.5]


def test_slow_ms_really_waits(client, account):
    set_faults(account, slow_ms=120)
    started = time.monotonic()
    assert statuses(client, 1) == [200]
    assert time.monotonic() - started >= 0.12


def test_counting_is_atomic_even_with_stale_copies(account):
    """Two requests that loaded the account before either used the fault: only one gets it."""
    set_faults(account, fault_server_error=1)
    first, second = SandboxAccount.objects.get(pk=account.pk), SandboxAccount.objects.get(pk=account.pk)
    assert [first.take_fault("fault_server_error"), second.take_fault("fault_server_error")] == [True, False]
    account.refresh_from_db()
    assert account.fault_server_error == 0


def test_faults_apply_to_actions_and_leave_the_order_alone(client, make_order):
    order = make_order()
    set_faults(order.account, fault_server_error=1)
    assert api_post(client, f"/orders/{order.noths_id}/accept", ACCEPT_FORM).status_code == 500
    order.refresh_from_db()
    assert order.state == "placed"


def test_a_bad_token_is_401_before_any_fault(client, account):
    set_faults(account, fault_rate_limit=-1)
    assert api_get(client, "/orders", token="wrong").status_code == 401


def test_control_pages_ignore_faults(client, account):
    set_faults(account, fault_rate_limit=-1, fault_server_error=-1)
    assert client.get("/sandbox/").status_code == 200
    assert client.get(f"/sandbox/noths/{account.token}/orders/").status_code == 200
