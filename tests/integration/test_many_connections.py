"""A merchant with many connections (a chain's outlets): Order downloads and Manage Connection show
them a page at a time, by name, with a name filter; the order list's filter still offers them all."""

import re

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from connections.views import CONNECTIONS_PER_PAGE
from tests.factories import ConnectionFactory

PAGES = ("connections:downloads", "connections:manage")


def outlets(merchant, count: int, start: int = 0) -> list:
    return [ConnectionFactory(merchant=merchant, name=f"Outlet {n:03d}") for n in range(start, start + count)]


def listed(body: str) -> list[str]:
    """The connection names the page's table links to, in order."""
    return re.findall(r'<a href="/connections/\d+/">(?:NOTHS · )?(Outlet \d+)</a>', body)


@pytest.mark.parametrize("page", PAGES)
def test_a_page_shows_its_share_by_name_and_the_next_the_rest(member_client, merchant, page):
    outlets(merchant, CONNECTIONS_PER_PAGE + 5)
    first = member_client.get(reverse(page)).content.decode()
    assert listed(first) == [f"Outlet {n:03d}" for n in range(CONNECTIONS_PER_PAGE)]
    assert 'href="?page=2" rel="next"' in first
    assert f"{CONNECTIONS_PER_PAGE + 5} connections" in first
    second = member_client.get(reverse(page), {"page": 2}).content.decode()
    assert listed(second) == [f"Outlet {n:03d}" for n in range(CONNECTIONS_PER_PAGE, CONNECTIONS_PER_PAGE + 5)]
    assert 'rel="prev"' in second and 'rel="next"' not in second


@pytest.mark.parametrize("page", PAGES)
def test_one_page_of_connections_has_no_pager_and_no_filter(member_client, merchant, page):
    outlets(merchant, 3)
    body = member_client.get(reverse(page)).content.decode()
    assert len(listed(body)) == 3
    assert 'class="pager"' not in body and 'name="q"' not in body


@pytest.mark.parametrize("page", PAGES)
def test_the_filter_finds_by_part_of_the_name_and_its_links_keep_it(member_client, merchant, page):
    outlets(merchant, 60)
    body = member_client.get(reverse(page), {"q": "outlet 0"}).content.decode()
    assert listed(body) == [f"Outlet {n:03d}" for n in range(CONNECTIONS_PER_PAGE)]
    assert 'href="?q=outlet+0&page=2"' in body
    assert "60 connections match" in body
    nothing = member_client.get(reverse(page), {"q": "Kiosk"}).content.decode()
    assert listed(nothing) == [] and "No connection's name holds “Kiosk”." in nothing


@pytest.mark.parametrize("page", PAGES)
def test_another_merchants_connections_are_never_listed_or_counted(member_client, merchant, other_merchant, page):
    outlets(merchant, CONNECTIONS_PER_PAGE + 1)
    outlets(other_merchant, 10, start=500)
    body = member_client.get(reverse(page), {"q": "Outlet"}).content.decode()
    second = member_client.get(reverse(page), {"q": "Outlet", "page": 2}).content.decode()
    assert "Outlet 5" not in body + second
    assert f"{CONNECTIONS_PER_PAGE + 1} connections match" in body


@pytest.mark.parametrize("page", PAGES)
def test_a_page_past_the_end_or_not_a_number_shows_a_page_that_exists(member_client, merchant, page):
    outlets(merchant, CONNECTIONS_PER_PAGE + 1)
    assert listed(member_client.get(reverse(page), {"page": 99}).content.decode()) == ["Outlet 025"]
    assert len(listed(member_client.get(reverse(page), {"page": "x"}).content.decode())) == CONNECTIONS_PER_PAGE


@pytest.mark.parametrize("page", PAGES)
def test_the_queries_of_a_page_do_not_grow_with_the_connections(member_client, merchant, page):
    outlets(merchant, CONNECTIONS_PER_PAGE)
    member_client.get(reverse(page))
    with CaptureQueriesContext(db) as few:
        member_client.get(reverse(page))
    outlets(merchant, 3 * CONNECTIONS_PER_PAGE, start=CONNECTIONS_PER_PAGE)
    member_client.get(reverse(page))
    with CaptureQueriesContext(db) as many:
        body = member_client.get(reverse(page)).content.decode()
    assert len(listed(body)) == CONNECTIONS_PER_PAGE
    assert len(many) <= len(few) + 1  # the count behind the pager


def test_fetch_orders_comes_back_to_the_same_page(member_client, merchant):
    outlets(merchant, CONNECTIONS_PER_PAGE + 1)
    body = member_client.get(reverse("connections:downloads"), {"q": "Outlet", "page": 2}).content.decode()
    assert '<input type="hidden" name="next" value="/downloads/?q=Outlet&amp;page=2">' in body


def test_the_order_list_offers_every_connection_in_its_filter(member_client, merchant):
    chain = outlets(merchant, CONNECTIONS_PER_PAGE * 2)
    chosen = chain[-1]
    body = member_client.get(reverse("orders:list"), {"connection": chosen.pk}).content.decode()
    select = re.search(r'<select name="connection"[^>]*>(.*?)</select>', body, flags=re.S).group(1)
    assert len(re.findall(r"<option ", select)) == len(chain) + 1  # and "All connections"
    assert f'<option value="{chosen.pk}" selected>NOTHS · Outlet 049</option>' in select


def test_add_connection_offers_every_store_reading_only_what_it_shows(member_client, merchant):
    chain = outlets(merchant, 30)
    with CaptureQueriesContext(db) as queries:
        body = member_client.get(reverse("connections:wizard")).content.decode()
    select = re.search(r'<select name="existing"[^>]*>(.*?)</select>', body, flags=re.S).group(1)
    assert len(re.findall(r"<option ", select)) == len(chain) + 1  # and the empty choice
    whole_rows = [q["sql"] for q in queries if '"connections_connection"."account_facts"' in q["sql"]]
    assert whole_rows == []
