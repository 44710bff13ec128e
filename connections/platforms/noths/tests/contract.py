"""The NOTHS sandbox account the contract tests (tests/conformance) hold NOTHS to."""

from connections.platforms.base import PlatformContext
from sandbox.models import SandboxAccount
from tests.conformance.sandboxes import ORDERS, Sandbox, with_credentials

from ..sandbox.data import generate_orders


def sandbox(live_url: str, settings, monkeypatch) -> Sandbox:

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
        wrong_ctx=with_credentials(ctx, token="not-the-token-0000000000"),
        account=account,
        expected_ids={str(i) for i in account.noths_orders.values_list("noths_id", flat=True)},
        shippable_id=str(shippable.noths_id),
        unknown_id="999999991",
    )
