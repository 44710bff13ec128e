"""The Partner API sandbox chain the contract tests (tests/conformance) hold the Partner API to."""

from datetime import timedelta

from django.utils import timezone

from connections.platforms.base import PlatformContext
from tests.conformance.sandboxes import ORDERS, Sandbox, with_credentials

from ..sandbox.data import create_chain, generate_orders
from ..sandbox.models import LOGISTICS_DELIVERY
from .fixtures import PARTNER_CHAIN_ID, partner_credentials


def sandbox(live_url: str, settings, monkeypatch) -> Sandbox:

    settings.PARTNER_PAGE_SIZE = 20
    chain = create_chain(
        "Conformance Grocer", chain_id=PARTNER_CHAIN_ID, token="partner-static-token-0001", vendor_ids=("v-1",)
    )
    # The contract calls many times a minute: the chain's limit is not what it tests.
    type(chain).objects.filter(pk=chain.pk).update(rate_limit_per_minute=100_000)
    chain.refresh_from_db()
    generate_orders(
        chain, ORDERS, days=5, statuses=("RECEIVED",), transport_types=(LOGISTICS_DELIVERY,), seed=7, notify=False
    )
    ctx = PlatformContext(
        base_url=f"{live_url}/sandbox/partner",
        credentials=partner_credentials(),
        import_from=(timezone.now() - timedelta(days=10)).date(),
        import_statuses=("RECEIVED", "READY_FOR_PICKUP", "DISPATCHED", "CANCELLED"),
    )
    return Sandbox(
        ctx=ctx,
        wrong_ctx=with_credentials(ctx, token="not-the-partner-token-0000"),
        account=chain.account,
        expected_ids={str(i) for i in chain.orders.values_list("order_id", flat=True)},
        shippable_id=str(chain.orders.order_by("pk").first().order_id),
        fulfil_payload={"status": "READY_FOR_PICKUP", "items": [], "cancel_reason": ""},
        unknown_id="00000000-0000-4000-8000-000000000000",
        # The docs read a store's orders both ways: whole, or by id (then read one by one).
        documented_answers=frozenset({("store orders", "ids")}),
    )
