"""generate_orders, touch_orders, the demo accounts and the management commands."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from connections.platforms.noths.orders import normalize_order
from connections.platforms.noths.sandbox.data import (
    DEMO_ACCOUNTS,
    PRODUCTS,
    ensure_demo_accounts,
    generate_orders,
    touch_orders,
)
from connections.platforms.noths.sandbox.models import UNRESOLVED_ENQUIRY_STATES, iso
from sandbox.models import SandboxAccount

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
MONEY_KEYS = {"cents", "currency"}


def test_generate_orders_makes_valid_documents_that_match_the_columns(account):
    states = ("placed", "accepted", "dispatched", "declined", "expired", "refunded", "archived")
    assert generate_orders(account, 60, items_per_order=2, states=states, start=START, seed=1) == 60
    prices = {title: price for title, price, *_ in PRODUCTS}
    for order in account.noths_orders.all():
        doc = json.loads(order.document)
        # Columns and JSON agree.
        assert doc["id"] == order.noths_id
        assert doc["number"] == order.number
        assert doc["state"] == order.state
        for key in ("placed_at", "updated_at", "accepted_at", "dispatched_at", "estimated_delivery_date"):
            assert doc[key] == iso(getattr(order, key))
        assert doc["dispatch_note_viewed"] == order.dispatch_note_viewed
        assert doc["user"]["name"] == order.customer_name
        assert doc["delivery_recipient_name"] == order.delivery_recipient_name
        assert doc["delivery_service"]["code"] == order.delivery_service_code
        assert doc["delivery_zone"]["id"] == order.delivery_zone_id
        assert (doc["gift"], doc["international"]) == (order.gift, order.international)
        assert doc["partner_name"] == account.name
        assert order.product_ids == "," + ",".join(str(i["product"]["id"]) for i in doc["items"]) + ","
        # The money adds up; listing_total_gross is the line total.
        assert len(doc["items"]) == 2
        items_cents = sum(item["listing_total_gross"]["cents"] for item in doc["items"])
        assert items_cents == order.items_total_cents
        assert doc["order_total"]["cents"] == items_cents + doc["delivery_total"]["cents"] - doc["promotion_discount"]
        assert doc["order_total"]["currency"] == {
            "iso_code": "GBP",
            "symbol": "£",
            "html_entity": "&#x00A3;",
            "subunit_to_unit": 100,
        }
        for item in doc["items"]:
            assert set(item["listing_total_gross"]) == MONEY_KEYS
            assert item["listing_total_gross"]["cents"] == prices[item["item_title"]] * item["quantity"]
            names = [option["name"] for option in item["options"]]
            assert ("Personalisation" in names) == item["product"]["personalisable"]
        assert "email" not in doc["user"]
        # Time runs forwards and never past `start`.
        assert order.placed_at < START
        assert order.placed_at <= order.updated_at <= START
        # Every ISO timestamp carries its offset.
        assert doc["placed_at"].endswith("+00:00")
        # Our own adapter reads it.
        normalized = normalize_order(doc)
        assert normalized.external_id == str(order.noths_id)
        assert len(normalized.items) == 2


def test_state_timestamps_fit_the_state(account):
    generate_orders(account, 30, states=("placed", "accepted", "dispatched", "declined"), start=START, seed=2)
    for order in account.noths_orders.all():
        assert (order.accepted_at is not None) == (order.state in ("accepted", "dispatched"))
        assert (order.dispatched_at is not None) == (order.state == "dispatched")
        assert (order.declined_at is not None) == (order.state == "declined")
        assert bool(order.tracking_number) == (order.state == "dispatched")
        assert order.updated_at == max(
            t for t in (order.placed_at, order.accepted_at, order.dispatched_at, order.declined_at) if t
        )


def test_ids_are_unique_across_accounts_and_grow_with_placed_at(account, other_account):
    generate_orders(account, 10, start=START)
    generate_orders(other_account, 10, start=START)
    generate_orders(account, 10, start=START)
    all_ids = list(
        SandboxAccount.objects.values_list("noths_orders__noths_id", flat=True).order_by("noths_orders__noths_id")
    )
    assert len(all_ids) == len(set(all_ids)) == 30
    first_batch = list(account.noths_orders.order_by("noths_id")[:10])
    assert [o.placed_at for o in first_batch] == sorted(o.placed_at for o in first_batch)
    assert first_batch[-1].placed_at == START - timedelta(seconds=60)
    assert first_batch[0].placed_at == START - timedelta(seconds=600)


def test_seed_makes_the_same_data(account, other_account):
    generate_orders(account, 5, start=START, seed=42)
    generate_orders(other_account, 5, start=START, seed=42)

    def content(owner):
        return [(o.customer_name, o.items_total_cents, o.placed_at) for o in owner.noths_orders.order_by("noths_id")]

    assert content(account) == content(other_account)


def test_generate_orders_rejects_nonsense(account):
    with pytest.raises(ValueError):
        generate_orders(account, 1, states=("lost",))
    with pytest.raises(ValueError):
        generate_orders(account, 1, items_per_order=0)


def test_touch_orders_bumps_updated_at_and_rewrites_the_json(account):
    generate_orders(account, 5, start=START)
    chosen = list(account.noths_orders.order_by("noths_id").values_list("noths_id", flat=True)[:2])
    before = datetime.now(UTC) - timedelta(seconds=1)
    assert touch_orders(account, chosen) == 2
    for order in account.noths_orders.all():
        doc = json.loads(order.document)
        assert doc["updated_at"] == iso(order.updated_at)
        if order.noths_id in chosen:
            assert order.updated_at >= before
        else:
            assert order.updated_at < START


def test_touch_orders_can_move_the_state(account):
    generate_orders(account, 3, start=START)
    assert touch_orders(account, count=2, new_state="accepted") == 2
    moved = account.noths_orders.filter(state="accepted")
    assert moved.count() == 2
    for order in moved:
        assert order.accepted_at == order.updated_at
        assert json.loads(order.document)["accepted_at"] == iso(order.accepted_at)


def test_ensure_demo_accounts_is_idempotent_and_repairs_switches(db):
    ensure_demo_accounts()
    counts = {a.token: a.noths_orders.count() for a in SandboxAccount.objects.all()}
    SandboxAccount.objects.filter(token="noths-broken-8b2f4d6a").update(fault_server_error=0)
    ensure_demo_accounts()
    assert {a.token: a.noths_orders.count() for a in SandboxAccount.objects.all()} == counts
    assert SandboxAccount.objects.get(token="noths-broken-8b2f4d6a").fault_server_error == -1


def test_demo_accounts_are_as_documented(db):
    ensure_demo_accounts()
    tokens = {demo.token for demo in DEMO_ACCOUNTS}
    assert {
        "noths-demo-7f3a9c2e5b8d4f1a",
        "noths-other-2d6e8b1c4a9f7e30",
        "noths-ratelimited-5c1e7a9d",
        "noths-broken-8b2f4d6a",
        "noths-garbled-3e9a1c7f",
        "noths-slow-6d4b2a8e",
    } == tokens
    demo = SandboxAccount.objects.get(token="noths-demo-7f3a9c2e5b8d4f1a")
    assert demo.shortcode == "demoshop"
    orders = demo.noths_orders
    assert orders.count() == 120
    assert orders.filter(state__in=("placed", "accepted")).count() >= 90
    assert orders.filter(state="dispatched").exists()
    assert orders.filter(enquiry_state__in=UNRESOLVED_ENQUIRY_STATES).count() == 1
    assert orders.filter(state="accepted", dispatch_note_viewed=False).count() == 1
    assert SandboxAccount.objects.get(token="noths-other-2d6e8b1c4a9f7e30").noths_orders.count() == 20
    limited = SandboxAccount.objects.get(token="noths-ratelimited-5c1e7a9d")
    assert (limited.fault_rate_limit, limited.retry_after_seconds) == (-1, 30)
    assert SandboxAccount.objects.get(token="noths-garbled-3e9a1c7f").fault_malformed_json == -1
    assert SandboxAccount.objects.get(token="noths-slow-6d4b2a8e").slow_ms == 3000
    assert all(demo.description for demo in DEMO_ACCOUNTS)


def test_sandbox_seed_prints_the_tokens(db):
    out = StringIO()
    call_command("sandbox_seed", stdout=out)
    for demo in DEMO_ACCOUNTS:
        assert demo.token in out.getvalue()
    assert "/sandbox/noths" in out.getvalue()


def test_sandbox_generate_orders_command(account):
    out = StringIO()
    call_command("sandbox_generate_orders", token=account.token, count=7, items=1, state="placed,accepted", stdout=out)
    assert account.noths_orders.count() == 7
    assert set(account.noths_orders.values_list("state", flat=True)) <= {"placed", "accepted"}
    assert "Generated 7 orders" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("sandbox_generate_orders", token="nope", count=1)
    with pytest.raises(CommandError):
        call_command("sandbox_generate_orders", token=account.token, count=1, state="lost")
