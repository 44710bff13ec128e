"""A platform's sandbox as the shell sees it: `SandboxPart`.

Each platform package's sandbox app has one (`<package>.sandbox.part.SANDBOX`). The
shell's index page shows every account with its part's row and section, `seed_demo`
and `sandbox_seed` ask each part for its demo accounts, and `sandbox_webhooks` asks
each part to send the webhooks that are due.
"""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.conf import settings
from django.db.models import Count, QuerySet

from .answers import ReadEndpoint
from .forms import COMMON_FAULTS


class SandboxPart:
    key: ClassVar[str]  # the platform's key; its pages are under /sandbox/<key>/
    # The account fault switches this platform's fake API applies (SandboxAccount fields).
    faults: ClassVar[tuple[str, ...]] = COMMON_FAULTS
    # The reads of this platform's fake API that answer switches may garble (`sandbox.answers`).
    reads: ClassVar[tuple[ReadEndpoint, ...]] = ()
    # The index page: this platform's part (where its API is, a new account, its demo accounts) ...
    section_template: ClassVar[str]
    # ... and one account's cells: its orders, and what to do with them.
    row_template: ClassVar[str]
    # The platform's order states, in order, for the index's counts.
    states: ClassVar[tuple[str, ...]] = ()

    def orders(self) -> QuerySet:
        """Every order of this sandbox, for counting: a queryset with `account_id` and `state` lookups
        named by `count_fields`."""
        raise NotImplementedError

    # (account field, state field) of `orders()`
    count_fields: ClassVar[tuple[str, str]] = ("account_id", "state")

    def counts(self) -> dict[int, dict[str, int]]:
        """{account pk: {state: orders}} for this platform's accounts."""
        account, state = self.count_fields
        found: dict[int, dict[str, int]] = {}
        for row in self.orders().values(account, state).annotate(n=Count("pk")):
            found.setdefault(row[account], {})[row[state]] = row["n"]
        return found

    # Fake activity on the index page's rows (None: the platform's own pages offer it).
    generate_form: ClassVar[type[forms.Form] | None] = None
    touch_form: ClassVar[type[forms.Form] | None] = None
    # The order time a touch moves to now, as the platform calls it.
    touched_field: ClassVar[str] = "updated_at"

    def generate(self, account, data: dict) -> int:
        """Make orders for the account from `generate_form`'s cleaned data; how many were made."""
        raise NotImplementedError

    def touch(self, account, data: dict) -> int:
        """Change some of the account's orders (`touch_form`'s cleaned data); how many were touched."""
        raise NotImplementedError

    def row(self, account) -> dict:
        """Context for `row_template` beside the account (its forms, its page)."""
        return {}

    def section(self, request) -> dict:
        """Context for `section_template` (the API's address, the new-account form, the demo accounts)."""
        return {}

    def ensure_demo_accounts(self) -> None:
        """Create (or repair) the demo accounts and their orders; idempotent."""
        raise NotImplementedError

    def demo_lines(self) -> list[str]:
        """What the run command prints of the demo accounts: how to connect each."""
        raise NotImplementedError

    def deliver_due(self, limit: int | None = None) -> int:
        """Send the webhooks that are due; how many were sent (0 for a platform that sends none)."""
        return 0


def public_url(path: str) -> str:
    """The address of a sandbox path as the demo is reached (SANDBOX_PUBLIC_URL), for printed lines."""
    return f"{settings.SANDBOX_PUBLIC_URL.rstrip('/')}{path}"
