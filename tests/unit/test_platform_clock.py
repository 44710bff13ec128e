"""The platform's clock, read from the Date of its answers by the shared client."""

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import responses

from connections.platforms.base import PlatformContext
from connections.platforms.clock import PlatformClock, http_date
from connections.platforms.errors import AuthError
from connections.platforms.http import PlatformClient
from tests.support.readings import ANY_JSON

BASE = "https://api.example.test"


def date_header(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def test_an_http_date_is_read_as_a_time():
    assert http_date("Sun, 06 Nov 1994 08:49:37 GMT") == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC).timestamp()


def test_two_dates_joined_by_a_server_read_as_the_applications_own():
    """gunicorn writes its own Date before the application's; requests joins the two with a comma."""
    joined = "Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 05:49:37 GMT"
    assert http_date(joined) == datetime(1994, 11, 6, 5, 49, 37, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("value", [None, "", "yesterday", "Sun, 06 Nov 1994"])
def test_no_readable_date_is_none(value):
    assert http_date(value) is None


def test_the_offset_is_the_platforms_time_less_the_middle_of_the_exchange():
    clock = PlatformClock()
    sent = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC).timestamp()
    # The platform stamped 09:00:10 (its second, so 09:00:10.5 on average) while we waited 12:00:10 to 12:00:11.
    clock.observe("Sun, 01 Mar 2026 09:00:10 GMT", sent + 10, sent + 11)
    assert clock.offset == -3 * 3600 and clock.measured


def test_an_answer_without_a_date_keeps_the_last_measurement():
    clock = PlatformClock(offset=-7200.0)
    clock.observe(None, time.time(), time.time())
    assert clock.offset == -7200.0 and not clock.measured
    assert abs((datetime.now(UTC) - timedelta(hours=2) - clock.now()).total_seconds()) < 1


def test_a_clock_never_measured_is_the_portals():
    assert abs((datetime.now(UTC) - PlatformClock().now()).total_seconds()) < 1


@pytest.mark.parametrize("hours", [-3, 3])
@responses.activate
def test_every_answer_through_the_shared_client_measures_the_clock(hours, settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    ctx = PlatformContext(base_url=BASE, credentials={})
    api = PlatformClient("Example", ctx)
    platform_now = datetime.now(UTC) + timedelta(hours=hours)
    responses.get(f"{BASE}/ok", json={}, headers={"Date": date_header(platform_now)})
    responses.get(f"{BASE}/refused", status=401, json={}, headers={"Date": date_header(platform_now)})
    api.get_json("/ok", ANY_JSON)
    assert abs(ctx.clock.offset - hours * 3600) < 3
    ctx.clock.offset = None
    with pytest.raises(AuthError):
        api.get_json("/refused", ANY_JSON)  # a refusal is an answer too: its Date counts
    assert abs(ctx.clock.offset - hours * 3600) < 3
    assert abs((ctx.clock.now() - platform_now).total_seconds()) < 3
