"""An event in a status we do not know is stored, acknowledged and shown, not applied: staff
see it in the admin's webhook events, the merchant on the connection's webhook card."""

import html
import json
import re
import uuid

import pytest
import requests
from django.core.cache import cache
from django.urls import reverse

from connections.models import WebhookEvent
from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET, make_partner_connection
from connections.platforms.partner.tests.orders import partner_order
from orders.models import Order

NOT_APPLIED = "Not applied (unknown status)"


@pytest.fixture
def connection(live_server, transactional_db, merchant):
    cache.clear()
    return make_partner_connection(merchant)


def post(live_server, connection, body) -> requests.Response:
    url = live_server.url + reverse("webhook", args=["partner", connection.webhook_id])
    return requests.post(url, data=json.dumps(body), headers={"Authorization": PARTNER_WEBHOOK_SECRET}, timeout=10)


def rows(page: str) -> list[str]:
    """Each table row's text, tags gone and spaces squeezed."""
    found = re.findall(r"<tr\b.*?</tr>", page, flags=re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in found]


def the_row(page: str, *words: str) -> str:
    matching = [row for row in rows(page) if all(word in row for word in words)]
    assert len(matching) == 1, (words, rows(page))
    return matching[0]


def test_an_unknown_status_is_shown_to_staff_and_to_the_merchant_and_not_applied(
    live_server, connection, admin_client, member_client
):
    order_id = str(uuid.uuid4())
    assert post(live_server, connection, partner_order(order_id, "RECEIVED", updated=0)).status_code == 202
    answer = post(live_server, connection, partner_order(order_id, "PICKER_ASSIGNED", updated=3))
    assert answer.status_code == 202 and answer.json()["status"] == "accepted"
    unknown = WebhookEvent.objects.get(event_status="PICKER_ASSIGNED")
    assert unknown.state == WebhookEvent.State.NOT_APPLIED
    assert Order.objects.get(external_id=order_id).status == "pending"  # not applied

    # Staff: the admin's list of webhook events, and its filter on the state.
    changelist = reverse("admin:connections_webhookevent_changelist")
    page = admin_client.get(changelist).content.decode()
    row = the_row(page, "PICKER_ASSIGNED")
    assert NOT_APPLIED in row and order_id in row and "PICKER_ASSIGNED" in row.split(NOT_APPLIED, 1)[1]  # outcome
    assert "Processed" in the_row(page, "RECEIVED", order_id)
    filtered = admin_client.get(changelist, {"state__exact": "not_applied"}).content.decode()
    assert [row for row in rows(filtered) if order_id in row] == [the_row(filtered, "PICKER_ASSIGNED", NOT_APPLIED)]
    detail = admin_client.get(reverse("admin:connections_webhookevent_change", args=[unknown.pk])).content.decode()
    assert NOT_APPLIED in html.unescape(detail) and "PICKER_ASSIGNED" in detail

    # The merchant: the connection page's webhook card counts it and lists it with its state.
    page = member_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    card = page[page.index('id="webhook"') :]
    card = card[: card.index("</section>")]
    assert "2 recent, 1 not applied (unknown status)" in " ".join(html.unescape(re.sub(r"<[^>]+>", " ", card)).split())
    assert NOT_APPLIED in the_row(card, "PICKER_ASSIGNED")
    assert "Created the order." in the_row(card, "RECEIVED")
