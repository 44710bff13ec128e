"""One merchant's token never reaches another merchant's connections or orders: 404, nothing done."""

import pytest

from connections.models import Problem
from orders.models import Order, OutboundAction, Shipment
from tests.api.conftest import make_order
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
SECRET = "their-private-shop"


@pytest.fixture
def theirs(other_merchant):
    connection = ConnectionFactory(merchant=other_merchant, name=SECRET)
    Problem.objects.create(connection=connection, cause=Problem.Cause.PLATFORM_REFUSING, message="their problem")
    order = make_order(connection, 1, number="THEIR-ORDER-1", customer_name="Their Customer")
    return {"connection": connection, "order": order}


ROUTES = [
    ("get", lambda t: f"/api/v1/orders/{t['order'].pk}/"),
    ("post", lambda t: f"/api/v1/orders/{t['order'].pk}/shipments/"),
]


@pytest.mark.parametrize(("method", "url"), ROUTES, ids=["order detail", "shipment create"])
def test_their_order_is_404_and_nothing_happens(api, theirs, method, url):
    response = getattr(api, method)(url(theirs), {"tracking_number": "X1"}, format="json")
    assert response.status_code == 404
    assert SECRET not in response.content.decode() and "THEIR" not in response.content.decode()
    assert not Shipment.objects.exists() and not OutboundAction.objects.exists()
    assert theirs["order"].events.count() == 0


def test_lists_hold_only_my_own(api, connection, theirs):
    mine = make_order(connection, 2)
    connections = api.get("/api/v1/connections/").json()
    assert [c["id"] for c in connections] == [connection.pk]
    assert SECRET not in str(connections) and "their problem" not in str(connections)
    orders = api.get("/api/v1/orders/").json()["results"]
    assert [o["id"] for o in orders] == [mine.pk]
    assert [o["id"] for o in api.get("/api/v1/orders/", {"search": "THEIR"}).json()["results"]] == []


def test_filtering_by_their_connection_is_refused_and_shows_nothing(api, theirs):
    response = api.get("/api/v1/orders/", {"connection": theirs["connection"].pk})
    assert response.status_code == 400
    assert response.json() == {"connection": ["Not one of your connections."]}


def test_their_token_does_not_see_mine(other_merchant, connection):
    from api.models import ApiToken
    from tests.api.conftest import bearer
    from tests.factories import MembershipFactory

    mine = make_order(connection, 3)
    _, value = ApiToken.issue(MembershipFactory(merchant=other_merchant).user, other_merchant, "theirs")
    client = bearer(value)
    assert client.get(f"/api/v1/orders/{mine.pk}/").status_code == 404
    assert client.get("/api/v1/orders/").json()["results"] == []
    assert client.get("/api/v1/connections/").json() == []
    assert Order.objects.get(pk=mine.pk).shipments.count() == 0
