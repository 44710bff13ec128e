"""The order feed: filters, and the keyset cursor's guarantee (see api/cursor.py).

A pass follows `next_cursor` until `has_more` is false. Guarantee, tested here exactly:
1. every order whose latest change is older than the settle time when the last page is
   read is returned by the pass, in that latest version;
2. an order is returned twice in a pass only when it changed after the page that
   returned it was read, and keys only increase through a pass.
"""

import itertools
import random
import re
from datetime import UTC, timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orders import search
from orders.models import Order
from tests.api.conftest import make_order
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders/"


def key(row):
    return parse_datetime(row["updated_at"]), row["id"]


def bump(order_ids):
    """The ingest path's write: the order changes and its updated_at becomes now."""
    for pk in order_ids:
        Order.objects.filter(pk=pk).update(updated_at=timezone.now(), status="shipped")


def test_a_pass_misses_nothing_and_repeats_only_what_changed_after_it_was_read(api, connection):
    rng = random.Random(7)
    base = timezone.now() - timedelta(hours=1)
    orders = [
        # Many share an updated_at (one ingest page writes them all with one time): ties at page edges.
        make_order(connection, n, updated_at=base + timedelta(seconds=n // 4))
        for n in range(40)
    ]
    ids = [o.pk for o in orders]
    seen: dict[int, list[tuple[int, tuple]]] = {}  # order id -> [(page number, key)]
    bumped_after: dict[int, list[int]] = {}  # order id -> page numbers after whose read it changed
    keys_in_order = []
    params = {"page_size": 3}
    page_number = 0
    while True:
        body = api.get(ORDERS, params).json()
        for row in body["results"]:
            seen.setdefault(row["id"], []).append((page_number, key(row)))
            keys_in_order.append(key(row))
        if not body["has_more"]:
            break
        # Orders change between pages: some already returned, some not yet.
        changed = rng.sample(ids, 3) if page_number % 2 == 0 else []
        bump(changed)
        for pk in changed:
            bumped_after.setdefault(pk, []).append(page_number)
        params = {"page_size": 3, "cursor": body["next_cursor"]}
        page_number += 1

    assert keys_in_order == sorted(keys_in_order) and len(set(keys_in_order)) == len(keys_in_order)
    assert bumped_after, "the test must change orders while it pages"
    # 1. Nothing missed: every order, in its latest version.
    assert set(seen) == set(ids)
    for order in Order.objects.filter(pk__in=ids):
        last_key = seen[order.pk][-1][1]
        assert last_key == (order.updated_at, order.pk)
    # 2. A repeat only after a change made after the page that returned the order was read.
    repeated = {pk: sightings for pk, sightings in seen.items() if len(sightings) > 1}
    assert repeated, "some order changed after it was returned, and came back"
    for pk, sightings in repeated.items():
        for (earlier, _), (later, _) in itertools.pairwise(sightings):
            assert any(earlier <= b < later for b in bumped_after.get(pk, [])), (pk, sightings)
    # ... and an order changed before it was ever returned comes once, in its new version.
    for pk, pages in bumped_after.items():
        if seen[pk][0][0] > max(pages):
            assert len(seen[pk]) == 1


def test_the_last_cursor_gives_what_changed_since_and_nothing_else(api, connection):
    for n in range(5):
        make_order(connection, n, updated_at=timezone.now() - timedelta(minutes=10 - n))
    body = api.get(ORDERS, {"page_size": 100}).json()
    assert len(body["results"]) == 5 and not body["has_more"] and body["next"] is None
    cursor = body["next_cursor"]
    again = api.get(ORDERS, {"cursor": cursor}).json()
    assert again["results"] == [] and again["next_cursor"] == cursor  # an empty page keeps its place
    changed = Order.objects.get(external_id="2")
    bump([changed.pk])
    new = make_order(connection, 9)
    later = api.get(ORDERS, {"cursor": cursor}).json()
    assert [row["id"] for row in later["results"]] == [changed.pk, new.pk]
    assert later["results"][0]["status"] == "shipped"


def test_a_change_inside_the_settle_time_waits_and_is_not_skipped(api, connection, settings):
    """A write that took its time before a later one but committed after it (a long transaction)."""
    settings.API_CURSOR_SETTLE_SECONDS = 30
    now = timezone.now()
    old = make_order(connection, 1, updated_at=now - timedelta(minutes=5))
    fresh = make_order(connection, 2, updated_at=now - timedelta(seconds=5))  # committed, but too new yet
    body = api.get(ORDERS).json()
    assert [row["id"] for row in body["results"]] == [old.pk]
    # A slow writer commits now an order stamped before the fresh one, after our read.
    late = make_order(connection, 3, updated_at=now - timedelta(seconds=10))
    settings.API_CURSOR_SETTLE_SECONDS = 0  # time passes: everything has settled
    later = api.get(ORDERS, {"cursor": body["next_cursor"]}).json()
    assert [row["id"] for row in later["results"]] == [late.pk, fresh.pk]


def test_updated_since_starts_at_that_time_inclusive(api, connection):
    moment = timezone.now().replace(microsecond=0) - timedelta(minutes=30)
    before = make_order(connection, 1, updated_at=moment - timedelta(microseconds=1))
    at = make_order(connection, 2, updated_at=moment)
    after = make_order(connection, 3, updated_at=moment + timedelta(seconds=1))
    body = api.get(ORDERS, {"updated_since": moment.isoformat()}).json()
    assert [row["id"] for row in body["results"]] == [at.pk, after.pk]
    naive_utc = moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    assert [row["id"] for row in api.get(ORDERS, {"updated_since": naive_utc}).json()["results"]] == [at.pk, after.pk]
    assert before.pk in [row["id"] for row in api.get(ORDERS).json()["results"]]
    empty = api.get(ORDERS, {"updated_since": (moment + timedelta(days=1)).isoformat()}).json()
    assert empty["results"] == [] and empty["next_cursor"]  # a place to ask from later


def test_next_is_a_url_that_keeps_the_filters(api, connection):
    for n in range(3):
        make_order(connection, n, updated_at=timezone.now() - timedelta(minutes=n))
    body = api.get(ORDERS, {"page_size": 2, "status": "accepted", "updated_since": "2000-01-01T00:00:00Z"}).json()
    assert body["has_more"] and "status=accepted" in body["next"] and "updated_since" not in body["next"]
    rest = api.get(body["next"]).json()
    assert len(rest["results"]) == 1 and not rest["has_more"]


def test_filters_are_the_order_lists(api, merchant, connection):
    other_connection = ConnectionFactory(merchant=merchant, name="second")
    a = make_order(connection, 1, customer_name="Ada Lovelace", status="pending")
    b = make_order(connection, 2, number="XYZ-777", status="accepted")
    c = make_order(other_connection, 3, status="pending")

    def ids(**params):
        return {row["id"] for row in api.get(ORDERS, params).json()["results"]}

    assert ids() == {a.pk, b.pk, c.pk}
    assert ids(connection=connection.pk) == {a.pk, b.pk}
    assert ids(status="pending") == {a.pk, c.pk}
    assert ids(status="pending", connection=other_connection.pk) == {c.pk}
    assert ids(search="lovelace") == {a.pk}
    assert ids(search="XYZ-7") == {b.pk}
    assert ids(search="", status="") == {a.pk, b.pk, c.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "teleported"}, "status"),
        ({"connection": 999999}, "connection"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 501}, "page_size"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwxXQ"}, "cursor"),
    ],
)
def test_bad_parameters_are_400_with_the_field(api, params, field):
    response = api.get(ORDERS, params)
    assert response.status_code == 400 and field in response.json()


def test_cursor_and_updated_since_together_are_400(api, connection):
    make_order(connection, 1)
    cursor = api.get(ORDERS).json()["next_cursor"]
    response = api.get(ORDERS, {"cursor": cursor, "updated_since": "2020-01-01T00:00:00Z"})
    assert response.status_code == 400 and "not both" in str(response.json())


def test_an_order_in_the_feed_and_in_detail(api, connection):
    order = make_order(connection, 5, customer_name="Grace Hopper", total="99.95", shipping_address={"city": "Leeds"})
    order.items.create(position=0, sku="MUG-1", title="Mug", quantity=2, options=[["Colour", "Blue"]])
    row = api.get(ORDERS).json()["results"][0]
    assert row["id"] == order.pk and row["connection"] == connection.pk
    assert row["number"] == "ORD-0005" and row["total"] == "99.95" and row["status_label"] == "Accepted"
    assert row["updated_at"].endswith("Z")
    detail = api.get(f"{ORDERS}{order.pk}/").json()
    assert detail["items"][0]["sku"] == "MUG-1" and detail["items"][0]["options"] == [["Colour", "Blue"]]
    assert detail["shipping_address"] == {"city": "Leeds"} and detail["shipments"] == []
    assert "raw" not in detail


def test_a_sessions_time_zone_does_not_change_the_times(member_client, merchant, connection):
    merchant.timezone = "Asia/Tokyo"
    merchant.save()
    order = make_order(connection, 1)
    row = member_client.get(ORDERS).json()["results"][0]
    assert row["updated_at"].endswith("Z") and parse_datetime(row["updated_at"]) == order.updated_at


def test_a_page_costs_a_constant_number_of_queries(api, connection, django_assert_max_num_queries):
    for n in range(60):
        make_order(connection, n)
    with django_assert_max_num_queries(4):
        assert len(api.get(ORDERS, {"page_size": 50}).json()["results"]) == 50


@pytest.mark.parametrize("look_first", [2, 20, 5_000])
def test_a_searched_pass_returns_every_match_once_in_key_order(api, connection, monkeypatch, look_first):
    """A search's pages are looked through first (orders/search.py, `first_matches`): a look that finds
    the page (20: the first pages), one that never does (2), and one over the whole feed (5,000)."""
    monkeypatch.setattr(search, "LOOK_FIRST", look_first)
    base = timezone.now() - timedelta(hours=1)
    orders = [
        make_order(
            connection,
            n,
            customer_name="Ada Lovelace" if n % 3 == 0 or n > 30 else "Grace Hopper",
            status="pending" if n % 4 else "accepted",
            updated_at=base + timedelta(seconds=n // 2),
        )
        for n in range(40)
    ]
    for params in ({"search": "lovelace"}, {"search": "lovelace", "status": "pending"}):
        expected = [
            o.pk
            for o in sorted(orders, key=lambda o: (o.updated_at, o.pk))
            if "Lovelace" in o.customer_name and o.status == params.get("status", o.status)
        ]
        seen, query = [], {"page_size": 4, **params}
        while True:
            body = api.get(ORDERS, query).json()
            seen += [row["id"] for row in body["results"]]
            if not body["has_more"]:
                break
            query = {**query, "cursor": body["next_cursor"]}
        assert seen == expected


def feed_queries(api, params) -> list[str]:
    """The SQL of the orders queries one feed request runs (with its parameters in place)."""
    with CaptureQueriesContext(db) as captured:
        assert api.get(ORDERS, params).status_code == 200
    return [q["sql"] for q in captured.captured_queries if '"orders_order"' in q["sql"]]


def plan_of(sql: str, *disabled: str) -> str:
    """PostgreSQL's plan for `sql`, with the named kinds of scan ruled out."""
    with db.cursor() as cursor:
        for scan in disabled:
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(db.vendor != "postgresql", reason="SQLite has no index-only scans of included columns")
@pytest.mark.parametrize("filters", [[], ["status"], ["connection"], ["status", "connection"]])
def test_a_searched_feed_page_finds_its_ids_in_the_feed_index_alone(api, connection, filters):
    """Where the first look finds too few, a searched page reads its ids first (api/cursor.py), and that
    query reads nothing the feed's indexes lack, with or without the status and connection filters: with
    every scan that reads the table ruled out, PostgreSQL still walks one of them alone (migration 0019).
    A walk past many orders that do not match (a status the term is absent from) then reads no rows."""
    for n in range(5):
        make_order(connection, n)
    values = {"status": "accepted", "connection": connection.pk}
    sql = feed_queries(api, {"search": "customer", **{name: values[name] for name in filters}})
    ids = 'SELECT "orders_order"."id" AS "id" FROM'
    (ids_query,) = [q for q in sql if q.startswith((ids, f"WITH found AS MATERIALIZED ({ids}"))]
    plan = plan_of(ids_query, "seqscan", "bitmapscan", "indexscan")
    scans = re.findall(r"(\w+(?: Only)? Scan)(?: using (\w+))? on orders_order", plan)
    assert scans and all(scan == "Index Only Scan" for scan, _ in scans), plan
    assert {index for _, index in scans} <= {"order_merchant_updated", "order_merchant_status_updated"}, plan


@pytest.mark.skipif(db.vendor != "postgresql", reason="btree_gin is PostgreSQL's")
def test_a_searched_feed_compares_the_merchant_as_a_bigint(api, connection):
    """As the search's trigram index, which leads with the merchant, can use it (`OrderQuerySet.of_merchant`)."""
    make_order(connection, 1)
    searched = [sql for sql in feed_queries(api, {"search": "customer"}) if "search_text" in sql]
    merchant = connection.merchant_id
    assert searched and all(f'"merchant_id" = ({merchant})::bigint' in sql for sql in searched), searched


@pytest.mark.skipif(db.vendor != "postgresql", reason="the choice of index is PostgreSQL's")
def test_a_status_the_merchant_has_none_of_is_an_index_range_not_a_walk(api, connection):
    """`?status=ready` where none of the merchant's orders is ready: the feed's status index starts and
    ends at the status (an index condition), where the merchant's index alone would test every order
    (225 ms on a million orders, bench/scale.py). Sorts are ruled out too: on a table this small the planner
    may otherwise read the status index of every merchant and sort, which says nothing about the order."""
    for n in range(5):
        make_order(connection, n, status="pending")
    (query,) = feed_queries(api, {"status": "ready"})
    plan = plan_of(query, "seqscan", "bitmapscan", "sort")
    assert "order_merchant_status_updated" in plan, plan
    (condition,) = re.findall(r"Index Cond: (.*)", plan)
    assert "status" in condition and "merchant_id" in condition, plan


@pytest.mark.skipif(db.vendor != "postgresql", reason="the choice of plan is PostgreSQL's")
def test_a_search_whose_few_matches_are_far_from_updated_since_is_not_walked_to(api, connection, monkeypatch):
    """A term that only the newest of 3,000 orders hold, searched from the oldest: asked for its first page
    alone, PostgreSQL supposes the matches spread evenly and walks the feed's orders in key order past every
    older one (299,151 entries, 46 ms, for "customer40" on a million orders); planned for every match
    (orders/search.py, `planned_whole`), it reads the few, by whichever index or none, and sorts them.
    ANALYZE's row count outlives the test's transaction, so the test counts the table again as it leaves
    it: another test's plan would otherwise be made for 3,000 orders that are not there."""
    monkeypatch.setattr(search, "LOOK_FIRST", 100)
    start = timezone.now() - timedelta(days=400)
    Order.objects.bulk_create(
        Order(
            connection=connection,
            merchant=connection.merchant,
            external_id=str(n),
            number=f"ORD-{n:05d}",
            status="accepted",
            customer_name="Zanzibar Quint" if n >= 2_850 else f"Ada Lovelace {n}",
            updated_at=start + timedelta(minutes=n),
        )
        for n in range(3_000)
    )
    with db.cursor() as cursor:
        cursor.execute('ANALYZE "orders_order"')
    params = {"search": "zanzibar", "updated_since": start.isoformat(), "page_size": 100}
    (ids_query,) = [sql for sql in feed_queries(api, params) if sql.startswith("WITH found AS MATERIALIZED")]
    plan = plan_of(ids_query)
    assert re.search(r"CTE found\n\s+->  Sort ", plan), plan  # every match read, then sorted
    body = api.get(ORDERS, params).json()
    assert [row["number"] for row in body["results"]] == [f"ORD-{n:05d}" for n in range(2_850, 2_950)]
    Order.objects.filter(connection=connection).delete()
    with db.cursor() as cursor:
        cursor.execute('ANALYZE "orders_order"')
