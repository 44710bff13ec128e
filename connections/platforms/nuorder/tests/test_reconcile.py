"""NuORDER's reconciliation over real HTTP to the sandbox: the sync reads only the buckets it imports,
so an order that leaves them is repaired here, by its bucket or by its id."""

import pytest

from connections.platforms.nuorder import adapter as nuorder
from connections.platforms.nuorder.sandbox.data import generate_orders
from connections.platforms.nuorder.sandbox.orders import set_status
from orders.models import Order
from tests.integration.test_reconcile import fetch, reconcile

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1


def held(connection, orders) -> list[tuple[str, str]]:
    return list(
        Order.objects.filter(connection=connection, external_id__in=[o.nuorder_id for o in orders])
        .order_by("external_id")
        .values_list("platform_status", "status")
    )


def test_orders_that_left_the_imported_bucket_are_repaired(nuorder_connection, nuorder_app, monkeypatch):
    account = nuorder_app.account
    generate_orders(account, 30, statuses=("approved",), seed=1)
    generate_orders(account, 5, statuses=("draft",), seed=2)  # before the first imported status: never read
    assert fetch(nuorder_connection).created == 30
    moved = sorted(account.nuorder_orders.filter(status="approved")[:4], key=lambda o: o.nuorder_id)
    expected = {moved[0].nuorder_id: "processed", moved[1].nuorder_id: "cancelled", moved[2].nuorder_id: "shipped"}
    for order in moved[:3]:
        set_status(order, expected[order.nuorder_id])
    deleted = moved[3].nuorder_id
    moved[3].delete()

    missed = fetch(nuorder_connection)  # the approved bucket alone: none of it shows
    assert (missed.created, missed.updated) == (0, 0)
    assert {status for status, _ in held(nuorder_connection, moved)} == {"approved"}

    buckets, fetched = [], []
    real_bucket, real_fetch = nuorder._bucket, nuorder.PLATFORM.fetch_order
    monkeypatch.setattr(
        nuorder, "_bucket", lambda client, status: buckets.append(status) or real_bucket(client, status)
    )
    monkeypatch.setattr(
        nuorder.PLATFORM, "fetch_order", lambda ctx, i: fetched.append(i) or real_fetch(ctx, i), raising=False
    )
    run = reconcile(nuorder_connection)

    assert run.status == "succeeded", run.error
    assert buckets == ["approved", "processed"]  # from the first status it imports on, while open
    assert sorted(fetched) == sorted([moved[1].nuorder_id, moved[2].nuorder_id, deleted])  # left the open buckets
    assert (run.updated, run.created, run.gone, run.checked) == (3, 0, 1, 30)
    repaired = dict(
        Order.objects.filter(connection=nuorder_connection, external_id__in=expected).values_list(
            "external_id", "platform_status"
        )
    )
    assert repaired == expected
    statuses = dict(Order.objects.filter(external_id__in=expected).values_list("platform_status", "status"))
    assert statuses == {"processed": "accepted", "cancelled": "cancelled", "shipped": "shipped"}
    assert run.findings == "repaired 3 stale, 0 missing, of 30 checked; 1 no longer on the platform"
    assert Order.objects.filter(connection=nuorder_connection, external_id=deleted).exists()  # kept as it was

    again = reconcile(nuorder_connection)
    assert (again.updated, again.gone, again.checked) == (0, 1, 28)  # 26 approved, the processed, the deleted one
