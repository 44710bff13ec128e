"""A connection whose API host staff overrode: its requests go only where outbound.py allows."""

import pytest

from connections.context import platform_context
from connections.models import Connection, Problem, SyncRun
from connections.sync import execute, request_sync
from tests.factories import ConnectionFactory

REFUSAL = (
    "The host 10.0.0.5 is a private address; the portal does not send credentials there. "
    "Staff can allow it with OUTBOUND_ALLOWED_HOSTS."
)


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 3
    settings.SYNC_SETTLE_SECONDS = 0


def test_a_context_checks_the_host_exactly_when_staff_overrode_it(merchant, settings):
    overridden = ConnectionFactory(merchant=merchant, base_url_override="https://staging.example/api")
    operators = ConnectionFactory(merchant=merchant, base_url_override="")
    assert platform_context(overridden).check_host and platform_context(overridden).base_url.startswith("https://st")
    assert not platform_context(operators).check_host
    assert platform_context(operators).base_url == settings.NOTHS_BASE_URL


def test_a_sync_to_a_refused_override_fails_in_words_sends_nothing_and_needs_attention(
    merchant, outbound_rules, connections_opened
):
    connection = ConnectionFactory(merchant=merchant, base_url_override="https://10.0.0.5")
    run, _ = request_sync(connection, trigger=SyncRun.Trigger.MANUAL, enqueue=False)
    run = execute(run.pk)
    assert (run.status, run.error_kind, run.error) == (SyncRun.Status.FAILED, "refused", REFUSAL)
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION and connection.last_error == REFUSAL
    assert Problem.objects.get(connection=connection, closed_at=None).message == REFUSAL
    assert connections_opened == []
