"""The lists support works from (filters and searches), and no giant selects on change forms."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from audit.trail import Actor
from connections import health, services
from connections.models import Problem, SyncRun, WebhookEvent
from connections.platforms.partner.tests.fixtures import make_partner_connection
from orders.models import Order, OutboundAction, Shipment
from tests.factories import ConnectionFactory, MerchantFactory

pytestmark = pytest.mark.django_db
APPS = {"connections", "orders", "audit"}
HANDFUL = 10


@pytest.fixture
def world(merchant, other_merchant):
    """Many merchants, and one of everything the admin lists."""
    MerchantFactory.create_batch(40)
    connection = ConnectionFactory(merchant=merchant, name="gifts")
    partner = make_partner_connection(other_merchant, name="chain")
    order = Order.objects.create(
        connection=connection, merchant=merchant, external_id="EXT-778899", number="N-1001", status="pending"
    )
    Order.objects.create(
        connection=partner, merchant=other_merchant, external_id="EXT-000001", number="N-2002", status="pending"
    )
    shipment = Shipment.objects.create(order=order, tracking_number="T1")
    action = OutboundAction.objects.create(order=order, kind="shipment", shipment=shipment, state="failed")
    run = SyncRun.objects.create(connection=connection, status="succeeded")
    event = WebhookEvent.objects.create(connection=partner, body="{}", dedupe_key="k", state="failed")
    problem = health.report(partner, Problem.Cause.WEBHOOK_SILENT, "Silent.")
    services.pause(connection, actor=Actor(label="someone", ip="192.0.2.1"))
    return {
        "connection": connection,
        "partner": partner,
        "order": order,
        "action": action,
        "run": run,
        "event": event,
        "problem": problem,
        "audit": AuditEntry.objects.get(),
    }


def big_selects(html: str) -> list[tuple[str, int]]:
    selects = re.findall(r"<select([^>]*)>(.*?)</select>", html, flags=re.S)
    return [(attrs, body.count("<option")) for attrs, body in selects if body.count("<option") > HANDFUL]


@pytest.mark.parametrize(
    ("url_name", "key"),
    [
        ("admin:connections_connection_change", "connection"),
        ("admin:connections_connection_change", "partner"),
        ("admin:connections_syncrun_change", "run"),
        ("admin:connections_webhookevent_change", "event"),
        ("admin:connections_problem_change", "problem"),
        ("admin:orders_order_change", "order"),
        ("admin:orders_outboundaction_change", "action"),
        ("admin:audit_auditentry_change", "audit"),
    ],
)
def test_change_forms_have_no_giant_selects(admin_client, world, url_name, key):
    response = admin_client.get(reverse(url_name, args=[world[key].pk]))
    assert response.status_code == 200
    assert big_selects(response.content.decode()) == []


def test_every_foreign_key_is_raw_id_or_autocomplete():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in APPS:
            continue
        admins = [(model, model_admin, None)] + [(inline.model, inline, model) for inline in model_admin.inlines]
        for listed, screen, parent in admins:
            widgets = {*screen.raw_id_fields, *getattr(screen, "autocomplete_fields", ())}
            for field in listed._meta.fields:
                if not isinstance(field, models.ForeignKey) or (parent and field.related_model is parent):
                    continue
                assert field.name in widgets, f"{screen.__class__.__name__}.{field.name}"


def today_range() -> tuple[str, str]:
    """Today, as the admin's date filter links say it."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return str(start), str(start + timedelta(days=1))


def count(admin_client, url_name, **params) -> int:
    response = admin_client.get(reverse(url_name), params)
    assert response.status_code == 200
    return response.context["cl"].result_count


def test_connections_by_merchant_platform_health_and_date(admin_client, world, merchant, other_merchant):
    url = "admin:connections_connection_changelist"
    assert count(admin_client, url) == 2
    assert count(admin_client, url, merchant=str(merchant.pk)) == 1
    assert count(admin_client, url, merchant="someone") == 1  # part of "Someone Else"
    assert count(admin_client, url, platform__exact="partner") == 1
    assert count(admin_client, url, health="needs_attention") == 1  # the partner's open problem
    assert count(admin_client, url, health="paused") == 1
    assert count(admin_client, url, health="connected") == 0
    day = today_range()
    assert count(admin_client, url, created_at__gte=day[0], created_at__lt=day[1]) == 2
    assert count(admin_client, url, q="chain") == 1
    page = admin_client.get(reverse(url), {"merchant": "someone", "platform__exact": "partner"}).content.decode()
    assert 'placeholder="id or name"' in page and 'value="someone"' in page
    assert '<input type="hidden" name="platform__exact" value="partner">' in page  # kept when the box is used


def test_orders_by_number_external_id_and_merchant(admin_client, world, merchant):
    url = "admin:orders_order_changelist"
    assert count(admin_client, url, q="N-1001") == 1
    assert count(admin_client, url, q="EXT-778899") == 1
    assert count(admin_client, url, merchant=str(merchant.pk)) == 1
    assert count(admin_client, url, connection__platform="partner") == 1


def test_the_other_lists_filter_by_merchant(admin_client, world, merchant, other_merchant):
    assert count(admin_client, "admin:orders_outboundaction_changelist", state__exact="failed") == 1
    assert count(admin_client, "admin:orders_outboundaction_changelist", merchant="demo") == 1
    assert count(admin_client, "admin:orders_outboundaction_changelist", q="EXT-778899") == 1
    assert count(admin_client, "admin:connections_syncrun_changelist", merchant=str(other_merchant.pk)) == 0
    assert count(admin_client, "admin:connections_webhookevent_changelist", merchant=str(other_merchant.pk)) == 1
    assert count(admin_client, "admin:connections_problem_changelist", merchant="someone") == 1


def test_the_audit_trail_is_read_only_filtered_and_searchable(admin_client, world, merchant):
    url = "admin:audit_auditentry_changelist"
    entry = world["audit"]
    assert count(admin_client, url, merchant=str(merchant.pk)) == 1
    assert count(admin_client, url, merchant="someone") == 0
    assert count(admin_client, url, action__exact="paused") == 1
    assert count(admin_client, url, action__exact="disconnected") == 0
    day = today_range()
    assert count(admin_client, url, at__gte=day[0], at__lt=day[1]) == 1
    assert count(admin_client, url, q="192.0.2.1") == 1
    assert count(admin_client, url, q="gifts") == 1
    listing = admin_client.get(reverse(url)).content.decode()
    assert "Add audit entry" not in listing
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    page = admin_client.get(change).content.decode()
    assert 'name="_save"' not in page and "someone" in page
    assert admin_client.post(change, {"actor_label": "forged"}).status_code == 403
    assert admin_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    )
    assert AuditEntry.objects.get().actor_label == "someone"


def test_the_admin_calls_itself_the_portal_not_django(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Order portal administration" in page
    assert "<title>Site administration | Order portal admin</title>" in page
    assert "Django administration" not in page
