"""Fixtures for the sandbox tests: two NOTHS sandbox accounts and an order maker."""

import pytest

from connections.platforms.noths.sandbox.data import generate_orders
from sandbox.models import SandboxAccount

from .sandbox_helpers import OTHER_TOKEN, TOKEN


@pytest.fixture
def account(db):
    return SandboxAccount.objects.create(platform="noths", token=TOKEN, shortcode="shop-a", name="Shop A")


@pytest.fixture
def other_account(db):
    return SandboxAccount.objects.create(platform="noths", token=OTHER_TOKEN, shortcode="shop-b", name="Shop B")


@pytest.fixture
def make_order(account):
    """make_order(state="accepted", dispatch_note_viewed=False, ...): one order with those columns."""

    def make(owner=None, **columns):
        owner = owner or account
        generate_orders(owner, 1, states=(columns.get("state", "placed"),))
        order = owner.noths_orders.order_by("-noths_id").first()
        for name, value in columns.items():
            setattr(order, name, value)
        order.write_document()
        order.save()
        return order

    return make
