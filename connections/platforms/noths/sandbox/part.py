"""The sandbox NOTHS as the sandbox's shell sees it (the index page, the demo, the run command)."""

from django.urls import reverse

from sandbox.answers import FILE_ANSWERS, ReadEndpoint
from sandbox.parts import SandboxPart, public_url

from . import data as noths_data
from .forms import AccountForm, GenerateForm, TouchForm
from .models import NOTHS_STATES, SandboxNothsOrder


class NothsSandbox(SandboxPart):
    key = "noths"
    reads = (
        ReadEndpoint("orders", "GET /api/v1/orders"),
        ReadEndpoint("order", "GET /api/v1/orders/{id}"),
        ReadEndpoint("dispatch note", "GET /api/v1/orders/{id}/dispatch_note", FILE_ANSWERS),
    )
    section_template = "noths_sandbox/section.html"
    row_template = "noths_sandbox/row.html"
    states = NOTHS_STATES
    generate_form = GenerateForm
    touch_form = TouchForm

    def orders(self):
        return SandboxNothsOrder.objects.all()

    def generate(self, account, data: dict) -> int:
        states = noths_data.MIXED_STATES if data["state"] == "mixed" else (data["state"],)
        return noths_data.generate_orders(account, data["count"], items_per_order=data["items"], states=states)

    def touch(self, account, data: dict) -> int:
        return noths_data.touch_orders(account, count=data["count"], new_state=data["new_state"] or None)

    def section(self, request) -> dict:
        api = request.build_absolute_uri(reverse("sandbox:noths-api-orders"))
        return {
            "base_url": api.removesuffix("/api/v1/orders"),
            "account_form": AccountForm(),
            "demo_accounts": noths_data.DEMO_ACCOUNTS,
        }

    def ensure_demo_accounts(self) -> None:
        noths_data.ensure_demo_accounts()

    def demo_lines(self) -> list[str]:
        host = public_url(reverse("sandbox:noths-api-orders").removesuffix("/api/v1/orders"))
        lines = [f"Sandbox NOTHS (API host {host}): paste a token into Consumer Key on the NOTHS row's Add Account:"]
        for account in noths_data.DEMO_ACCOUNTS:
            lines.append(f"  {account.token:<32} shortcode {account.shortcode:<12} {account.description}")
        return lines


SANDBOX = NothsSandbox()
