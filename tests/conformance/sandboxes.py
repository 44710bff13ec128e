"""What a platform's contract sandbox is: each package's `tests/contract.py` makes one.

`sandbox(live_url, settings, monkeypatch)` there stands up an account on the platform's
sandbox for the contract tests; the contract test fails for a platform that has none.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    unknown_id: str = ""  # an order id of the platform's form that the account does not have


def with_credentials(ctx: PlatformContext, **credentials: str) -> PlatformContext:
    return PlatformContext(
        base_url=ctx.base_url,
        credentials={**ctx.credentials, **credentials},
        options=ctx.options,
        import_from=ctx.import_from,
        import_statuses=ctx.import_statuses,
    )
