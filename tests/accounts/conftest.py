import pytest

from tests.support.two_factor import enrolled_staff, staff_user


@pytest.fixture
def two_factor_on(settings):
    """The admin asks for a second factor, as in production (tests/settings.py turns it off)."""
    settings.ADMIN_REQUIRE_2FA = True
    return settings


@pytest.fixture
def staff(db):
    """A staff member with no authenticator yet."""
    return staff_user(username="sam")


@pytest.fixture
def enrolled(db):
    """(user, device, recovery codes) of a staff member with a confirmed authenticator."""
    return enrolled_staff(username="erin")
