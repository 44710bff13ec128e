"""The Partner API's side of the sandbox, as pages: one per chain, with what the Partner Portal
shows (credentials, stores, webhook settings, Test Order) and the sandbox's own levers
(switches, the platform's moves on an order, bulk orders, sending due webhooks now).

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
from sandbox.pages import go_back, outbox_table, queued_words, save_settings, send_due_now, tile_image, valid_data

from . import auth as partner_auth
from . import data as partner_data
from . import webhooks as partner_webhooks
from .forms import (
    PartnerChainForm,
    PartnerGenerateForm,
    PartnerSwitchesForm,
    PartnerTestOrderForm,
    PartnerWebhookForm,
)
from .models import PARTNER_STATUSES, SandboxPartnerChain

ORDERS_PER_PAGE = 25
# The buttons on an order: what the platform does, the status it sets, who did it.
ORDER_ACTIONS = {
    "ready-for-pickup": ("Ready for pickup", "READY_FOR_PICKUP", "PELICAN"),
    "dispatched": ("Dispatched", "DISPATCHED", "LOGISTICS"),
    "cancelled-by-customer": ("Cancelled by customer", "CANCELLED", "CUSTOMER"),
    "picked-up": ("Picked up by rider", "picked_up", "LOGISTICS"),
}
# The settings forms on the page, by the URL part they post to.
SETTINGS_FORMS = {"webhook": PartnerWebhookForm, "switches": PartnerSwitchesForm, "faults": FaultForm}


def _chain(chain_id) -> SandboxPartnerChain:
    return get_object_or_404(SandboxPartnerChain.objects.select_related("account"), chain_id=chain_id)


def _back(request, chain: SandboxPartnerChain):
    """To `next` when it is a page of this site, else to the chain's page."""
    return go_back(request, "sandbox:partner-chain", chain_id=chain.chain_id)


def chain_page(request, chain_id):
    chain = _chain(chain_id)
    orders = chain.orders.select_related("vendor").defer("document").order_by("-created_at", "-pk")
    status = request.GET.get("status", "")
    if status in PARTNER_STATUSES:
        orders = orders.filter(status=status)
    now = timezone.now()
    return render(
        request,
        "partner_sandbox/chain.html",
        {
            "chain": chain,
            "account": chain.account,
            "base_url": request.build_absolute_uri(reverse("sandbox:partner-api-token")).removesuffix(
                "/v2/oauth/token"
            ),
            "static_tokens": chain.tokens.filter(expires_at__isnull=True),
            "live_access_tokens": chain.tokens.filter(expires_at__gt=now).count(),
            "vendors": chain.vendors.all(),
            "webhook_form": PartnerWebhookForm(instance=chain),
            "switches_form": PartnerSwitchesForm(instance=chain),
            "fault_form": FaultForm(instance=chain.account),
            "test_order_form": PartnerTestOrderForm(chain=chain),
            "generate_form": PartnerGenerateForm(),
            "page": Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page")),
            "status": status,
            "statuses": PARTNER_STATUSES,
            "actions": [(slug, label) for slug, (label, _, _) in ORDER_ACTIONS.items()],
            **outbox_table(chain),
            "pushed": sorted(partner_webhooks.PUSHED[chain.picking_mode]),
        },
    )


@require_POST
def chain_create(request):
    if (data := valid_data(request, PartnerChainForm(request.POST))) is None:
        return redirect("sandbox:index")
    chain = partner_data.create_chain(data["name"], picking_mode=data["picking_mode"], vendors=data["vendors"])
    messages.success(request, f"Created the Partner API chain {chain.account.name}.")
    return redirect("sandbox:partner-chain", chain_id=chain.chain_id)


@require_POST
def chain_settings(request, chain_id, part):
    chain = _chain(chain_id)
    save_settings(request, SETTINGS_FORMS, part, chain)
    return _back(request, chain)


@require_POST
def token_issue(request, chain_id):
    chain = _chain(chain_id)
    try:
        issued = partner_auth.issue_static_token(chain)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Generated the token {issued.token}.")
    return _back(request, chain)


@require_POST
def token_revoke(request, chain_id, pk):
    chain = _chain(chain_id)
    revoked, _ = chain.tokens.filter(pk=pk, expires_at__isnull=True).delete()
    messages.success(request, "Revoked the token." if revoked else "No such token.")
    return _back(request, chain)


@require_POST
def test_order(request, chain_id):
    """The Partner Portal's Test Order: a new order in the chosen state, and its webhook."""
    chain = _chain(chain_id)
    form = PartnerTestOrderForm(request.POST, chain=chain)
    if (data := valid_data(request, form)) is None:
        return _back(request, chain)
    order = partner_data.create_order(
        chain,
        form.vendors[data["vendor"]],
        status=data["status"],
        transport_type=data["transport_type"],
        items=data["items"],
        cancellation=form.cancellation(),
    )
    queued = order.deliveries.count()
    messages.success(request, f"Test order {order.order_code} ({order.status}): {_webhook_words(chain, order, queued)}")
    return _back(request, chain)


def _webhook_words(chain: SandboxPartnerChain, order, queued: int) -> str:
    if queued:
        return queued_words(queued)
    if not partner_webhooks.pushes(chain, order.status):
        return f"no webhook: {chain.get_picking_mode_display()} chains do not hear {order.status}."
    return "no webhook: set the chain's webhook URL first."


@require_POST
def generate(request, chain_id):
    chain = _chain(chain_id)
    if (data := valid_data(request, PartnerGenerateForm(request.POST))) is None:
        return _back(request, chain)
    made = partner_data.generate_orders(
        chain,
        data["count"],
        days=data["days"],
        statuses=None if data["status"] == "mixed" else (data["status"],),
        notify=data["notify"],
    )
    messages.success(request, f"Generated {made} orders over the last {data['days']} days.")
    return _back(request, chain)


@require_POST
def deliver(request, chain_id):
    """Send the due webhooks now (of every chain), without waiting for the sender's loop."""
    chain = _chain(chain_id)
    send_due_now(request, partner_webhooks.OUTBOX, chain, "chain")
    return _back(request, chain)


@require_POST
def order_action(request, chain_id, order_id, action):
    """The platform's moves on one order: the buttons on its row."""
    chain = _chain(chain_id)
    if action not in ORDER_ACTIONS:
        raise Http404("No such action")
    order = get_object_or_404(chain.orders, order_id=order_id)
    label, status, by = ORDER_ACTIONS[action]
    if partner_data.set_status(order, status, by=by):
        messages.success(request, f"{order.order_code}: {label.lower()}; GET now shows {status}.")
    else:
        messages.error(request, f"{order.order_code} is already {status}.")
    return _back(request, chain)


def product_image(request, sku):
    """A placeholder product picture for the catalogue's items."""
    return tile_image(partner_data.product_name(sku), sku)
