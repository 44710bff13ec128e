"""Calling the fake Partner API the way the adapter does (bearer token, JSON), and a real HTTP
receiver for its webhooks: a small http.server in a thread that records each request and
answers the codes it is told to."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.utils import timezone

from connections.platforms.partner.sandbox import data as partner_data
from connections.platforms.partner.sandbox.models import PARTNER_PICKING

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


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread. Each POST is recorded; the answer is the next of
    `codes` (then `default`); `delay` seconds before answering (for timeouts); `secret` set: a
    request whose Authorization differs gets 401."""

    def __init__(self, *codes: int, default: int = 200, delay: float = 0, secret: str | None = None):
        self.codes = deque(codes)
        self.default, self.delay, self.secret = default, delay, secret
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                time.sleep(receiver.delay)
                self.send_response(receiver.answer(self.headers.get("Authorization")))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def answer(self, authorization: str | None) -> int:
        if self.secret is not None and authorization != self.secret:
            return 401
        return self.codes.popleft() if self.codes else self.default

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/partner/abc/"

    def statuses(self) -> list[str]:
        return [r.json()["status"] for r in self.received]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
