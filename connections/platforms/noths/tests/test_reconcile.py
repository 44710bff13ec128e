"""NOTHS's reconciliation against recorded-shape answers (responses): what it asks NOTHS for, in which
order, and what it makes of the answers. The engine's run over the sandbox is tests/integration/test_reconcile.py."""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from connections.platforms.base import HeldOrders, PlatformContext
from connections.platforms.noths.adapter import NothsPlatform

BASE = "https://noths.test"
LIST = f"{BASE}/api/v1/orders"
ORDER = json.loads((Path(__file__).parent.parent / "fixtures" / "order.json").read_text())
SINCE = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)

part = NothsPlatform().reconciliation


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 60
    settings.NOTHS_PAGE_SIZE = 2


def ctx():
    return PlatformContext(base_url=BASE, credentials={"token": "noths-unit-token-0123456789"})


def held(*open_ids: str) -> HeldOrders:
    return HeldOrders(open=frozenset(open_ids), versions={}, since=SINCE)


def order(n, state="placed"):
    return {
        **copy.deepcopy(ORDER),
        "id": n,
        "number": f"R{n}",
        "state": state,
        "placed_at": f"2026-11-{n % 28 + 1:02d}T10:00:00+00:00",
    }


def page(orders, total):
    return {"query": {"results": len(orders), "total": total}, "data": orders, "links": []}


def query_of(call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


@responses.activate
def test_open_orders_then_recent_closed_ones_then_the_rest_by_id():
    responses.get(LIST, json=page([order(1), order(2, "accepted")], 3))
    responses.get(LIST, json=page([order(3)], 3))
    responses.get(LIST, json=page([order(4, "dispatched")], 1))
    responses.get(LIST, json=page([order(7, "declined")], 1))  # by id: 7 answered, 8 not

    pages = list(part.pages(ctx(), held("1", "3", "7", "8"), None))

    sent = [query_of(call) for call in responses.calls]
    end = sent[0]["updated_at[to]"]
    assert datetime.now(UTC) - datetime.fromisoformat(end) >= timedelta(seconds=60)  # settled, as the sync's
    assert [(q.get("state"), q.get("updated_at[from]"), q.get("offset")) for q in sent[:3]] == [
        ("placed,accepted", None, "0"),  # every open order, whenever it last changed
        ("placed,accepted", None, "2"),
        ("dispatched,declined,expired,refunded,archived", SINCE.isoformat(), "0"),  # the closed of the last days
    ]
    assert all(q["updated_at[to]"] == end and q["sort"] == "placed_at" and q["dir"] == "asc" for q in sent[:3])
    assert sent[3]["ids"] == "7,8" and "state" not in sent[3]  # the open orders neither listing brought
    assert [[r.external_id for r in p.records] for p in pages] == [["1", "2"], ["3"], ["4"], ["7"]]
    assert pages[-1].gone == ["8"]
    assert [p.cursor.get("listed", False) for p in pages] == [False, False, True, True]


@responses.activate
def test_a_pass_resumed_in_the_closed_listing_goes_on_from_there():
    window = {
        "from": SINCE.isoformat(),
        "to": "2026-12-01T09:30:00+00:00",
        "offset": 2,
        "total": 3,
        "tail_placed": None,
    }
    cursor = {
        "listing": {
            "states": "dispatched,declined,expired,refunded,archived",
            "window": window,
            "since": SINCE.isoformat(),
        }
    }
    responses.get(LIST, json=page([order(5, "dispatched")], 3))
    pages = list(part.pages(ctx(), held("5"), cursor))
    (sent,) = [query_of(call) for call in responses.calls]
    assert (sent["state"], sent["offset"], sent["updated_at[to]"]) == (
        "dispatched,declined,expired,refunded,archived",
        "2",
        "2026-12-01T09:30:00+00:00",
    )
    assert [r.external_id for r in pages[0].records] == ["5"] and pages[0].cursor == {"listed": True}


@responses.activate
def test_ids_that_are_not_noths_ids_are_gone_without_asking():
    pages = list(part.pages(ctx(), held(), {"listed": True}))
    assert pages == [] and not responses.calls
    page_of = part.read(ctx(), ["not-a-number"])
    assert page_of.gone == ["not-a-number"] and not responses.calls
