"""One merchant never sees another's connections, runs or orders: 404 on every route."""

import pytest
from django.urls import reverse

from connections.models import Connection, SyncRun
from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET, make_partner_connection
from orders.models import Order, OutboundAction
from tests.factories import ConnectionFactory

SECRET_NAME = "their-private-shop"


def order_of(connection, **fields) -> Order:
    return Order.objects.create(
        connection=connection, merchant=connection.merchant, customer_name="Their Customer", **fields
    )


@pytest.fixture
def theirs(other_merchant):
    connection = ConnectionFactory(merchant=other_merchant, name=SECRET_NAME)
    run = SyncRun.objects.create(connection=connection, status=SyncRun.Status.SUCCEEDED)
    order = order_of(connection, external_id="1", number="THEIR-ORDER-1", status="accepted")
    action = OutboundAction.objects.create(
        order=order, kind=OutboundAction.Kind.ACCEPT, state=OutboundAction.State.REJECTED
    )
    # A platform that has webhooks, so rotating its secret would not 404 for another reason.
    partner = make_partner_connection(other_merchant, name=SECRET_NAME)
    return {"connection": connection, "run": run, "order": order, "action": action, "partner": partner}


def webhook_secret(connection) -> str:
    return Connection.objects.get(pk=connection.pk).stored_credentials()["webhook_secret"]


ROUTES = [
    ("get", "connections:detail", lambda t: [t["connection"].pk]),
    ("get", "connections:edit", lambda t: [t["connection"].pk]),
    ("post", "connections:edit", lambda t: [t["connection"].pk]),
    ("post", "connections:test", lambda t: [t["connection"].pk]),
    ("post", "connections:fetch", lambda t: [t["connection"].pk]),
    ("post", "connections:pause", lambda t: [t["connection"].pk]),
    ("post", "connections:resume", lambda t: [t["connection"].pk]),
    ("get", "connections:disconnect", lambda t: [t["connection"].pk]),
    ("post", "connections:disconnect", lambda t: [t["connection"].pk]),
    ("post", "connections:rotate_webhook_secret", lambda t: [t["partner"].pk]),
    ("post", "connections:start_authorization", lambda t: [t["connection"].pk]),
    ("post", "connections:finish_authorization", lambda t: [t["connection"].pk]),
    ("get", "connections:progress", lambda t: [t["connection"].pk]),
    ("get", "connections:run", lambda t: [t["connection"].pk, t["run"].pk]),
    ("get", "orders:detail", lambda t: [t["order"].pk]),
    ("post", "orders:accept", lambda t: [t["order"].pk]),
    ("post", "orders:dispatch", lambda t: [t["order"].pk]),
    ("post", "orders:update", lambda t: [t["order"].pk]),
    ("get", "orders:dispatch_note", lambda t: [t["order"].pk]),
    ("post", "orders:retry", lambda t: [t["order"].pk, t["action"].pk]),
]


@pytest.mark.parametrize(("method", "name", "args"), ROUTES, ids=[f"{m} {n}" for m, n, _ in ROUTES])
def test_another_merchants_object_is_404(member_client, theirs, method, name, args):
    url = reverse(name, args=args(theirs))
    response = getattr(member_client, method)(url, {"tracking_number": "X"} if method == "post" else None)
    assert response.status_code == 404
    # ... and nothing happened to it
    connection = Connection.objects.get(pk=theirs["connection"].pk)
    assert connection.status == Connection.Status.CONNECTED
    assert connection.sync_runs.count() == 1
    assert theirs["order"].shipments.count() == 0
    assert OutboundAction.objects.get(pk=theirs["action"].pk).state == OutboundAction.State.REJECTED
    assert webhook_secret(theirs["partner"]) == PARTNER_WEBHOOK_SECRET


# The authorization routes' answers on a connection of one's own: so their 404 above comes from
# the scoping, not from the request or the platform.
OWN_ROUTES = [
    ("connections:start_authorization", 403),  # staff only, but the connection is found
    ("connections:finish_authorization", 302),  # no code: back to the connection's page
]


@pytest.mark.parametrize(("name", "status"), OWN_ROUTES, ids=[n for n, _ in OWN_ROUTES])
def test_the_same_request_on_my_own_connection_is_not_404(member_client, merchant, name, status):
    mine = make_partner_connection(merchant, name="my-chain")
    assert member_client.post(reverse(name, args=[mine.pk]), {"tracking_number": "X"}).status_code == status


def test_rotating_their_webhook_secret_is_404_and_mine_rotates(member_client, merchant, theirs):
    mine = make_partner_connection(merchant, name="my-chain")
    data = {"secret": "a-secret-typed-by-me-0001"}
    response = member_client.post(reverse("connections:rotate_webhook_secret", args=[theirs["partner"].pk]), data)
    assert response.status_code == 404
    assert webhook_secret(theirs["partner"]) == PARTNER_WEBHOOK_SECRET
    assert Connection.objects.get(pk=theirs["partner"].pk).previous_webhook_secret_until is None
    response = member_client.post(reverse("connections:rotate_webhook_secret", args=[mine.pk]), data)
    assert response.status_code == 302
    assert webhook_secret(mine) == "a-secret-typed-by-me-0001"


def test_a_run_of_my_connection_under_their_connection_id_is_404(member_client, merchant, theirs):
    mine = ConnectionFactory(merchant=merchant)
    my_run = SyncRun.objects.create(connection=mine, status=SyncRun.Status.SUCCEEDED)
    assert member_client.get(reverse("connections:run", args=[theirs["connection"].pk, my_run.pk])).status_code == 404
    assert member_client.get(reverse("connections:run", args=[mine.pk, theirs["run"].pk])).status_code == 404


def test_an_action_of_their_order_under_my_order_is_404(member_client, merchant, theirs):
    mine = ConnectionFactory(merchant=merchant)
    my_order = Order.objects.create(
        connection=mine, merchant=merchant, external_id="9", number="MINE", status="pending"
    )
    url = reverse("orders:retry", args=[my_order.pk, theirs["action"].pk])
    assert member_client.post(url).status_code == 404


def test_updating_their_partner_order_is_404_and_sends_nothing(member_client, other_merchant):
    connection = make_partner_connection(other_merchant, name=SECRET_NAME)
    order = order_of(
        connection,
        external_id="7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
        number="THEIR-ORDER-2",
        status="pending",
        flags={"transport_type": "LOGISTICS_DELIVERY"},
    )
    order.items.create(external_id="item-1", title="Milk", options=[["Picking", "NOT_PROCESSED"]])
    for data in (
        {"status": "CANCELLED", "cancel_reason": "TOO_BUSY"},
        {"status": "UPDATE_CART", "item0_id": "item-1", "item0_status": "IN_CART"},
    ):
        assert member_client.post(reverse("orders:update", args=[order.pk]), data).status_code == 404
    assert not order.actions.exists() and order.events.count() == 0


@pytest.mark.parametrize("name", ["connections:downloads", "connections:manage", "orders:list"])
def test_lists_show_only_my_own(member_client, theirs, name):
    body = member_client.get(reverse(name)).content.decode()
    assert SECRET_NAME not in body
    assert "THEIR-ORDER-1" not in body


def test_filtering_orders_by_their_connection_shows_nothing_of_theirs(member_client, theirs):
    body = member_client.get(reverse("orders:list"), {"connection": theirs["connection"].pk}).content.decode()
    assert "THEIR-ORDER-1" not in body


@pytest.mark.parametrize("name", ["connections:downloads", "connections:manage", "orders:list"])
def test_signed_out_visitors_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_staff_without_a_merchant_get_403_on_merchant_pages(admin_client):
    assert admin_client.get(reverse("orders:list")).status_code == 403
    assert admin_client.get(reverse("home")).url == reverse("admin:index")
