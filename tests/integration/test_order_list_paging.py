"""The merchant order list pages by key (orders/paging.py): every order once, at any depth, for a constant cost."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from itertools import chain

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connections.platforms import registry
from orders import paging, search, views
from tests.api.conftest import make_order
from tests.integration.test_order_search import LIST, LOOK, READ, listed
from tests.integration.test_order_state_words import a_connection


def links(body: str) -> dict[str, str]:
    """The pager's links, by their words: {"Older": "?after=...", ...}."""
    pager = re.search(r'<nav class="pager".*?</nav>', body, re.S)
    if not pager:
        return {}
    found = re.findall(r'<a href="([^"]*)"[^>]*>[«←\s]*([A-Za-z]+)', pager.group(0))
    return {words: unescape(href) for href, words in found}


def flat(pages) -> list[str]:
    return list(chain.from_iterable(pages))


def the_list_order(orders) -> list[str]:
    """Newest first, ties by id, orders without a placing time last."""
    dated = sorted((o for o in orders if o.placed_at), key=lambda o: (o.placed_at, o.pk), reverse=True)
    undated = sorted((o for o in orders if not o.placed_at), key=lambda o: o.pk, reverse=True)
    return [o.number for o in dated + undated]


@pytest.fixture
def shop(merchant):
    return a_connection(merchant, registry.get("noths"))


@pytest.fixture
def tied(shop):
    """57 orders over three instants (ties across every page boundary) and 4 with no placing time."""
    moments = [timezone.now() - timedelta(days=d) for d in (1, 2, 3)]
    orders = [make_order(shop, n, placed_at=moments[n % 3]) for n in range(57)]
    orders += [make_order(shop, 100 + n, placed_at=None) for n in range(4)]
    return orders


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(paging, "PAGE_SIZE", 10)


def walk(client, start: str, direction: str, query: dict | None = None) -> tuple[list[list[str]], list[str]]:
    """Follow `direction` ("Older" or "Newer") links from `start`; each page's numbers and the hrefs."""
    pages, hrefs, href = [], [], start
    while href is not None:
        response = client.get(LIST + href, query or {})
        assert response.status_code == 200
        body = response.content.decode()
        pages.append(listed(body))
        hrefs.append(href)
        href = links(body).get(direction)
        assert len(pages) < 50, "the walk does not end"
    return pages, hrefs


def test_older_links_walk_every_order_once_in_order_through_ties_and_undated(member_client, tied, small_pages):
    pages, _ = walk(member_client, "?", "Older")
    assert [len(p) for p in pages] == [10] * 6 + [1]
    assert flat(pages) == the_list_order(tied)


def test_newer_links_walk_back_from_the_oldest_page(member_client, tied, small_pages):
    pages, _ = walk(member_client, f"?before={paging.END}", "Newer")
    order = the_list_order(tied)
    assert pages[0] == order[-10:]  # the oldest page is full: the last ten orders
    below_top = flat(reversed(pages[:-1]))
    assert below_top == order[-len(below_top) :]  # consecutive, no order twice, none skipped
    # The top page is the newest page, full: a short page at the top reads the newest page instead.
    assert pages[-1] == order[:10] and set(pages[-1]) | set(below_top) == set(order)


def test_the_newest_and_oldest_pages_link_to_what_is_there(member_client, tied, small_pages):
    first = member_client.get(LIST).content.decode()
    assert set(links(first)) == {"Older", "Oldest"}
    last = member_client.get(LIST, {"before": paging.END}).content.decode()
    assert set(links(last)) == {"Newest", "Newer"}
    middle = member_client.get(LIST + links(first)["Older"]).content.decode()
    assert set(links(middle)) == {"Newest", "Newer", "Older", "Oldest"}
    assert "61 orders" in first  # counted: more than one page


def test_filters_and_search_stay_in_the_links(member_client, shop, small_pages):
    for n in range(25):
        make_order(shop, n, customer_name=f"Ada Lovelace {n}" if n % 2 else f"Grace Hopper {n}")
    query = {"q": "lovelace", "status": "accepted", "connection": str(shop.pk)}
    pages, hrefs = walk(member_client, "?" + "&".join(f"{k}={v}" for k, v in query.items()), "Older")
    assert [len(p) for p in pages] == [10, 2]
    assert all(int(n.split("-")[1]) % 2 for n in flat(pages))
    for href in hrefs[1:]:
        assert "q=lovelace" in href and "status=accepted" in href and f"connection={shop.pk}" in href


@pytest.mark.parametrize("look_first", [3, 40, 20_000])
def test_a_search_walks_its_matches_in_order_both_ways(member_client, shop, small_pages, monkeypatch, look_first):
    """Whether a page's matches are found among the newest orders first (orders/search.py, `first_matches`)
    or not (3: never; 40: page 1 is, the rest partly; 20,000: the whole list is looked through)."""
    monkeypatch.setattr(search, "LOOK_FIRST", look_first)
    orders = [
        make_order(shop, n, customer_name="Ada Lovelace" if n % 3 == 0 or n > 40 else "Grace Hopper") for n in range(50)
    ]
    orders += [make_order(shop, 100 + n, customer_name="Ada Lovelace", placed_at=None) for n in range(3)]
    expected = the_list_order([o for o in orders if "Lovelace" in o.customer_name])
    assert len(expected) == 26
    pages, _ = walk(member_client, "?q=lovelace", "Older")
    assert flat(pages) == expected
    pages, _ = walk(member_client, f"?q=lovelace&before={paging.END}", "Newer")
    below_top = flat(reversed(pages[:-1]))
    assert below_top == expected[-len(below_top) :] and pages[-1] == expected[:10]


def test_a_search_within_a_state_of_two_codes_reads_them_one_at_a_time_in_order(member_client, merchant, small_pages):
    """ "Accepted" is `accepted` on NOTHS and `ACCEPTED` on the Partner API: a search within it reads each
    code's orders on their own, in the list's order, and merges them (orders/paging.py, `_merged_ids`)."""
    noths, partner = (a_connection(merchant, registry.get(key), key) for key in ("noths", "partner"))
    orders = [
        make_order(
            noths if n % 2 else partner,
            n,
            platform_status=("placed" if n % 5 == 0 else "accepted" if n % 2 else "ACCEPTED"),
            customer_name="Ada Lovelace" if n % 3 else "Grace Hopper",
        )
        for n in range(60)
    ]
    orders += [make_order(partner, 100 + n, platform_status="ACCEPTED", placed_at=None) for n in range(3)]
    expected = the_list_order(
        [o for o in orders if "Lovelace" in o.customer_name and o.platform_status in ("accepted", "ACCEPTED")]
    )
    assert len(expected) == 32
    query = "?q=lovelace&status=accepted"
    pages, _ = walk(member_client, query, "Older")
    assert flat(pages) == expected
    pages, _ = walk(member_client, f"{query}&before={paging.END}", "Newer")
    below_top = flat(reversed(pages[:-1]))
    assert below_top == expected[-len(below_top) :] and pages[-1] == expected[:10]
    with CaptureQueriesContext(db) as ctx:
        member_client.get(LIST + query)
    by_code = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith((LOOK, *READ))]
    codes = [re.findall(r""""platform_status" = '(\w+)'""", sql) for sql in by_code]
    assert sorted(codes) == [["ACCEPTED"], ["accepted"]], by_code  # the page is all dated orders
    # Each code is the whole condition: the state's IN beside it would be counted twice by PostgreSQL.
    assert not any('"platform_status" IN' in sql for sql in by_code), by_code


def test_a_search_whose_newest_orders_match_reads_no_further_than_its_first_look(
    member_client, shop, small_pages, monkeypatch
):
    """Matches among the newest orders are read by the first look alone; too few there, and the list is
    searched as a whole after it. Either way the page is the newest matches."""
    monkeypatch.setattr(search, "LOOK_FIRST", 20)
    orders = [make_order(shop, n, customer_name="Ada Lovelace" if n < 15 else "Grace Hopper") for n in range(40)]

    def searched(term: str, **filters) -> tuple[list[str], int, int]:
        """The page, its first looks, and its searches of the whole list (ids queries)."""
        with CaptureQueriesContext(db) as ctx:
            body = member_client.get(LIST, {"q": term, **filters}).content.decode()
        sqls = [q["sql"] for q in ctx.captured_queries]
        return listed(body), sum(sql.startswith(LOOK) for sql in sqls), sum(sql.startswith(READ) for sql in sqls)

    def newest(name: str) -> list[str]:
        return the_list_order([o for o in orders if name in o.customer_name])[:10]

    assert searched("lovelace") == (newest("Lovelace"), 1, 0)  # 15 in the newest 20: the first look's
    assert searched("hopper") == (newest("Hopper"), 1, 1)  # 5 in the newest 20: then the whole list
    # Within a state too: the look walks that state's orders in the list's order.
    assert searched("lovelace", status="accepted") == (newest("Lovelace"), 1, 0)


def test_a_key_that_does_not_parse_reads_as_the_newest_page(member_client, tied, small_pages):
    for bad in ("nonsense", "2026-13-01T00:00:00+00:00_5", "2026-01-01T00:00:00_5", "_x"):
        body = member_client.get(LIST, {"after": bad}).content.decode()
        assert listed(body) == the_list_order(tied)[:10]


def test_old_page_links_read_by_offset_near_the_start_and_the_newest_page_deeper(member_client, tied, small_pages):
    order = the_list_order(tied)
    assert listed(member_client.get(LIST, {"page": "3"}).content.decode()) == order[20:30]
    assert listed(member_client.get(LIST, {"page": "999"}).content.decode()) == order[:10]


def test_a_key_past_the_end_shows_the_oldest_page(member_client, tied, small_pages):
    body = member_client.get(LIST, {"after": paging.Key(None, 1).encode()}).content.decode()
    assert listed(body) == the_list_order(tied)[-10:]


def test_a_large_list_says_how_many_up_to_the_cap(member_client, tied, small_pages, monkeypatch):
    monkeypatch.setattr(views, "COUNT_CAP", 20)
    assert "20+ orders" in member_client.get(LIST).content.decode()
    assert "20+ orders" in member_client.get(LIST, {"status": "accepted"}).content.decode()
    monkeypatch.setattr(views, "CONNECTION_COUNT_CAP", 15)
    assert "15+ orders" in member_client.get(LIST, {"connection": tied[0].connection_id}).content.decode()
    # A search says how many only when one page holds them all.
    assert "10+ orders" in member_client.get(LIST, {"q": "customer"}).content.decode()
    assert "8 orders" in member_client.get(LIST, {"q": "customer 5"}).content.decode()  # 5, 50-56


def queries(client, params) -> int:
    with CaptureQueriesContext(db) as ctx:
        assert client.get(LIST, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"before": paging.END}, {"q": "customer"}, {"status": "accepted"}, {"page": "2"}],
    ids=["newest", "oldest", "search", "state", "old-page-link"],
)
def test_a_page_costs_the_same_queries_for_3_orders_and_for_30(member_client, merchant, small_pages, params):
    shops = [a_connection(merchant, registry.get(key), key) for key in ("noths", "partner")]
    for n in range(3):
        make_order(shops[n % 2], n)
    queries(member_client, params)  # warm the session and the caches
    few = queries(member_client, params)
    for n in range(3, 30):
        make_order(shops[n % 2], n, placed_at=None if n % 7 == 0 else timezone.now() - timedelta(hours=n))
    assert queries(member_client, params) <= few + 1  # + the count, once there is more than one page
    deep = member_client.get(LIST, params).content.decode()
    if older := links(deep).get("Older"):
        assert queries(member_client, dict(params, after=re.search(r"after=([^&]+)", older).group(1))) <= few + 1


def test_the_list_never_reads_the_raw_payload(member_client, shop):
    make_order(shop, 1, raw={"secret": "x" * 100})
    with CaptureQueriesContext(db) as ctx:
        member_client.get(LIST)
    listing = [q["sql"] for q in ctx.captured_queries if 'FROM "orders_order"' in q["sql"]]
    assert listing and not any('"orders_order"."raw"' in sql for sql in listing)


def test_keys_round_trip():
    moment = timezone.now()
    assert paging.Key.decode(paging.Key(moment, 5).encode()) == paging.Key(moment, 5)
    assert paging.Key.decode(paging.Key(None, 7).encode()) == paging.Key(None, 7)


def test_a_two_code_search_merges_a_code_its_first_look_found_with_one_it_did_not(
    member_client, merchant, small_pages, monkeypatch
):
    """One code's matches are among its newest orders (its first look finds the page), the other's are old
    (its rows come from the read of every match): both kinds of rows merge in the list's order."""
    monkeypatch.setattr(search, "LOOK_FIRST", 15)
    noths, partner = (a_connection(merchant, registry.get(key), key) for key in ("noths", "partner"))
    orders = [make_order(noths, n, platform_status="accepted", customer_name="Ada Lovelace") for n in range(20)]
    orders += [
        make_order(partner, 100 + n, platform_status="ACCEPTED", customer_name="Ada Lovelace" if n >= 20 else "Grace")
        for n in range(25)
    ]
    expected = the_list_order([o for o in orders if "Lovelace" in o.customer_name])
    pages, _ = walk(member_client, "?q=lovelace&status=accepted", "Older")
    assert flat(pages) == expected
