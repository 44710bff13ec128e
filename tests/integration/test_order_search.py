"""The order list's search: number, name and email by "contains" in one upper-cased column (orders.Order.search_text,
trigram-indexed and in the list's index on PostgreSQL), short terms by number exactly."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from connections.platforms import registry
from orders import paging, search
from orders.forms import OrderFilterForm
from orders.models import Order
from orders.search import holding
from tests.api.conftest import make_order
from tests.integration.test_order_state_words import a_connection

LIST = reverse("orders:list")


def listed(body: str) -> list[str]:
    return re.findall(r'<td><a href="\d+/">([^<]+)</a></td>', body)


#: How a search's ids queries start (orders/paging.py, `_merged_ids`; orders/search.py, `first_matches`, and
#: `planned_whole`, which on PostgreSQL wraps the list's query in a WITH query).
LOOK = 'SELECT walk."placed_at", walk."id" FROM'
_IDS = 'SELECT "orders_order"."placed_at" AS "placed_at", "orders_order"."id" AS "id" FROM'
READ = (_IDS, f"WITH found AS MATERIALIZED ({_IDS}")


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


def test_search_is_by_any_case_and_takes_the_term_literally(member_client, merchant):
    shop = a_connection(merchant, registry.get("noths"))
    make_order(shop, 1, customer_name="Ada Lovelace", number="50%OFF")
    make_order(shop, 2, customer_name="Grace Hopper", number="500FF")
    assert listed(member_client.get(LIST, {"q": "lovelace"}).content.decode()) == ["50%OFF"]
    assert listed(member_client.get(LIST, {"q": "LoVeLaCe"}).content.decode()) == ["50%OFF"]
    # % and _ are no wildcards here: "0%o" matches only the number that has it.
    assert listed(member_client.get(LIST, {"q": "0%o"}).content.decode()) == ["50%OFF"]
    assert listed(member_client.get(LIST, {"q": "ho_per"}).content.decode()) == []
    make_order(shop, 3, customer_name="Back\\slash", number="B-1")  # a backslash is no escape either
    assert listed(member_client.get(LIST, {"q": "k\\s"}).content.decode()) == ["B-1"]
    assert listed(member_client.get(LIST, {"q": "k\\\\s"}).content.decode()) == []


def test_a_term_never_matches_across_two_fields(member_client, merchant):
    shop = a_connection(merchant, registry.get("noths"))
    make_order(shop, 1, number="ORD-0001", customer_name="Ada Lovelace", customer_email="ada@example.com")
    assert listed(member_client.get(LIST, {"q": "0001ada"}).content.decode()) == []
    assert listed(member_client.get(LIST, {"q": "lovelaceada"}).content.decode()) == []
    assert listed(member_client.get(LIST, {"q": "0001"}).content.decode()) == ["ORD-0001"]


def test_search_finds_an_order_by_its_new_name_once_it_changes(member_client, merchant):
    shop = a_connection(merchant, registry.get("noths"))
    order = make_order(shop, 1, customer_name="Ada Byron")
    Order.objects.filter(pk=order.pk).update(customer_name="Ada Lovelace")
    assert listed(member_client.get(LIST, {"q": "lovelace"}).content.decode()) == ["ORD-0001"]
    assert listed(member_client.get(LIST, {"q": "byron"}).content.decode()) == []


def test_a_search_page_reads_its_ids_first_and_a_plain_page_its_rows_at_once(member_client, merchant):
    shop = a_connection(merchant, registry.get("noths"))
    for n in range(3):
        make_order(shop, n)

    def ids_queries(params) -> list[str]:
        with CaptureQueriesContext(db) as ctx:
            body = member_client.get(LIST, params).content.decode()
        assert len(listed(body)) == 3
        return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith((LOOK, *READ))]

    searched = ids_queries({"q": "customer"})
    assert searched and all("search_text" in sql for sql in searched)
    assert ids_queries({}) == []


@pytest.mark.django_db
@pytest.mark.skipif(db.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_the_search_text_has_a_trigram_index_by_merchant_and_the_admin_columns_keep_theirs():
    with db.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orders_order'")
        indexes = dict(cursor.fetchall())
    assert "gin (merchant_id, search_text gin_trgm_ops)" in indexes["order_merchant_search_trgm"]
    assert "order_search_text_trgm" not in indexes  # the index by merchant serves the text alone too (0021)
    for column in ("customer_name", "customer_email"):  # the admin's "contains" search
        assert f"gin (upper(({column})::text) gin_trgm_ops)" in indexes[f"order_{column}_trgm"]
    assert "order_number_trgm" not in indexes  # only the merchant search used it


def explain(query, *disabled: str) -> str:
    """PostgreSQL's plan for `query` (a queryset), with the named kinds of scan ruled out."""
    with db.cursor() as cursor:
        for scan in disabled:
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def first_ids(orders):
    """The ids query of a search's first page (orders/paging.py)."""
    return orders.filter(placed_at__isnull=False).order_by(*paging.NEWEST_FIRST).values_list("id", flat=True)[:51]


@pytest.mark.skipif(db.vendor != "postgresql", reason="SQLite has no index-only scans of included columns")
@pytest.mark.parametrize("filters", [[], ["status"], ["connection"], ["status", "connection"]])
def test_a_search_page_finds_its_ids_in_the_list_index_alone(merchant, filters):
    """The page's ids query reads nothing the list's indexes lack, with or without the list's filters: with
    every scan that reads the table ruled out, PostgreSQL still walks one of the merchant's list indexes
    alone (what keeps a search that skips many orders fast; migrations 0016 and 0018). Plain index scans are
    ruled out too: on a table this small, once other tests have left statistics, the planner may otherwise
    prefer the merchant_id index and a sort, which says nothing about covering."""
    shop = a_connection(merchant, registry.get("noths"))
    for n in range(5):
        make_order(shop, n)
    values = {"status": next(iter(OrderFilterForm(merchant).states)), "connection": shop.pk}
    form = OrderFilterForm(merchant, {"q": "customer", **{name: values[name] for name in filters}})
    assert form.is_valid(), form.errors
    orders = form.apply(Order.objects.of_merchant(merchant))
    plan = explain(first_ids(orders), "seqscan", "bitmapscan", "indexscan")
    scans = re.findall(r"(\w+(?: Only)? Scan)(?: using (\w+))?", plan)
    assert scans and all(scan == "Index Only Scan" for scan, _ in scans), plan
    assert {index for _, index in scans} <= {"order_merchant_placed_id", "order_merchant_state_placed"}, plan


@pytest.mark.skipif(db.vendor != "postgresql", reason="the order of a filter's tests is PostgreSQL's choice")
def test_a_search_walking_the_list_tests_strpos_before_like(merchant):
    """STRPOS turns an order down in half the time LIKE takes (orders/search.py): a walk past many orders
    that do not match runs it first, and LIKE only on what it let through."""
    shop = a_connection(merchant, registry.get("noths"))
    make_order(shop, 1)
    form = OrderFilterForm(merchant, {"q": "customer"})
    assert form.is_valid(), form.errors
    orders = form.apply(Order.objects.of_merchant(merchant))
    plan = explain(first_ids(orders), "seqscan", "bitmapscan", "indexscan")
    (filter_line,) = re.findall(r"Filter: (.*)", plan)
    assert 0 <= filter_line.find("strpos(") < filter_line.find(" ~~ "), plan


@pytest.mark.skipif(db.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_a_rare_term_can_still_be_found_by_the_trigram_index(merchant):
    """The LIKE's pattern is built at run time (CONCAT), yet the trigram index still serves it: what finds a
    number fragment among a merchant's orders without walking them all."""
    shop = a_connection(merchant, registry.get("noths"))
    make_order(shop, 1, number="ORD-27109")
    make_order(shop, 2, number="ORD-27110")
    orders = Order.objects.filter(holding("search_text", "27109"))
    plan = explain(orders.values_list("id"), "seqscan", "indexonlyscan", "indexscan")  # an index's bitmap
    assert "Bitmap Index Scan on order_merchant_search_trgm" in plan, plan
    assert [order.number for order in orders] == ["ORD-27109"]


@pytest.mark.skipif(db.vendor != "postgresql", reason="btree_gin is PostgreSQL's")
def test_the_trigram_index_finds_the_merchants_matches_alone(merchant, other_merchant):
    """Compared as a bigint (`OrderQuerySet.of_merchant`), the merchant is a condition of the trigram index
    (migration 0021), which then finds the merchant's matches without every merchant's. Compared with an
    integer, as a Python int is sent, it is not one: btree_gin cannot use it, and PostgreSQL intersects the
    trigrams' matches with the merchant's whole index (25 ms of the 46 for "customer40" on a million). On a table this
    small the merchant's B-trees win, so they are dropped for the test (its transaction puts them back)."""
    for owner in (merchant, other_merchant):
        make_order(a_connection(owner, registry.get("noths")), 1, number="ORD-27109")
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'orders_order' "
            "AND indexdef LIKE '%(merchant_id%' AND indexname <> 'order_merchant_search_trgm'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
    orders = Order.objects.of_merchant(merchant).filter(holding("search_text", "27109"))
    plan = explain(orders.order_by().values_list("id"), "seqscan", "indexscan", "indexonlyscan")
    (condition,) = re.findall(r"Bitmap Index Scan on order_merchant_search_trgm .*\n\s+Index Cond: (.*)", plan)
    assert "merchant_id" in condition and "search_text" in condition, plan
    assert [order.merchant for order in orders] == [merchant]


@pytest.mark.skipif(db.vendor != "postgresql", reason="btree_gin is PostgreSQL's")
def test_the_list_searches_the_merchants_orders_by_a_bigint(member_client, merchant):
    """The list's search queries compare the merchant as the trigram index can use (`of_merchant`)."""
    make_order(a_connection(merchant, registry.get("noths")), 1, number="ORD-27109")
    with CaptureQueriesContext(db) as ctx:
        assert listed(member_client.get(LIST, {"q": "27109"}).content.decode()) == ["ORD-27109"]
    searched = [q["sql"] for q in ctx.captured_queries if "search_text" in q["sql"]]
    assert searched and all(f'"merchant_id" = ({merchant.pk})::bigint' in sql for sql in searched), searched


@pytest.mark.skipif(db.vendor != "postgresql", reason="the planner's statistics are PostgreSQL's")
def test_the_planner_guesses_a_search_from_a_thousand_sampled_texts(merchant):
    """PostgreSQL guesses how many orders hold a term from the search text's histogram, and that guess
    chooses between walking an index and reading the trigram index's candidates. At the default 101
    values a term in 2 % of orders is missing from them one ANALYZE in eight and guessed rare: the list's
    "Smith" within a state went from 26 to 238 ms on a million orders. The column keeps 1,001 (0019)."""
    shop = a_connection(merchant, registry.get("noths"))
    Order.objects.bulk_create(
        Order(
            connection=shop,
            merchant=merchant,
            external_id=str(n),
            number=f"ORD-{n:05d}",
            status="accepted",
            platform_status="accepted",
            customer_name=f"Customer {n}",
            customer_email=f"c{n}@example.com",
            currency="GBP",
            total=1,
        )
        for n in range(1_500)
    )
    with db.cursor() as cursor:
        cursor.execute('ANALYZE "orders_order" ("search_text")')
        cursor.execute(
            "SELECT array_length(histogram_bounds::text::text[], 1) FROM pg_stats "
            "WHERE tablename = 'orders_order' AND attname = 'search_text'"
        )
        assert cursor.fetchone() == (1_001,)


@pytest.mark.skipif(db.vendor != "postgresql", reason="the choice of plan is PostgreSQL's")
@pytest.mark.parametrize("scans", [["seqscan", "indexscan", "indexonlyscan"], ["seqscan", "bitmapscan"]])
def test_a_search_planned_whole_reads_its_matches_in_list_order_either_way(merchant, other_merchant, scans):
    """Planned for every match (orders/search.py, `planned_whole`), PostgreSQL may read them through the
    trigram index and sort them, or walk the list's index: either way the first matches come in list order,
    the merchant's only, and no more than asked for."""
    shop = a_connection(merchant, registry.get("noths"))
    start = timezone.now() - timedelta(days=30)
    orders = [
        make_order(
            shop, n, customer_name="Ada Lovelace" if n % 4 else "Grace Hopper", placed_at=start + timedelta(hours=n % 7)
        )
        for n in range(30)
    ]
    make_order(a_connection(other_merchant, registry.get("noths")), 99, customer_name="Ada Lovelace")
    with db.cursor() as cursor:
        for scan in scans:
            cursor.execute(f"SET LOCAL enable_{scan} = off")
    searched = Order.objects.of_merchant(merchant).filter(holding("search_text", "lovelace"))
    found = search.planned_whole(searched.order_by(*paging.NEWEST_FIRST), 6, paging.KEY_FIELDS)
    expected = sorted((o for o in orders if "Lovelace" in o.customer_name), key=lambda o: (o.placed_at, o.pk))
    assert [pk for _, pk in found] == [o.pk for o in reversed(expected)][:6]
