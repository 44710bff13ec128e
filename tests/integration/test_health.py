"""Never fail silently: problems open once, count, close by themselves, and mail once each way.

The syncs run against the sandbox NOTHS over real HTTP; mail goes to Django's test outbox.
"""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from connections import health
from connections.models import Connection, Problem, SyncRun, WebhookEvent
from connections.platforms.noths.sandbox.data import generate_orders
from connections.platforms.partner.tests.fixtures import make_partner_connection
from connections.sync import execute, request_sync
from portal.models import Heartbeat
from sandbox.models import SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_platform(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0


def sync(connection) -> SyncRun:
    run, _ = request_sync(connection, trigger=SyncRun.Trigger.MANUAL, enqueue=False)
    execute(run.pk)
    run.refresh_from_db()
    return run


def set_token(account, token):
    SandboxAccount.objects.filter(pk=account.pk).update(token=token)


def test_rejected_credentials_open_one_problem_mail_once_and_close_on_the_next_success(
    sandbox_connection, sandbox_account, member
):
    generate_orders(sandbox_account, 3, states=("placed",), seed=1)
    set_token(sandbox_account, "the-merchant-made-a-new-token-000")  # ours is now refused
    assert sync(sandbox_connection).status == SyncRun.Status.FAILED
    sync(Connection.objects.get(pk=sandbox_connection.pk))  # staff try again: the same problem

    problem = Problem.objects.get()
    assert (problem.cause, problem.count, problem.is_open) == (Problem.Cause.CREDENTIALS_REJECTED, 2, True)
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert connection.next_sync_at is None  # no hammering: the schedule waits for a fix
    state = health.health(connection)
    assert state.state == "needs_attention" and "token" in state.reason.lower()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email] and "needs attention" in mail.outbox[0].subject
    assert sandbox_account.token not in mail.outbox[0].body

    set_token(sandbox_account, sandbox_account.token)  # fixed
    assert sync(connection).status == SyncRun.Status.SUCCEEDED
    problem.refresh_from_db()
    assert not problem.is_open
    assert health.health(Connection.objects.get(pk=connection.pk)).state == "connected"
    assert len(mail.outbox) == 2 and "working again" in mail.outbox[1].subject
    sync(Connection.objects.get(pk=connection.pk))
    assert len(mail.outbox) == 2  # nothing more to say


def test_transient_failures_become_a_problem_only_when_they_repeat(sandbox_connection, sandbox_account, member):
    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(fault_server_error=-1)
    for attempt in range(3):
        sync(Connection.objects.get(pk=sandbox_connection.pk))
        assert Problem.objects.filter(closed_at=None).exists() == (attempt == 2)
    problem = Problem.objects.get()
    assert problem.cause == Problem.Cause.REPEATED_FAILURES and "3 fetches in a row" in problem.message
    assert Connection.objects.get(pk=sandbox_connection.pk).next_sync_at is not None  # still retried
    assert len(mail.outbox) == 1

    SandboxAccount.objects.filter(pk=sandbox_account.pk).update(fault_server_error=0)
    sync(Connection.objects.get(pk=sandbox_connection.pk))
    assert not Problem.objects.filter(closed_at=None).exists() and len(mail.outbox) == 2


def test_a_new_occurrence_after_a_fix_is_a_new_problem(sandbox_connection, sandbox_account, member):
    for _ in range(2):
        set_token(sandbox_account, "refused-token-for-a-while-00000")
        sync(Connection.objects.get(pk=sandbox_connection.pk))
        set_token(sandbox_account, sandbox_account.token)
        sync(Connection.objects.get(pk=sandbox_connection.pk))
    assert Problem.objects.count() == 2 and not Problem.objects.filter(closed_at=None).exists()
    assert len(mail.outbox) == 4


def test_test_connection_opens_and_closes_the_credentials_problem(member_client, sandbox_connection, sandbox_account):
    set_token(sandbox_account, "rotated-away-token-000000000")
    member_client.post(reverse("connections:test", args=[sandbox_connection.pk]))
    assert Problem.objects.get(closed_at=None).cause == Problem.Cause.CREDENTIALS_REJECTED
    set_token(sandbox_account, sandbox_account.token)
    member_client.post(reverse("connections:test", args=[sandbox_connection.pk]))
    assert not Problem.objects.filter(closed_at=None).exists()


def test_a_mail_server_down_does_not_lose_the_problem(sandbox_connection, sandbox_account, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(health, "send_mail", refuse)
    set_token(sandbox_account, "refused-token-for-a-while-00000")
    sync(sandbox_connection)
    assert Problem.objects.get().is_open


def stored_events(connection, minutes_ago):
    for minutes in minutes_ago:
        WebhookEvent.objects.create(
            connection=connection,
            dedupe_key=f"event-{uuid.uuid4()}",
            body="{}",
            state=WebhookEvent.State.PROCESSED,
            received_at=timezone.now() - timedelta(minutes=minutes),
        )


def test_a_webhook_connection_silent_beyond_its_rhythm_has_a_problem_until_events_return(merchant, settings):
    settings.WEBHOOK_SILENT_MINUTES_MIN = 30
    connection = make_partner_connection(merchant)
    stored_events(connection, [130, 135, 140, 145, 150, 155])  # every 5 minutes, until 130 minutes ago
    assert health.check_webhook_silence() == 1
    problem = Problem.objects.get(closed_at=None)
    assert problem.cause == Problem.Cause.WEBHOOK_SILENT and "usually come every 5 minutes" in problem.message
    # Reported once per window (here 50 minutes, ten times the usual gap), not at every tick.
    assert health.check_webhook_silence() == 0 and Problem.objects.get().count == 1
    later = timezone.now() + timedelta(minutes=51)
    assert health.check_webhook_silence(later) == 1 and Problem.objects.get().count == 2

    stored_events(connection, [-52])  # the platform sends again: closed at the next tick, not a window later
    assert health.check_webhook_silence(later + timedelta(minutes=2)) == 0
    assert not Problem.objects.filter(closed_at=None).exists()


def test_a_quiet_new_store_is_not_a_problem(merchant):
    connection = make_partner_connection(merchant)
    stored_events(connection, [600])
    assert health.check_webhook_silence() == 0 and not Problem.objects.exists()


def test_the_dashboard_and_the_connection_page_show_problems_to_their_merchant_only(
    member_client, other_client, sandbox_connection
):
    health.report(sandbox_connection, Problem.Cause.CREDENTIALS_REJECTED, "NOTHS refused the token: make a new one.")
    downloads = member_client.get(reverse("connections:downloads")).content.decode()
    assert "NOTHS refused the token" in downloads and 'data-problem="credentials_rejected"' in downloads
    page = member_client.get(reverse("connections:detail", args=[sandbox_connection.pk])).content.decode()
    assert "NOTHS refused the token" in page
    assert "NOTHS refused the token" not in other_client.get(reverse("connections:downloads")).content.decode()
    assert other_client.get(reverse("connections:detail", args=[sandbox_connection.pk])).status_code == 404


def test_healthz_reports_database_broker_and_scheduler(client):
    Heartbeat.objects.create(name=Heartbeat.TICK, at=timezone.now())
    answer = client.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["broker"]["kind"] in ("ORM", "Redis") and body["checks"]["scheduler"]["age_seconds"] < 5


def test_healthz_says_503_when_the_scheduler_stopped_or_a_part_fails(client, monkeypatch, settings):
    answer = client.get("/healthz")
    assert answer.status_code == 503 and "never ticked" in answer.json()["checks"]["scheduler"]["error"]

    Heartbeat.objects.create(name=Heartbeat.TICK, at=timezone.now() - timedelta(seconds=600))
    assert "stopped" in client.get("/healthz").json()["checks"]["scheduler"]["error"]

    from portal import healthz

    def unreachable():
        raise ConnectionError("redis://:secret@10.0.0.5:6379")

    monkeypatch.setitem(healthz.CHECKS, "broker", unreachable)
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["broker"] == {"ok": False, "error": "unreachable (ConnectionError)"}
    assert "secret" not in answer.content.decode()


def test_staff_see_every_merchants_problems_in_admin_and_filter_the_open_ones(
    admin_client, sandbox_connection, other_merchant
):
    elsewhere = make_partner_connection(other_merchant, name="elsewhere")
    health.report(sandbox_connection, Problem.Cause.CREDENTIALS_REJECTED, "Token refused.")
    health.report(elsewhere, Problem.Cause.WEBHOOK_SILENT, "No webhook for 3.0 hours.")
    health.resolve(elsewhere)
    url = reverse("admin:connections_problem_changelist")
    assert admin_client.get(url).context["cl"].result_count == 2
    assert admin_client.get(url, {"open": "yes"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"q": "elsewhere"}).context["cl"].result_count == 1


def test_health_states_in_order_of_what_matters(sandbox_connection):
    connection = Connection.objects.get(pk=sandbox_connection.pk)
    assert health.health(connection).state == "connected"
    assert health.health(connection, scheduler_running=False).reason == health.SCHEDULER_STOPPED
    connection.auto_sync = False
    assert health.health(connection, scheduler_running=False).state == "connected"  # nothing waits on it
    connection.status = Connection.Status.SYNCING
    assert health.health(connection).label == "Syncing"
    problem = health.report(connection, Problem.Cause.PLATFORM_REFUSING, "NOTHS refuses: the shop is closed.")
    assert health.health(connection) == health.Health("needs_attention", "Needs attention", problem.message)
    connection.status = Connection.Status.PAUSED
    assert health.health(connection).state == "paused"  # the merchant chose it: not a problem shown as one
    connection.status = Connection.Status.DISCONNECTED
    assert health.health(connection).state == "disconnected"


def test_the_downloads_page_says_why_a_connection_needs_attention(member_client, sandbox_connection):
    Heartbeat.objects.create(name=Heartbeat.TICK, at=timezone.now() - timedelta(hours=1))
    page = member_client.get(reverse("connections:downloads")).content.decode()
    assert 'data-health="needs_attention"' in page and "scheduler is not running" in page


def test_a_deactivated_member_gets_no_alert_mail(merchant):
    """A deactivated member has lost access (the API refuses their tokens): no mail about the merchant either."""
    from django.contrib.auth import get_user_model

    from tests.factories import ConnectionFactory, MembershipFactory

    active = MembershipFactory(merchant=merchant).user
    gone = MembershipFactory(merchant=merchant).user
    get_user_model().objects.filter(pk=gone.pk).update(is_active=False)
    connection = ConnectionFactory(merchant=merchant)
    health.report(connection, Problem.Cause.CREDENTIALS_REJECTED, "NOTHS refused the token.")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [active.email]
