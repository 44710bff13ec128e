"""For each platform in the registry: how to stand up its sandbox account for the contract tests.

Adding a platform means adding a provider here; the contract test fails for a platform
that has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from connections.platforms.base import PlatformContext
from sandbox.models import SandboxAccount

ORDERS = 45  # more than one page for every adapter at the page sizes the tests set


@dataclass
class Sandbox:
    ctx: PlatformContext
    wrong_ctx: PlatformContext  # the same account with a wrong secret
    account: SandboxAccount
    expected_ids: set[str]  # what a full fetch must bring
    shippable_id: str  # an order the platform will let us mark shipped
    fulfil_payload: dict | None = None  # the order update that fulfils it, where the platform has no shipments


def _with(ctx: PlatformContext, **credentials: str) -> PlatformContext:
    return PlatformContext(
        base_url=ctx.base_url,
        credentials={**ctx.credentials, **credentials},
        options=ctx.options,
        import_from=ctx.import_from,
        import_statuses=ctx.import_statuses,
    )


def noths(live_url: str, settings) -> Sandbox:
    from sandbox.noths_data import generate_orders

    settings.NOTHS_PAGE_SIZE = 20
    account = SandboxAccount.objects.create(
        platform="noths", token="conformance-noths-token-123", shortcode="c", name="Conformance"
    )
    generate_orders(account, ORDERS, states=("placed", "accepted"), seed=7)
    shippable = account.noths_orders.filter(state="accepted").first()
    shippable.dispatch_note_viewed = True
    shippable.write_document()
    shippable.save()
    ctx = PlatformContext(
        base_url=f"{live_url}/sandbox/noths",
        credentials={"token": account.token},
        import_statuses=("placed", "accepted"),
    )
    return Sandbox(
        ctx=ctx,
        wrong_ctx=_with(ctx, token="not-the-token-0000000000"),
        account=account,
        expected_ids={str(i) for i in account.noths_orders.values_list("noths_id", flat=True)},
        shippable_id=str(shippable.noths_id),
    )


def nuorder(live_url: str, settings) -> Sandbox:
    import connections.platforms.nuorder.adapter as nuorder_module
    from sandbox.nuorder_data import create_app, generate_orders
    from tests.conftest import nuorder_credentials

    settings.NUORDER_WHOLESALE_BASE_URL = f"{live_url}/sandbox/nuorder/wholesale"
    nuorder_module.CHUNK = 20
    app = create_app(shortcode="conformance", name="Conformance Brand", application_type="wholesale")
    generate_orders(app.account, ORDERS, statuses=("approved", "processed"), seed=7)
    ctx = PlatformContext(
        base_url=settings.NUORDER_WHOLESALE_BASE_URL,
        credentials=nuorder_credentials(app),
        import_statuses=("approved", "processed"),
    )
    return Sandbox(
        ctx=ctx,
        wrong_ctx=_with(ctx, consumer_secret="x" * 64),
        account=app.account,
        expected_ids=set(app.account.nuorder_orders.values_list("nuorder_id", flat=True)),
        shippable_id=app.account.nuorder_orders.filter(status="processed").first().nuorder_id,
    )


def partner(live_url: str, settings) -> Sandbox:
    from sandbox.models import LOGISTICS_DELIVERY
    from sandbox.partner_data import create_chain, generate_orders
    from tests.conftest import PARTNER_CHAIN_ID, partner_credentials

    settings.PARTNER_PAGE_SIZE = 20
    chain = create_chain(
        "Conformance Grocer", chain_id=PARTNER_CHAIN_ID, token="partner-static-token-0001", vendor_ids=("v-1",)
    )
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
        wrong_ctx=_with(ctx, token="not-the-partner-token-0000"),
        account=chain.account,
        expected_ids={str(i) for i in chain.orders.values_list("order_id", flat=True)},
        shippable_id=str(chain.orders.order_by("pk").first().order_id),
        fulfil_payload={"status": "READY_FOR_PICKUP", "items": [], "cancel_reason": ""},
    )


PROVIDERS: dict[str, Any] = {"noths": noths, "nuorder": nuorder, "partner": partner}
