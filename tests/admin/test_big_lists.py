"""The admin on big tables: pages whose queries do not grow with the data, capped inlines, cheap counts."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin import site
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from audit.trail import Action
from connections import admin_paging
from connections.admin import SHOWN_RUNS
from connections.admin_paging import LargeTablePaginator
from connections.models import Connection, Problem, SyncRun, WebhookEvent
from orders.admin import OrderAdmin
from orders.models import Order, OutboundAction
from portal import counting
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


# -- the changelists of the large tables -------------------------------------------------------------------


def fill(merchant, count: int) -> None:
    """`count` of each row the large changelists list, on one connection."""
    connection = Connection.objects.filter(merchant=merchant).first() or ConnectionFactory(merchant=merchant)
    start = Order.objects.count()
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            connection=connection,
            merchant=merchant,
            external_id=f"EXT-{start + i}",
            number=f"N-{start + i}",
            status="pending",
            customer_name=f"Jane Smith {start + i}",
            customer_email=f"jane{start + i}@example.com",
            placed_at=now - timedelta(minutes=start + i),
        )
        for i in range(count)
    )
    add_runs(connection, count, start=start)
    WebhookEvent.objects.bulk_create(
        WebhookEvent(connection=connection, body="{}", dedupe_key=f"k{start + i}", order_external_id=f"EXT-{i}")
        for i in range(count)
    )
    Problem.objects.bulk_create(
        Problem(connection=connection, cause=Problem.Cause.REPEATED_FAILURES, message="Failed", closed_at=now)
        for _ in range(count)
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(action=Action.PAUSED, connection=connection, connection_label=connection.name, merchant=merchant)
        for _ in range(count)
    )
    OutboundAction.objects.bulk_create(OutboundAction(order=order, kind="accept", state="failed") for order in orders)


CHANGELISTS = [
    "orders_order",
    "orders_outboundaction",
    "connections_syncrun",
    "connections_webhookevent",
    "connections_problem",
    "audit_auditentry",
]


@pytest.mark.parametrize("model", CHANGELISTS)
@pytest.mark.parametrize("query", ["", "?q=N-1", "?q=Smith", "?q=7"])
def test_large_changelists_read_as_much_at_3_rows_as_at_30(admin_client, merchant, model, query):
    url = reverse(f"admin:{model}_changelist") + query
    fill(merchant, 3)
    admin_client.get(url)
    few, _ = queries(admin_client, url)
    fill(merchant, 27)
    many, _ = queries(admin_client, url)
    assert many == few


def test_an_unfiltered_large_list_says_about_the_estimate(admin_client, merchant, monkeypatch):
    fill(merchant, 3)
    monkeypatch.setattr(counting, "estimated_rows", lambda model: 1_000_000)
    _, page = queries(admin_client, reverse("admin:orders_order_changelist"))
    assert "about 1,000,000 orders" in page
    assert 'class="toplinks"' not in page  # no date bar


def test_a_filtered_large_list_counts_up_to_the_cap(admin_client, merchant, monkeypatch):
    fill(merchant, 30)
    monkeypatch.setattr(LargeTablePaginator, "cap", 10)
    monkeypatch.setattr(site._registry[Order], "list_per_page", 5)
    url = reverse("admin:orders_order_changelist")
    _, page = queries(admin_client, url + "?status__exact=pending")
    assert "10+ orders" in page
    _, page = queries(admin_client, url + "?status__exact=pending&p=4")  # past the counted end: still a page
    assert ">N-17<" in page and ">N-12<" not in page
    _, page = queries(admin_client, url + "?q=Smith")
    assert "10+ results" in page


def test_deep_pages_read_their_ids_first_and_show_the_same_rows(admin_client, merchant, monkeypatch):
    fill(merchant, 12)
    monkeypatch.setattr(site._registry[Order], "list_per_page", 5)
    url = reverse("admin:orders_order_changelist") + "?p=2"
    _, shallow = queries(admin_client, url)
    monkeypatch.setattr(admin_paging, "DEFERRED_FROM", 5)
    _, deep = queries(admin_client, url)
    numbers = [f">N-{i}<" for i in range(12)]
    assert [n for n in numbers if n in deep] == [n for n in numbers if n in shallow] == numbers[5:10]


# -- search: exact ids and numbers, names by trigram -------------------------------------------------------


def listed(client, model: str, term: str) -> str:
    _, page = queries(client, reverse(f"admin:{model}_changelist") + f"?q={term}")
    return page


def test_a_number_matches_exactly_and_a_name_by_part(admin_client, merchant):
    fill(merchant, 30)
    page = listed(admin_client, "orders_order", "N-1")
    assert ">N-1<" in page and ">N-10<" not in page and "1 result" in page
    assert ">N-12<" in listed(admin_client, "orders_order", "EXT-12")
    assert ">N-12<" in listed(admin_client, "orders_order", "n-12")  # typed in small letters
    page = listed(admin_client, "orders_order", "smith 2")  # the whole box is one term, any case
    assert ">N-2<" in page and ">N-20<" in page and ">N-3<" not in page
    assert ">N-7<" in listed(admin_client, "orders_order", "jane7@example.com")
    assert "0 results" in listed(admin_client, "orders_order", "ja")  # too short for a part: exact only


def test_an_id_matches_the_primary_key_and_a_connection_by_exact_name(admin_client, merchant):
    fill(merchant, 3)
    event = WebhookEvent.objects.order_by("pk").last()
    page = listed(admin_client, "connections_webhookevent", str(event.pk))
    assert "1 result" in page
    connection = Connection.objects.get()
    assert "3 results" in listed(admin_client, "connections_syncrun", connection.name.upper())
    assert "0 results" in listed(admin_client, "connections_syncrun", connection.name[:-1])
    assert "3 results" in listed(admin_client, "connections_syncrun", "run number")
    assert "3 results" in listed(admin_client, "connections_problem", connection.name)


def test_an_ip_address_is_searched_only_as_one(admin_client, merchant):
    fill(merchant, 2)
    AuditEntry.objects.update(ip="192.0.2.7")
    assert "2 results" in listed(admin_client, "audit_auditentry", "192.0.2.7")
    assert "0 results" in listed(admin_client, "audit_auditentry", "192.0.2")


@pytest.mark.skipif(db.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
@pytest.mark.parametrize(
    ("model", "term", "index"),
    [
        (WebhookEvent, "xt-1", "connections_webhookevent_order_external_id_trgm"),
        (WebhookEvent, "EXT-1", "connections_webhookevent_order_external_id_trgm"),
        (SyncRun, "number 1", "connections_syncrun_error_trgm"),
        (Problem, "fail", "connections_problem_message_trgm"),
        (AuditEntry, "shop", "audit_auditentry_connection_label_trgm"),
    ],
)
def test_the_searches_can_be_served_by_trigram_indexes(merchant, model, term, index):
    fill(merchant, 3)
    queryset, _ = site._registry[model].get_search_results(None, model.objects.all(), term)
    with db.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: show the index can serve it
        plan = queryset.order_by().explain()
    assert index in plan


def test_the_merchant_box_finds_merchants_first_then_filters_by_their_ids(admin_client, merchant):
    fill(merchant, 3)
    url = reverse("admin:connections_webhookevent_changelist") + f"?merchant={merchant.name[:4]}"
    admin_client.get(url)
    with CaptureQueriesContext(db) as context:
        page = admin_client.get(url).content.decode()
    assert "3 webhook events" in page
    listing = [q["sql"] for q in context.captured_queries if 'FROM "connections_webhookevent"' in q["sql"]]
    assert listing and not any("portal_merchant" in sql for sql in listing)


@pytest.mark.parametrize("model", CHANGELISTS)
def test_a_large_list_offers_sorting_only_by_the_columns_it_names(admin_client, merchant, model):
    """Sorting a million orders by connection read and sorted them all (2.2 s): a large list's headers sort
    only by the columns its ModelAdmin names in `sortable_by`, those an index hands over in order."""
    fill(merchant, 3)
    admin_class = next(a for m, a in site._registry.items() if f"{m._meta.app_label}_{m._meta.model_name}" == model)
    _, page = queries(admin_client, reverse(f"admin:{model}_changelist"))
    sortable = set(re.findall(r'<th scope="col" class="sortable[^"]*column-(\w+)', page))
    assert sortable == set(admin_class.sortable_by) and sortable < set(admin_class.list_display)


def test_a_column_not_offered_for_sorting_leaves_the_lists_order(admin_client, merchant):
    """`?o=` naming a column the list does not sort by (an old bookmark) shows the list in its own order."""
    fill(merchant, 3)
    newest_first = list(Order.objects.values_list("number", flat=True))
    url = reverse("admin:orders_order_changelist")
    connection_column = OrderAdmin.list_display.index("connection") + 1
    number_column = OrderAdmin.list_display.index("number") + 1

    def numbers(query: str) -> list[str]:
        _, page = queries(admin_client, url + query)
        return re.findall(r'<th class="field-number"><a href="[^"]*">([^<]+)</a>', page)

    assert numbers("") == newest_first
    assert numbers(f"?o={connection_column}") == newest_first
    assert numbers(f"?o=-{number_column}") == sorted(newest_first, reverse=True)


def test_a_large_list_shows_no_counts_beside_its_filters(admin_client, merchant):
    """Django's facets count each filter choice over the whole table (1.8 s for a million orders): a large
    list offers none, and asking for them in the address shows the list without them."""
    fill(merchant, 3)
    _, page = queries(admin_client, reverse("admin:orders_order_changelist"))
    assert "_facets" not in page
    _, page = queries(admin_client, reverse("admin:orders_order_changelist") + "?_facets=True")
    assert "Awaiting acceptance<" in page and not re.search(r"Awaiting acceptance \(\d+\)", page)


@pytest.mark.parametrize("model", CHANGELISTS)
def test_each_column_a_large_list_sorts_by_leads_an_index(model):
    """What `sortable_by` names is what an index hands over in order: the column's field leads an index."""
    admin_class = next(a for m, a in site._registry.items() if f"{m._meta.app_label}_{m._meta.model_name}" == model)
    opts = admin_class.model._meta
    with db.cursor() as cursor:
        indexes = db.introspection.get_constraints(cursor, opts.db_table).values()
    leading = {index["columns"][0] for index in indexes if index["columns"] and (index["index"] or index["unique"])}
    for column in admin_class.sortable_by:
        attribute = getattr(admin_class, column, None)
        field = opts.get_field(getattr(attribute, "admin_order_field", None) or column)
        assert field.column in leading, (column, sorted(leading))
