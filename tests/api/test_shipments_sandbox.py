"""The API's shipment goes to the sandbox NOTHS over real HTTP, exactly as the order page's does.

The broker is synchronous in tests (Q_SYNC): the push runs when the shipment commits.
"""

import json

import pytest

from orders.models import OutboundAction
from tests.integration.test_merchant_pages import imported

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def point_noths_at_the_sandbox(settings, noths_url):
    settings.NOTHS_BASE_URL = noths_url
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0


def ship(api, order, **fields):
    body = {
        "tracking_number": "RM 1234 5678 GB",
        "tracking_url": "https://track.example/RM12345678GB",
        "carrier": "Royal Mail",
        "estimated_delivery_date": "2026-12-01",
        **fields,
    }
    return api.post(f"/api/v1/orders/{order.pk}/shipments/", body, format="json")


def test_the_shipment_is_pushed_to_noths(api, member_client, sandbox_connection, sandbox_account):
    order, sandbox_order = imported(member_client, sandbox_connection, sandbox_account, dispatch_note_viewed=True)
    response = ship(api, order)
    assert response.status_code == 201, response.content
    push = response.json()["push"]
    assert push["state"] == "done" and push["attempts"] == 1
    assert "NOTHS marked the order dispatched with tracking RM12345678GB" in push["result"]
    action = OutboundAction.objects.get(order=order, kind="shipment")
    assert action.attempt_log.get().outcome == "done"
    sandbox_order.refresh_from_db()
    assert sandbox_order.state == "dispatched"
    assert json.loads(sandbox_order.document)["order_detail"]["tracking_number"] == "RM12345678GB"
    detail = api.get(f"/api/v1/orders/{order.pk}/").json()
    assert detail["status"] == "shipped"  # read back from NOTHS after the push
    assert detail["shipments"][0]["push"]["state"] == "done"


def test_a_refusal_comes_back_in_noths_words_with_the_way_out(api, member_client, sandbox_connection, sandbox_account):
    order, sandbox_order = imported(member_client, sandbox_connection, sandbox_account, dispatch_note_viewed=False)
    response = ship(api, order)
    assert response.status_code == 201
    push = response.json()["push"]
    assert push["state"] == "rejected"
    assert "The dispatch note must be printed before dispatch" in push["last_error"]
    assert "Download dispatch note" in push["help_text"]
    sandbox_order.refresh_from_db()
    assert sandbox_order.state != "dispatched"
    # The platform refused it: a corrected dispatch may be sent again.
    sandbox_order.dispatch_note_viewed = True
    sandbox_order.save()
    again = ship(api, order)
    assert again.status_code == 201 and again.json()["push"]["state"] == "done"
