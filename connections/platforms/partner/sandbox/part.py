"""The sandbox Partner API as the sandbox's shell sees it (the index page, the demo, the webhook sender)."""

from django.urls import reverse

from sandbox.answers import ReadEndpoint
from sandbox.parts import SandboxPart, public_url

from . import data, webhooks
from .forms import PartnerChainForm
from .models import PARTNER_STATUSES, SandboxPartnerOrder


class PartnerSandbox(SandboxPart):
    key = "partner"
    reads = (
        ReadEndpoint("store orders", "GET /v2/chains/{chain_id}/vendors/{vendor_id}/orders"),
        ReadEndpoint("order", "GET /v2/chains/{chain_id}/orders/{order_id}"),
    )
    section_template = "partner_sandbox/section.html"
    row_template = "partner_sandbox/row.html"
    states = PARTNER_STATUSES
    count_fields = ("chain__account_id", "status")

    def orders(self):
        return SandboxPartnerOrder.objects.all()

    def row(self, account) -> dict:
        return {"chain": getattr(account, "partner_chain", None)}

    def section(self, request) -> dict:
        token = request.build_absolute_uri(reverse("sandbox:partner-api-token"))
        return {
            "base_url": token.removesuffix("/v2/oauth/token"),
            "chain_form": PartnerChainForm(),
            "demo_chains": data.DEMO_CHAINS,
        }

    def ensure_demo_accounts(self) -> None:
        data.ensure_demo_chains()

    def demo_lines(self) -> list[str]:
        host = public_url(reverse("sandbox:partner-api-token").removesuffix("/v2/oauth/token"))
        lines = [f"Sandbox Partner API (host {host}): chains for Add Account on the Partner API row, API host Sandbox:"]
        for chain in data.DEMO_CHAINS:
            page = reverse("sandbox:partner-chain", args=[chain.chain_id])
            lines.append(f"  {chain.name}: {chain.description}")
            lines.append(f"    Chain ID {chain.chain_id}  Store (vendor) IDs {', '.join(chain.vendor_ids)}")
            lines.append(f"    Bearer token {chain.token}")
            lines.append(f"    or Client ID {chain.client_id}  Client secret {chain.client_secret}")
            lines.append(f"    then paste the connection's webhook URL and secret at {page}")
        return lines

    def deliver_due(self, limit: int | None = None) -> int:
        return webhooks.deliver_due(limit=limit)


SANDBOX = PartnerSandbox()
