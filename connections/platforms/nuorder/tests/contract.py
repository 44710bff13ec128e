"""The NuORDER sandbox application the contract tests (tests/conformance) hold NuORDER to."""

from connections.platforms.base import PlatformContext
from tests.conformance.sandboxes import ORDERS, Sandbox, with_credentials

from .. import adapter as nuorder_module
from ..sandbox.data import approve_pending, create_app, generate_orders
from ..sandbox.models import SandboxNuorderPending
from .fixtures import nuorder_credentials


def sandbox(live_url: str, settings, monkeypatch) -> Sandbox:

    settings.NUORDER_WHOLESALE_BASE_URL = f"{live_url}/sandbox/nuorder/wholesale"
    monkeypatch.setattr(nuorder_module, "CHUNK", 20)  # restored after the test
    app = create_app(shortcode="conformance", name="Conformance Brand", application_type="wholesale")
    generate_orders(app.account, ORDERS, statuses=("approved", "processed"), seed=7)
    ctx = PlatformContext(
        base_url=settings.NUORDER_WHOLESALE_BASE_URL,
        credentials=nuorder_credentials(app),
        import_statuses=("approved", "processed"),
    )
    return Sandbox(
        ctx=ctx,
        wrong_ctx=with_credentials(ctx, consumer_secret="x" * 64),
        account=app.account,
        expected_ids=set(app.account.nuorder_orders.values_list("nuorder_id", flat=True)),
        shippable_id=app.account.nuorder_orders.filter(status="processed").first().nuorder_id,
        unknown_id="0badc0de0badc0de0badc0de",
        approve=lambda pending: approve_pending(
            SandboxNuorderPending.objects.get(request_token=pending["pending_token"])
        ),
    )
