"""The sandbox Shopify as the sandbox's shell sees it (the index page, the demo, the webhook sender)."""

from django.urls import reverse

from sandbox.answers import ReadEndpoint
from sandbox.parts import SandboxPart, public_url

from . import data as shopify_data
from . import webhooks as shopify_webhooks
from .forms import GenerateForm, ShopForm, TouchForm
from .models import FULFILLMENT_STATUSES, SandboxShopifyOrder


def sandbox_root() -> str:
    """The sandbox Shopify's path: a shop's base URL is this plus its domain."""
    return reverse("sandbox:shopify-shop-create").removesuffix("shops/new/")


class ShopifySandbox(SandboxPart):
    key = "shopify"
    # One endpoint, POST graphql.json: each named query is switched on its own.
    reads = (
        ReadEndpoint("query Orders", "query Orders"),
        ReadEndpoint("query Order", "query Order"),
        ReadEndpoint("query OrderVersions", "query OrderVersions"),
        ReadEndpoint("query Shop", "query Shop"),
        ReadEndpoint("query FulfillmentOrders", "query FulfillmentOrders"),
    )
    section_template = "shopify_sandbox/section.html"
    row_template = "shopify_sandbox/row.html"
    states = FULFILLMENT_STATUSES
    count_fields = ("shop__account_id", "fulfillment_status")
    generate_form = GenerateForm
    touch_form = TouchForm

    def orders(self):
        return SandboxShopifyOrder.objects.all()

    def generate(self, account, data: dict) -> int:
        mix = None if data["mix"] == "mixed" else (data["mix"],)
        return shopify_data.generate_orders(
            account.shopify_shop, data["count"], days=data["days"], mix=mix, notify=data["notify"]
        )

    def touch(self, account, data: dict) -> int:
        return shopify_data.touch_orders(account.shopify_shop, data["count"])

    def row(self, account) -> dict:
        return {"shop": getattr(account, "shopify_shop", None)}

    def section(self, request) -> dict:
        return {
            "base_url": request.build_absolute_uri(sandbox_root()),
            "shop_form": ShopForm(),
            "demo_shops": shopify_data.DEMO_SHOPS,
        }

    def ensure_demo_accounts(self) -> None:
        shopify_data.ensure_demo_shops()

    def demo_lines(self) -> list[str]:
        root = public_url(sandbox_root())
        lines = [
            f"Sandbox Shopify (a shop's base URL is {root}<domain>): shops for Add Account on the Shopify row:",
        ]
        for shop in shopify_data.DEMO_SHOPS:
            page = public_url(reverse("sandbox:shopify-shop", args=[shop.domain]))
            lines.append(f"  {shop.name} ({shop.domain}): {shop.description}")
            lines.append(f"    Admin API access token {shop.token}")
            lines.append(f"    or Client ID {shop.client_id}  Client secret {shop.client_secret}")
            lines.append(f"    (the client secret is also the API secret key that signs its webhooks); page {page}")
        return lines

    def deliver_due(self, limit: int | None = None) -> int:
        return shopify_webhooks.deliver_due(limit=limit)


SANDBOX = ShopifySandbox()
