"""The order list's search: names and emails by "contains" (trigram-indexed on PostgreSQL), short terms by number."""

from __future__ import annotations

import re

import pytest
from django.db import connection as db
from django.urls import reverse

from connections.platforms import registry
from tests.api.conftest import make_order
from tests.integration.test_order_state_words import a_connection

LIST = reverse("orders:list")


def listed(body: str) -> list[str]:
    return re.findall(r'<td><a href="/orders/\d+/">([^<]+)</a></td>', body)


def test_a_short_search_matches_an_order_number_exactly(member_client, merchant):
    shop = a_connection(merchant, registry.get("noths"))
    make_order(shop, 1, number="77")
    make_order(shop, 2, number="771")
    body = member_client.get(LIST, {"q": "77"}).content.decode()
    assert listed(body) == ["77"]
    assert "Type at least 3 characters" in body
    assert listed(member_client.get(LIST, {"q": "771"}).content.decode()) == ["771"]


def test_search_finds_the_customer_email_too(member_client, merchant):
    shop = a_connection(merchant, registry.get("noths"))
    make_order(shop, 1, customer_email="someone@orchard.example")
    make_order(shop, 2)
    assert listed(member_client.get(LIST, {"q": "ORCHARD"}).content.decode()) == ["ORD-0001"]


@pytest.mark.django_db
@pytest.mark.skipif(db.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_the_searched_columns_have_trigram_indexes_on_the_expressions_icontains_uses():
    with db.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orders_order'")
        indexes = dict(cursor.fetchall())
    for column in ("number", "customer_name", "customer_email"):
        assert f"gin (upper(({column})::text) gin_trgm_ops)" in indexes[f"order_{column}_trgm"]
