"""The sandbox NuORDER as the sandbox's shell sees it (the index page, the demo, the run command)."""

from django.urls import reverse

from sandbox.answers import ReadEndpoint
from sandbox.forms import COMMON_FAULTS
from sandbox.parts import SandboxPart, public_url

from . import data as nuorder_data
from .forms import NuorderAppForm, NuorderGenerateForm, NuorderTouchForm
from .models import NUORDER_STATUSES, SandboxNuorderOrder


class NuorderSandbox(SandboxPart):
    key = "nuorder"
    # NuORDER sometimes answers with an empty body: the fake applies that switch too.
    faults = (*COMMON_FAULTS, "fault_empty_body")
    reads = (
        ReadEndpoint("orders", "GET /api/orders/{status}/detail"),
        ReadEndpoint("order ids", "GET /api/orders/{status}/list"),
        ReadEndpoint("order", "GET /api/order/{id}"),
        ReadEndpoint("initiate", "GET /api/initiate"),
        ReadEndpoint("token", "GET /api/token"),
    )
    section_template = "nuorder_sandbox/section.html"
    row_template = "nuorder_sandbox/row.html"
    states = NUORDER_STATUSES
    count_fields = ("account_id", "status")
    generate_form = NuorderGenerateForm
    touch_form = NuorderTouchForm
    touched_field = "modified_on"

    def orders(self):
        return SandboxNuorderOrder.objects.all()

    def row(self, account) -> dict:
        app = getattr(account, "nuorder_app", None)
        return {
            "app": app,
            "kind": app.get_application_type_display() if app else "",
        }

    def generate(self, account, data: dict) -> int:
        statuses = nuorder_data.MIXED_STATUSES if data["status"] == "mixed" else (data["status"],)
        return nuorder_data.generate_orders(
            account, data["count"], statuses=statuses, lines=data["lines"], sizes=data["sizes"]
        )

    def touch(self, account, data: dict) -> int:
        return nuorder_data.touch_orders(account, count=data["count"], new_status=data["new_status"] or None)

    def section(self, request) -> dict:
        base = request.build_absolute_uri(reverse("sandbox:nuorder-approve")).removesuffix("approve/")
        return {
            "wholesale_url": f"{base}wholesale",
            "retail_url": f"{base}retail",
            "app_form": NuorderAppForm(),
            "demo_accounts": nuorder_data.DEMO_ACCOUNTS,
        }

    def ensure_demo_accounts(self) -> None:
        nuorder_data.ensure_demo_accounts()

    def demo_lines(self) -> list[str]:
        base = public_url(reverse("sandbox:nuorder-approve").removesuffix("approve/"))
        lines = [
            f"Sandbox NuORDER (hosts {base}wholesale and {base}retail): applications for Add Connection, "
            "Platform NuORDER:"
        ]
        for app in nuorder_data.DEMO_ACCOUNTS:
            lines.append(f"  {app.shortcode} ({app.application_type}): {app.description}")
            lines.append(f"    Consumer Key {app.consumer_key}  Consumer Secret {app.consumer_secret}")
            if app.token:
                lines.append(f"    Token {app.token}  Token Secret {app.token_secret}")
            else:
                lines.append(
                    "    no Token yet: leave Token blank; staff start the authorization, "
                    f"approve it at {reverse('sandbox:nuorder-approve')}"
                )
        return lines


SANDBOX = NuorderSandbox()
