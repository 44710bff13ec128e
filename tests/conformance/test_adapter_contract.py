"""Every adapter in the registry keeps the same contract, against its sandbox over real HTTP."""

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from connections.platforms.base import (
    AccountFacts,
    NormalizedOrder,
    OrderRecord,
    OrderStatus,
    ShipmentRequest,
)
from connections.platforms.errors import AuthError, HostRefused, RateLimited, TransientError
from sandbox.models import SandboxAccount
from tests.conformance.sandboxes import every_verb, held
from tests.support.clocks import BEHIND_AND_AHEAD, set_clock

pytestmark = pytest.mark.django_db(transaction=True)


def secrets_of(ctx):
    return [v for k, v in ctx.credentials.items() if len(v) > 8]


def all_records(adapter, ctx, cursor=None):
    pages = list(adapter.fetch_orders(ctx, cursor))
    return pages, [r for p in pages for r in p.records]


def test_check_returns_account_facts(sandbox):
    adapter, box = sandbox
    facts = adapter.check(box.ctx)
    assert isinstance(facts, AccountFacts) and facts.summary


def test_wrong_credentials_are_an_auth_error_in_words_without_secrets(sandbox):
    adapter, box = sandbox
    with pytest.raises(AuthError) as caught:
        adapter.check(box.wrong_ctx)
    assert adapter.explain(caught.value)
    for secret in secrets_of(box.wrong_ctx):
        assert secret not in str(caught.value)


def test_a_full_fetch_brings_every_order_in_our_shape(sandbox):
    adapter, box = sandbox
    pages, records = all_records(adapter, box.ctx)
    assert len(pages) > 1
    assert {r.external_id for r in records} == box.expected_ids
    for page in pages:
        json.dumps(page.cursor)  # stored in a JSON column
    for record in records:
        assert isinstance(record, OrderRecord)
        order = record.order()
        assert isinstance(order, NormalizedOrder) and order.external_id == record.external_id
        assert order.status in OrderStatus and order.platform_status
        assert len(order.currency) == 3 and order.currency.isupper()
        assert all(isinstance(v, Decimal) for v in (order.total, order.subtotal, order.shipping_total))
        assert order.placed_at.tzinfo is not None and order.platform_updated_at.tzinfo is not None
        assert order.items and all(isinstance(i.total, Decimal) and i.quantity > 0 for i in order.items)
        assert isinstance(order.raw, dict)


def test_a_fetch_resumed_from_any_page_cursor_completes_it(sandbox):
    adapter, box = sandbox
    first = next(iter(adapter.fetch_orders(box.ctx, None)))
    _, rest = all_records(adapter, box.ctx, first.cursor)
    assert {r.external_id for r in first.records} | {r.external_id for r in rest} == box.expected_ids


def test_fetching_again_from_the_final_cursor_works(sandbox):
    adapter, box = sandbox
    pages, _ = all_records(adapter, box.ctx)
    again, _ = all_records(adapter, box.ctx, pages[-1].cursor)
    assert again  # at least one (possibly empty) page, and no error


@pytest.mark.parametrize(
    ("switch", "error"),
    [
        ({"fault_server_error": -1}, TransientError),
        ({"fault_malformed_json": -1}, TransientError),
        ({"fault_rate_limit": -1, "retry_after_seconds": 40}, RateLimited),
    ],
    ids=["500", "malformed-json", "429"],
)
def test_faults_are_classified_the_same_way(sandbox, switch, error):
    adapter, box = sandbox
    SandboxAccount.objects.filter(pk=box.account.pk).update(**switch)
    with pytest.raises(error) as caught:
        list(adapter.fetch_orders(box.ctx, None))
    if error is RateLimited:
        assert caught.value.retry_after == 40
    for secret in secrets_of(box.ctx):
        assert secret not in str(caught.value)


@BEHIND_AND_AHEAD
def test_every_platforms_answers_tell_its_clock(sandbox, hours):
    """The shared client reads the Date of every answer: an account whose clock is hours off is measured
    so by a check and by a fetch, whatever the platform."""
    adapter, box = sandbox
    set_clock(box.account, hours)
    adapter.check(box.ctx)
    assert abs(box.ctx.clock.offset - hours * 3600) <= 2
    box.ctx.clock.offset = None
    next(iter(adapter.fetch_orders(box.ctx, None)))
    assert abs(box.ctx.clock.offset - hours * 3600) <= 2


def test_a_shipment_push_is_done_once(sandbox):
    """Dispatch tracking where the platform takes it, else the order update that hands it over."""
    adapter, box = sandbox
    if adapter.shipments is None:
        assert adapter.order_updates is not None and box.fulfil_payload, "a platform must fulfil one way or the other"
        first = adapter.order_updates.send(box.ctx, box.shippable_id, box.fulfil_payload)
        assert first.message and not first.already_done
        assert adapter.order_updates.send(box.ctx, box.shippable_id, box.fulfil_payload).already_done
        return
    shipment = ShipmentRequest(
        tracking_number="CONF123",
        tracking_url="https://track.example/CONF123",
        estimated_delivery_date=date(2030, 1, 2),
    )
    first = adapter.shipments.push(box.ctx, box.shippable_id, shipment)
    assert first.message and not first.already_done
    again = adapter.shipments.push(box.ctx, box.shippable_id, shipment, retry=True)
    assert again.already_done


def test_a_reconciliation_accounts_for_every_open_order_it_is_given(sandbox):
    """Each open order the portal holds is read back (or said to be gone), in our shape, in pages
    whose cursors the engine can store; an order the platform does not have is gone."""
    adapter, box = sandbox
    assert adapter.reconciliation is not None, "every platform reads its open orders again"
    asked = {*box.expected_ids, box.unknown_id}
    pages = list(adapter.reconciliation.pages(box.ctx, held(box, asked), None))
    assert pages
    accounted = set().union(*(page.ids() for page in pages))
    assert asked <= accounted
    gone = {i for page in pages for i in page.gone}
    assert box.unknown_id in gone and not gone & box.expected_ids
    for page in pages:
        json.dumps(page.cursor)  # stored in a JSON column
        for record in page.records:
            assert isinstance(record, OrderRecord) and record.order().external_id == record.external_id


def test_a_reconciliation_resumed_from_any_page_cursor_completes_it(sandbox):
    """The engine resumes a pass with its last cursor, giving it only the open orders not checked yet."""
    adapter, box = sandbox
    pages = adapter.reconciliation.pages(box.ctx, held(box, box.expected_ids), None)
    first = next(pages)
    pages.close()
    left = box.expected_ids - first.ids()
    rest = list(adapter.reconciliation.pages(box.ctx, held(box, left), first.cursor))
    assert box.expected_ids <= first.ids().union(*(page.ids() for page in rest))


def test_one_order_can_be_read_back(sandbox):
    adapter, box = sandbox
    record = adapter.fetch_order(box.ctx, box.shippable_id)
    assert record.external_id == box.shippable_id and record.order().external_id == box.shippable_id


# API host overrides the portal refuses, and the words that say why ({port}: the live sandbox's).
REFUSED_HOSTS = [
    ("https://127.0.0.1:{port}/sandbox", "The host 127.0.0.1 is a loopback address"),
    ("https://[::ffff:127.0.0.1]:{port}/sandbox", "The host ::ffff:127.0.0.1 is a loopback address"),
    ("https://10.0.0.5", "The host 10.0.0.5 is a private address"),
    ("https://[fd00::5]", "The host fd00::5 is a private address"),
    ("https://169.254.169.254/latest", "The host 169.254.169.254 is a cloud metadata address"),
    ("https://[fe80::1]", "The host fe80::1 is a link-local address"),
    ("https://100.64.0.1", "The host 100.64.0.1 is a shared (carrier-grade NAT) address"),
    ("https://rebound.example:{port}", "The host rebound.example resolves to 127.0.0.1, a loopback address"),
    ("https://metadata.google.internal", "The host metadata.google.internal is a cloud metadata service"),
]


def test_an_api_host_override_the_portal_refuses_gets_nothing_from_any_verb(
    sandbox, live_server, outbound_rules, fake_dns, connections_opened
):
    """Staff pointed the connection at an address the portal sends no credentials to: every verb
    fails at once with the refusal's words (no help of the platform's), and no connection is opened."""
    adapter, box = sandbox
    fake_dns["rebound.example"] = ["127.0.0.1"]
    port = live_server.thread.port
    for url, words in REFUSED_HOSTS:
        ctx = replace(box.ctx, base_url=url.format(port=port), check_host=True)
        for verb, call in every_verb(adapter, box, ctx):
            with pytest.raises(HostRefused) as caught:
                call()
            said = adapter.describe(caught.value)
            assert said.startswith(words) and "the portal does not send credentials there" in said, (verb, said)
    assert connections_opened == []
