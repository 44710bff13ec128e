"""Calling the fake Partner API the way the adapter does (bearer token, JSON), and a real HTTP
receiver for its webhooks (`tests.support.webhook_receiver`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from connections.platforms.partner.sandbox import data as partner_data
from connections.platforms.partner.sandbox.models import PARTNER_PICKING
from tests.support.webhook_receiver import Received, WebhookReceiver

API = "/sandbox/partner/v2"
TOKEN = "partner-test-token-a-0001"
OTHER_TOKEN = "partner-test-token-b-0002"
CHAIN_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
OTHER_CHAIN_ID = "0b1c2d3e-4f50-4617-8899-aabbccddeeff"
CLIENT_ID, CLIENT_SECRET = "corner-test-client", "corner-test-secret-123456"
SECRET = "Basic cGFydG5lcjpyYW5kb21wYXNzd29yZA=="  # a webhook secret as the docs show one


def make_chain(
    *,
    token=TOKEN,
    chain_id=CHAIN_ID,
    client_id=CLIENT_ID,
    picking_mode=PARTNER_PICKING,
    vendor_ids=("v-1", "v-2"),
    **fields,
):
    """A chain with known credentials and no rate limit (tests that want one set it)."""
    fields.setdefault("rate_limit_per_minute", 0)
    return partner_data.create_chain(
        "Corner Grocer",
        token=token,
        chain_id=chain_id,
        client_id=client_id,
        client_secret=CLIENT_SECRET if client_id == CLIENT_ID else f"{client_id}-secret",
        picking_mode=picking_mode,
        vendor_ids=vendor_ids,
        **fields,
    )


def make_order(chain, vendor_id="v-1", **options):
    options.setdefault("seed", 1)
    return partner_data.create_order(chain, chain.vendors.get(vendor_id=vendor_id), **options)


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def api_get(client, path, token=TOKEN, **params):
    return client.get(f"{API}{path}", params, **bearer(token))


def api_put(client, path, body, token=TOKEN):
    return client.put(f"{API}{path}", json.dumps(body), content_type="application/json", **bearer(token))


def order_path(order, chain_id=None):
    return f"/chains/{chain_id or order.chain.chain_id}/orders/{order.order_id}"


def stamp(moment: datetime) -> str:
    """A time as the adapter sends it: UTC, whole seconds, no zone."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def window(days_back: float = 1, until: datetime | None = None) -> dict:
    until = until or timezone.now() + timedelta(minutes=1)
    return {"start_time": stamp(until - timedelta(days=days_back)), "end_time": stamp(until)}


def put_body(order, status, items=None, **extra):
    return {
        "order_id": str(order.order_id),
        "status": status,
        **({"items": items} if items is not None else {}),
        **extra,
    }


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


# -- the webhook receiver -----------------------------------------------------------------------------


class Receiver(WebhookReceiver):
    """The chain's webhooks: with `secret`, a request whose Authorization differs gets 401."""

    path = "/webhooks/partner/abc/"

    def accepts(self, request: Received) -> bool:
        return request.headers.get("Authorization") == self.secret

    def statuses(self) -> list[str]:
        return [r.json()["status"] for r in self.received]
