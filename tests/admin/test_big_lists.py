"""The admin on big tables: pages whose queries do not grow with the data, capped inlines, cheap counts."""

import re
from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from connections.admin import SHOWN_RUNS
from connections.models import SyncRun
from tests.admin.conftest import change_form_data
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def add_runs(connection, count: int, start: int = 0) -> None:
    now = timezone.now()
    SyncRun.objects.bulk_create(
        SyncRun(
            connection=connection,
            status=SyncRun.Status.SUCCEEDED,
            queued_at=now - timedelta(minutes=start + i),
            error=f"run number {start + i}",
        )
        for i in range(count)
    )


def queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(db) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), response.content.decode()


def test_the_connection_page_lists_the_newest_runs_and_links_to_all(admin_client, merchant):
    connection = ConnectionFactory(merchant=merchant)
    url = reverse("admin:connections_connection_change", args=[connection.pk])
    add_runs(connection, 3)
    admin_client.get(url)  # the first page of a session reads more than the others
    few, _ = queries(admin_client, url)
    add_runs(connection, 30, start=3)
    many, page = queries(admin_client, url)
    assert many == few
    inline = page.split('id="sync_runs-group"')[1].split('id="timeline"')[0]
    assert len(re.findall(r'id="sync_runs-\d+"', inline)) == SHOWN_RUNS
    assert "run number 0<" in inline and f"run number {SHOWN_RUNS - 1}<" in inline
    assert f"run number {SHOWN_RUNS}<" not in inline
    runs_url = reverse("admin:connections_syncrun_changelist") + f"?connection__id__exact={connection.pk}"
    assert f'<a href="{runs_url}">All 33 sync runs</a>' in page


def test_the_connection_page_still_saves_with_many_runs(admin_client, merchant):
    connection = ConnectionFactory(merchant=merchant, name="before")
    add_runs(connection, SHOWN_RUNS + 5)
    url, data = change_form_data(admin_client, connection, name="after")
    response = admin_client.post(url, data)
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.name == "after"
