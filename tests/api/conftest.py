"""Fixtures of the API tests: tokens, an authenticated API client, orders to read."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from orders.models import Order
from tests.factories import ConnectionFactory


@pytest.fixture(autouse=True)
def no_settle_time(settings):
    """Orders written a moment ago are served at once (the settle-time test sets its own)."""
    settings.API_CURSOR_SETTLE_SECONDS = 0


@pytest.fixture
def issued(member, merchant):
    """(token row, token value) of the member."""
    return ApiToken.issue(member, merchant, "Warehouse system")


def bearer(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


@pytest.fixture
def api(issued):
    """An API client sending the member's token."""
    return bearer(issued[1])


@pytest.fixture
def connection(merchant):
    return ConnectionFactory(merchant=merchant, name="giftshop")


def make_order(connection, n: int, **fields) -> Order:
    defaults = {
        "external_id": str(n),
        "number": f"ORD-{n:04d}",
        "status": "accepted",
        "platform_status": "accepted",
        "customer_name": f"Customer {n}",
        "customer_email": f"c{n}@example.com",
        "currency": "GBP",
        "total": Decimal("12.50"),
        "placed_at": timezone.now() - timedelta(days=1, minutes=n),
    }
    return Order.objects.create(connection=connection, merchant=connection.merchant, **{**defaults, **fields})
