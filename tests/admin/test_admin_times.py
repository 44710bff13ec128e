"""The admin writes times as the portal's pages do: "5 Dec 2026, 14:14", never "2:14 p.m."."""

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats

from audit.models import AuditEntry
from audit.trail import Action, Actor, record
from connections.models import Connection
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
AFTERNOON = datetime(2026, 12, 5, 14, 14, tzinfo=UTC)


def test_the_formats_are_the_pages_24_hour_style():
    assert formats.date_format(AFTERNOON, "DATETIME_FORMAT") == "5 Dec 2026, 14:14"
    assert formats.time_format(AFTERNOON.time(), "TIME_FORMAT") == "14:14"
    assert formats.date_format(AFTERNOON, "SHORT_DATETIME_FORMAT") == "05/12/2026 14:14"
    assert Template("{{ at }}").render(Context({"at": AFTERNOON})) == "5 Dec 2026, 14:14"


def test_a_list_and_a_change_page_show_24_hour_times(admin_client, merchant):
    connection = ConnectionFactory(merchant=merchant)
    Connection.objects.filter(pk=connection.pk).update(last_success_at=AFTERNOON)
    listed = admin_client.get(reverse("admin:connections_connection_changelist")).content.decode()
    changed = admin_client.get(reverse("admin:connections_connection_change", args=[connection.pk])).content.decode()
    for page in (listed, changed):
        assert "5 Dec 2026, 14:14" in page
        assert "p.m." not in page and "a.m." not in page


def test_the_connection_timeline_writes_times_in_the_pages_style(admin_client, merchant):
    connection = ConnectionFactory(merchant=merchant)
    record(Action.PAUSED, connection=connection, actor=Actor(label="someone", ip="192.0.2.1"))
    AuditEntry.objects.update(at=AFTERNOON)
    page = admin_client.get(reverse("admin:connections_connection_change", args=[connection.pk])).content.decode()
    assert '<td class="when">5 Dec 2026, 14:14:00</td>' in page
