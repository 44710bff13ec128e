"""Sandbox clocks, for the tests of platforms whose clock is off the portal's."""

import pytest

from sandbox.models import SandboxAccount

# Every platform is tested three hours behind and three hours ahead of the real time.
BEHIND_AND_AHEAD = pytest.mark.parametrize("hours", [-3, 3], ids=["behind", "ahead"])


def set_clock(account: SandboxAccount, hours: float) -> None:
    """Set a sandbox account's clock `hours` from the real time (negative: behind)."""
    SandboxAccount.objects.filter(pk=account.pk).update(clock_offset_minutes=round(hours * 60))
    account.refresh_from_db()
