"""A connection's timeline on its admin page: runs, problems, audit entries and webhook traffic, newest first."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from audit.timeline import connection_timeline
from audit.trail import Actor
from connections import health, services
from connections.models import Problem, SyncRun, WebhookEvent
from connections.platforms.partner.tests.fixtures import make_partner_connection
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def test_the_change_page_lists_runs_problems_and_audit_entries_newest_first(admin_client, merchant):
    connection = ConnectionFactory(merchant=merchant)
    now = timezone.now()
    staff = get_user_model().objects.create_user("support-sam", is_staff=True)
    first = SyncRun.objects.create(
        connection=connection,
        trigger=SyncRun.Trigger.ADMIN,
        status=SyncRun.Status.SUCCEEDED,
        requested_by=staff,
        queued_at=now - timedelta(hours=3),
        created=7,
    )
    second = SyncRun.objects.create(
        connection=connection,
        trigger=SyncRun.Trigger.SCHEDULED,
        status=SyncRun.Status.FAILED,
        error="NOTHS answered 500.",
        queued_at=now - timedelta(hours=2),
    )
    problem = health.report(connection, Problem.Cause.PLATFORM_REFUSING, "NOTHS keeps refusing.")
    Problem.objects.filter(pk=problem.pk).update(first_seen_at=now - timedelta(minutes=90))
    health.resolve(connection)
    services.pause(connection, actor=Actor(user=staff, label="support-sam (staff)", ip="203.0.113.5"))

    page = admin_client.get(reverse("admin:connections_connection_change", args=[connection.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and 'id="timeline"' in body
    expected = [
        "Paused",  # newest: the pause just now, by its staff member and address
        "Problem closed: Platform refusing",
        "Problem opened: Platform refusing. NOTHS keeps refusing.",
        f"Sync #{second.pk}: failed; 0 created, 0 updated, 0 unchanged, 0 skipped. NOTHS answered 500.",
        f"Sync #{first.pk}: succeeded; 7 created",
    ]
    timeline = body[body.index('id="timeline"') :]
    positions = [timeline.index(text) for text in expected]
    assert positions == sorted(positions)
    assert "support-sam (staff) from 203.0.113.5" in timeline
    assert "Schedule" in timeline and "support-sam" in timeline  # who asked for each run
    assert [item.kind for item in page.context["timeline"]] == ["audit", "problem", "problem", "sync", "sync"]


def test_webhook_traffic_is_counted_per_day(merchant):
    connection = make_partner_connection(merchant)
    now = timezone.localtime().replace(hour=12, minute=0)  # the middle of a day: its events share it
    for n, state in enumerate(["processed", "processed", "failed"]):
        WebhookEvent.objects.create(
            connection=connection, body="{}", dedupe_key=f"k{n}", state=state, received_at=now - timedelta(minutes=n)
        )
    WebhookEvent.objects.create(
        connection=connection, body="{}", dedupe_key="old", state="processed", received_at=now - timedelta(days=3)
    )
    items = [i for i in connection_timeline(connection) if i.kind == "webhooks"]
    assert [i.what for i in items] == [
        "Webhook events that day: 3 (1 failed, 2 processed)",
        "Webhook events that day: 1 (1 processed)",
    ]
    assert items[0].at == now


def test_the_audit_trail_link_filters_by_connection(admin_client, merchant):
    connection, other = ConnectionFactory(merchant=merchant), ConnectionFactory(merchant=merchant)
    services.pause(connection)
    services.pause(other)
    page = admin_client.get(reverse("admin:connections_connection_change", args=[connection.pk])).content.decode()
    link = reverse("admin:audit_auditentry_changelist") + f"?connection__id__exact={connection.pk}"
    assert link in page
    assert admin_client.get(link).context["cl"].result_count == 1
