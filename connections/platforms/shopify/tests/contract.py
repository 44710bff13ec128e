"""The Shopify sandbox store the contract tests (tests/conformance) hold Shopify to."""

from connections.platforms.base import PlatformContext
from tests.conformance.sandboxes import ORDERS, Sandbox, with_credentials

from ..sandbox.data import create_shop, generate_orders
from .fixtures import shopify_credentials

GID = "gid://shopify/Order/"


def sandbox(live_url: str, settings, monkeypatch) -> Sandbox:
    settings.SHOPIFY_PAGE_SIZE = 10  # several pages of ORDERS
    shop = create_shop("Conformance Crafts", domain="conformance-crafts.myshopify.com")
    # The contract calls many queries in a row: a bucket that refills at once never throttles them.
    type(shop).objects.filter(pk=shop.pk).update(restore_rate=1_000_000.0)
    generate_orders(shop, ORDERS, days=5, mix=("unfulfilled",), seed=7)
    ctx = PlatformContext(
        base_url=f"{live_url}/sandbox/shopify/{shop.domain}",
        credentials=shopify_credentials(shop=shop.domain, access_token=shop.account.token),
        import_statuses=("unfulfilled", "partially_fulfilled", "fulfilled"),
    )
    legacy_ids = list(shop.orders.order_by("legacy_id").values_list("legacy_id", flat=True))
    return Sandbox(
        ctx=ctx,
        wrong_ctx=with_credentials(ctx, access_token="shpat_" + "0" * 32),
        account=shop.account,
        expected_ids={f"{GID}{legacy_id}" for legacy_id in legacy_ids},
        shippable_id=f"{GID}{legacy_ids[0]}",
        unknown_id=f"{GID}9999999999",
    )
