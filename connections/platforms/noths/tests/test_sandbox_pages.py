"""The sandbox control pages: no login, CSRF-protected forms."""

import pytest
from django.test import Client

from sandbox.models import SandboxAccount

from .sandbox_helpers import ACCEPT_FORM, API


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_index_lists_accounts_with_full_tokens_and_counts(client, account, make_order):
    make_order(state="accepted")
    response = client.get("/sandbox/")
    assert response.status_code == 200
    page = response.content.decode()
    assert account.token in page
    assert account.shortcode in page
    assert "accepted 1" in page
    assert "http://testserver/sandbox/noths" in page


def test_create_account_with_a_random_token(client, db):
    response = client.post(
        "/sandbox/noths/accounts/new/",
        {"platform": "noths", "shortcode": "newshop", "name": "New Shop", "currency": "GBP"},
    )
    assert response.status_code == 302
    created = SandboxAccount.objects.get(shortcode="newshop")
    assert created.token.startswith("noths-") and len(created.token) > 10


def test_create_account_refuses_a_taken_token(client, account):
    client.post(
        "/sandbox/noths/accounts/new/",
        {"platform": "noths", "shortcode": "dupe", "name": "Dupe", "currency": "GBP", "token": account.token},
    )
    assert not SandboxAccount.objects.filter(shortcode="dupe").exists()


def test_set_fault_switches(client, account):
    form = {
        "fault_rate_limit": "3",
        "retry_after_seconds": "9",
        "fault_server_error": "-1",
        "fault_malformed_json": "0",
        "slow_ms": "250",
    }
    assert client.post(f"/sandbox/accounts/{account.pk}/faults/", form).status_code == 302
    account.refresh_from_db()
    assert (account.fault_rate_limit, account.retry_after_seconds, account.fault_server_error, account.slow_ms) == (
        3,
        9,
        -1,
        250,
    )
    client.post(f"/sandbox/accounts/{account.pk}/faults/", {**form, "fault_rate_limit": "-2"})
    account.refresh_from_db()
    assert account.fault_rate_limit == 3  # below -1 is refused


def test_generate_and_touch_from_the_page(client, account):
    client.post(f"/sandbox/accounts/{account.pk}/generate/", {"count": "12", "items": "2", "state": "mixed"})
    assert account.noths_orders.count() == 12
    client.post(f"/sandbox/accounts/{account.pk}/touch/", {"count": "3", "new_state": "archived"})
    assert account.noths_orders.filter(state="archived").count() == 3


def test_orders_page_and_its_buttons(client, make_order):
    order = make_order(state="accepted", dispatch_note_viewed=False)
    base = f"/sandbox/noths/{order.account.token}/orders/"
    page = client.get(base, {"state": "accepted"})
    assert page.status_code == 200
    assert order.number in page.content.decode()

    client.post(f"{base}{order.noths_id}/print-note/", {"next": base})
    order.refresh_from_db()
    assert order.dispatch_note_viewed

    client.post(f"{base}{order.noths_id}/open-enquiry/", {"message": "Is it gift wrapped?"})
    order.refresh_from_db()
    assert (order.enquiry_state, order.enquiry_messages) == ("opened", ["Is it gift wrapped?"])
    assert order.parsed()["enquiry"]["state"] == "opened"

    response = client.post(f"{base}{order.noths_id}/resolve-enquiry/", {"next": "https://evil.example/"})
    assert response["Location"] == base  # no open redirect
    order.refresh_from_db()
    assert order.enquiry_state == "resolved"

    assert client.post(f"{base}{order.noths_id}/explode/").status_code == 404


def test_orders_page_for_an_unknown_token_is_404(client, db):
    assert client.get("/sandbox/noths/nobody/orders/").status_code == 404


def test_control_forms_need_csrf(csrf_client, account, make_order):
    order = make_order()
    assert csrf_client.post(f"/sandbox/accounts/{account.pk}/faults/", {"slow_ms": "1"}).status_code == 403
    base = f"/sandbox/noths/{account.token}/orders/"
    assert csrf_client.post(f"{base}{order.noths_id}/print-note/").status_code == 403


def test_api_needs_no_csrf(csrf_client, make_order):
    order = make_order()
    response = csrf_client.post(f"{API}/orders/{order.noths_id}/accept?token={order.account.token}", ACCEPT_FORM)
    assert response.status_code == 200


def test_product_image_is_an_svg(client, db):
    response = client.get("/sandbox/noths/images/5001.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
