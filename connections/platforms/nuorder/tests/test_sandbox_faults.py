"""The fault switches on the NuORDER API: after authentication, NuORDER-shaped bodies."""

import json

import pytest

from sandbox.models import SandboxAccount

from .sandbox_helpers import Creds, account_of, call, make_app

LIST = "/api/orders/approved/list"


@pytest.fixture
def brand(db):
    return make_app(orders=2)


def set_faults(creds, **switches):
    SandboxAccount.objects.filter(token=creds.consumer_key).update(**switches)


def statuses(client, creds, times, path=LIST):
    return [call(client, "GET", path, creds).status_code for _ in range(times)]


def test_rate_limit_has_retry_after_and_the_nuorder_error_shape(client, brand):
    set_faults(brand, fault_rate_limit=2, retry_after_seconds=7)
    response = call(client, "GET", LIST, brand)
    assert response.status_code == 429
    assert response["Retry-After"] == "7"
    assert response.json() == {"code": 429, "message": "Too many requests; slow down"}
    assert statuses(client, brand, 2) == [429, 200]


def test_server_error_is_plain_text(client, brand):
    set_faults(brand, fault_server_error=-1)
    for path in (LIST, "/api/orders/approved/detail"):
        response = call(client, "GET", path, brand)
        assert response.status_code == 500
        assert response["Content-Type"].startswith("text/plain")
        assert response.content == b"Internal Server Error"


def test_malformed_json(client, brand):
    set_faults(brand, fault_malformed_json=1)
    response = call(client, "GET", "/api/orders/approved/detail", brand)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert len(call(client, "GET", "/api/orders/approved/detail", brand).json()) == 2


def test_empty_body_on_reads_only(client, brand):
    set_faults(brand, fault_empty_body=2)
    order_id = account_of(brand).nuorder_orders.first().nuorder_id
    # A write neither gets nor uses up the empty body.
    written = call(client, "POST", f"/api/order/{order_id}/processed", brand)
    assert written.status_code == 200 and written.json()["status"] == "processed"
    for path in ("/api/orders/processed/detail", f"/api/order/{order_id}"):
        response = call(client, "GET", path, brand)
        assert (response.status_code, response.content) == (200, b"")
        assert response["Content-Type"] == "application/json"
    assert call(client, "GET", f"/api/order/{order_id}", brand).json()["_id"] == order_id
    assert account_of(brand).fault_empty_body == 0


def test_faults_fire_in_order(client, brand):
    set_faults(brand, fault_rate_limit=1, fault_server_error=1, fault_malformed_json=1, fault_empty_body=1)
    assert statuses(client, brand, 5) == [429, 500, 200, 200, 200]
    account = account_of(brand)
    assert (account.fault_rate_limit, account.fault_server_error, account.fault_malformed_json) == (0, 0, 0)
    assert account.fault_empty_body == 0


def test_slow_ms(client, brand, monkeypatch):
    slept = []
    monkeypatch.setattr("sandbox.faults.time.sleep", slept.append)
    set_faults(brand, slow_ms=1200)
    assert statuses(client, brand, 2) == [200, 200]
    assert slept == [1.2, 1.2]


def test_a_bad_signature_is_401_before_any_fault(client, brand):
    """Authentication comes first: a fault never hides a wrong secret, nor is it used up by one."""
    set_faults(brand, fault_rate_limit=1, fault_server_error=-1)
    wrong = Creds(brand.consumer_key, "x" * 64, brand.token, brand.token_secret)
    assert call(client, "GET", LIST, wrong).status_code == 401
    assert account_of(brand).fault_rate_limit == 1
    assert statuses(client, brand, 2) == [429, 500]


def test_faults_leave_orders_alone_and_come_before_the_retail_refusal(client, db):
    buyer = make_app("retail", shortcode="buyer", orders=1)
    order = account_of(buyer).nuorder_orders.get()
    set_faults(buyer, fault_server_error=1)
    assert call(client, "POST", f"/api/order/{order.nuorder_id}/processed", buyer).status_code == 500
    assert call(client, "POST", f"/api/order/{order.nuorder_id}/processed", buyer).status_code == 403
    order.refresh_from_db()
    assert order.status == "approved"


def test_faults_apply_to_the_handshake(client, db):
    fresh = make_app(shortcode="fresh", with_token=False)
    set_faults(fresh, fault_server_error=1)
    response = call(client, "GET", "/api/initiate?application_name=PB_DEV", fresh, callback_uri="oob")
    assert response.status_code == 500
    assert not account_of(fresh).nuorder_app.pending.exists()


def test_the_control_page_lists_nuorder_apps_with_their_fault_switches(client, brand):
    account = account_of(brand)
    page = client.get("/sandbox/").content.decode()
    assert brand.consumer_key in page
    assert "NuORDER Wholesale (brand)" in page
    assert f'id="account{account.pk}_fault_empty_body"' in page
    assert "http://testserver/sandbox/nuorder/wholesale" in page
    assert "http://testserver/sandbox/nuorder/retail" in page
    form = {
        "fault_rate_limit": "0",
        "retry_after_seconds": "2",
        "fault_server_error": "0",
        "fault_malformed_json": "0",
        "fault_empty_body": "-1",
        "slow_ms": "0",
    }
    assert client.post(f"/sandbox/accounts/{account.pk}/faults/", form).status_code == 302
    account.refresh_from_db()
    assert account.fault_empty_body == -1
    assert call(client, "GET", LIST, brand).content == b""
