"""The sandbox Shopify's pages: one per shop, with what the Shopify admin and the app's settings show
(credentials, the webhook subscription) and the sandbox's own levers (the bucket, switches, Test
order, bulk orders, cancelling and touching orders, sending due webhooks now).

Like the other control pages: no login, CSRF-protected POST forms, no fault switches.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sandbox.forms import FaultForm
from sandbox.pages import go_back, outbox_table, queued_words, save_settings, send_due_now, valid_data

from . import bucket
from . import data as shopify_data
from . import orders as shopify_orders
from . import webhooks as shopify_webhooks
from .forms import GenerateForm, ShopBucketForm, ShopForm, ShopSwitchesForm, ShopWebhookForm, TestOrderForm, TouchForm
from .models import FULFILLMENT_STATUSES, SandboxShopifyShop

ORDERS_PER_PAGE = 25
ORDER_ACTIONS = {"cancel": "Cancel", "touch": "Touch"}
# The settings forms on the page, by the URL part they post to.
SETTINGS_FORMS = {
    "webhook": ShopWebhookForm,
    "switches": ShopSwitchesForm,
    "bucket": ShopBucketForm,
    "faults": FaultForm,
}


def _shop(domain) -> SandboxShopifyShop:
    return get_object_or_404(SandboxShopifyShop.objects.select_related("account"), domain=domain.lower())


def _back(request, shop: SandboxShopifyShop):
    """To `next` when it is a page of this site, else to the shop's page."""
    return go_back(request, "sandbox:shopify-shop", domain=shop.domain)


def api_base(request, shop: SandboxShopifyShop) -> str:
    """The base URL a connection uses for the shop: <sandbox host>/<domain>."""
    return request.build_absolute_uri(reverse("sandbox:shopify-shop", args=[shop.domain])).rstrip("/")


def shop_page(request, domain):
    shop = _shop(domain)
    orders = shop.orders.defer("document").order_by("-created_at", "-pk")
    status = request.GET.get("status", "")
    if status in FULFILLMENT_STATUSES:
        orders = orders.filter(fulfillment_status=status)
    base = api_base(request, shop)
    now = timezone.now()
    return render(
        request,
        "shopify_sandbox/shop.html",
        {
            "shop": shop,
            "account": shop.account,
            "base_url": base,
            "graphql_url": f"{base}/admin/api/{shop.api_version}/graphql.json",
            "token_url": f"{base}/admin/oauth/access_token",
            "live_access_tokens": shop.tokens.filter(expires_at__gt=now).count(),
            "bucket_now": bucket.status(shop, now).as_json(),
            "webhook_form": ShopWebhookForm(instance=shop),
            "switches_form": ShopSwitchesForm(instance=shop),
            "bucket_form": ShopBucketForm(instance=shop),
            "fault_form": FaultForm(instance=shop.account),
            "test_order_form": TestOrderForm(auto_id="test_%s"),
            "generate_form": GenerateForm(auto_id="generate_%s"),
            "touch_form": TouchForm(auto_id="touch_%s"),
            "page": Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page")),
            "status": status,
            "statuses": FULFILLMENT_STATUSES,
            "actions": list(ORDER_ACTIONS.items()),
            **outbox_table(shop),
        },
    )


@require_POST
def shop_create(request):
    if (data := valid_data(request, ShopForm(request.POST))) is None:
        return redirect("sandbox:index")
    shop = shopify_data.create_shop(
        data["name"], domain=data["domain"] or None, currency=data["currency"], iana_timezone=data["iana_timezone"]
    )
    messages.success(request, f"Created the Shopify shop {shop.domain} with the token {shop.account.token}.")
    return redirect("sandbox:shopify-shop", domain=shop.domain)


@require_POST
def shop_settings(request, domain, part):
    shop = _shop(domain)
    if save_settings(request, SETTINGS_FORMS, part, shop) and part == "bucket":
        bucket.fill(shop)
    return _back(request, shop)


@require_POST
def fill_bucket(request, domain):
    shop = _shop(domain)
    bucket.fill(shop)
    messages.success(request, f"The bucket holds {shop.bucket_size} points again.")
    return _back(request, shop)


@require_POST
def rotate_secret(request, domain):
    """A new client secret; the old one stays as the previous, for the switch that signs with it."""
    shop = _shop(domain)
    secret = shopify_data.rotate_secret(shop)
    messages.success(request, f"The client secret is now {secret}; the previous one is kept.")
    return _back(request, shop)


@require_POST
def test_order(request, domain):
    """One order now, and its orders/create webhook."""
    shop = _shop(domain)
    if (data := valid_data(request, TestOrderForm(request.POST))) is None:
        return _back(request, shop)
    order = shopify_data.create_order(shop, line_items=data["line_items"])
    queued = order.deliveries.count()
    if queued:
        words = queued_words(queued)
    elif not shop.webhook_url:
        words = "no webhook: set the shop's webhook URL first."
    else:
        words = "no webhook: the shop does not subscribe to orders/create."
    messages.success(request, f"Test order {order.name} ({order.gid}): {words}")
    return _back(request, shop)


@require_POST
def generate(request, domain):
    shop = _shop(domain)
    if (data := valid_data(request, GenerateForm(request.POST))) is None:
        return _back(request, shop)
    made = shopify_data.generate_orders(
        shop,
        data["count"],
        days=data["days"],
        mix=None if data["mix"] == "mixed" else (data["mix"],),
        notify=data["notify"],
    )
    messages.success(request, f"Generated {made} orders over the last {data['days']} days.")
    return _back(request, shop)


@require_POST
def touch(request, domain):
    shop = _shop(domain)
    if (data := valid_data(request, TouchForm(request.POST))) is None:
        return _back(request, shop)
    touched = shopify_data.touch_orders(shop, data["count"])
    messages.success(request, f"Touched {touched} orders: their updated_at is now, orders/updated queued.")
    return _back(request, shop)


@require_POST
def deliver(request, domain):
    """Send the due webhooks now (of every shop), without waiting for the sender's loop."""
    shop = _shop(domain)
    send_due_now(request, shopify_webhooks.OUTBOX, shop, "shop")
    return _back(request, shop)


@require_POST
def order_action(request, domain, legacy_id, action):
    """The merchant's moves on one order: the buttons on its row."""
    shop = _shop(domain)
    if action not in ORDER_ACTIONS:
        raise Http404("No such action")
    order = get_object_or_404(shop.orders, legacy_id=legacy_id)
    if action == "cancel":
        if shopify_orders.cancel_order(order):
            messages.success(request, f"{order.name} cancelled: orders/cancelled and orders/updated queued.")
        else:
            messages.error(request, f"{order.name} is cancelled already.")
    else:
        shopify_orders.touch_orders(shop, shop.orders.filter(pk=order.pk))
        messages.success(request, f"{order.name} touched: its updated_at is now, orders/updated queued.")
    return _back(request, shop)
