"""Export CSV on the order list: the list's filters, streamed, the merchant's own, never a formula."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from orders import export as export_module
from orders.export import safe_cell
from tests.api.conftest import make_order
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def export(client, **params):
    response = client.get(reverse("orders:export"), params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_list_links_to_the_export_with_its_filters(member_client, connection):
    page = member_client.get(reverse("orders:list"), {"status": "pending", "q": "Ada"}).content.decode()
    assert f'href="{reverse("orders:export")}?status=pending&amp;q=Ada"' in page and "Export CSV" in page
    assert f'href="{reverse("orders:export")}"' in member_client.get(reverse("orders:list")).content.decode()


def test_the_export_holds_every_order_with_its_columns(member_client, merchant, connection):
    merchant.timezone = "Europe/London"
    merchant.save()
    placed = datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("UTC"))
    order = make_order(
        connection,
        7,
        number="N-7",
        customer_name='Zoë Ünïcode, "Quoted"\nNewline',
        total=Decimal("-3.50"),
        placed_at=placed,
    )
    rows = export(member_client)
    assert rows[0][:3] == ["Order", "Placed (Europe/London)", "Customer"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Order"] == "N-7"
    assert row["Placed (Europe/London)"] == "2026-07-01 10:30"  # the merchant's time, like the list
    assert row["Customer"] == 'Zoë Ünïcode, "Quoted"\nNewline'
    assert row["Connection"] == str(connection) and row["Status"] == "Accepted"
    assert row["Total"] == "-3.50" and row["Currency"] == "GBP"  # our own numbers are left as numbers
    assert row["Portal ID"] == str(order.pk) and row["Platform order ID"] == "7"


def test_the_export_uses_the_lists_filters_and_order(member_client, merchant, connection):
    second = ConnectionFactory(merchant=merchant, name="second")
    a = make_order(connection, 1, customer_name="Ada Lovelace", status="pending", platform_status="placed")
    b = make_order(connection, 2, status="accepted")
    c = make_order(second, 3, status="pending", platform_status="placed")

    def numbers(**params):
        return [row[0] for row in export(member_client, **params)[1:]]

    assert numbers() == [a.number, b.number, c.number]  # newest placed first, as on the list
    assert numbers(status="placed") == [a.number, c.number]  # the platform's words for its state
    assert numbers(connection=second.pk) == [c.number]
    assert numbers(q="lovelace") == [a.number]
    assert numbers(q="lovelace", status="accepted") == []


def test_the_export_is_the_merchants_own(member_client, other_merchant, connection):
    mine = make_order(connection, 1)
    theirs_connection = ConnectionFactory(merchant=other_merchant, name="their-private-shop")
    make_order(theirs_connection, 2, number="THEIR-ORDER", customer_name="Their Customer")
    rows = export(member_client)
    assert [row[0] for row in rows[1:]] == [mine.number]
    # Filtering by their connection shows nothing of theirs (the form refuses it, as on the list).
    rows = export(member_client, connection=theirs_connection.pk)
    assert "THEIR-ORDER" not in str(rows) and "their-private-shop" not in str(rows)


def test_the_export_is_for_signed_in_members(client, admin_client):
    response = client.get(reverse("orders:export"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert admin_client.get(reverse("orders:export")).status_code == 403


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_cells_a_spreadsheet_would_run_are_quoted(member_client, connection, payload):
    ConnectionFactory(merchant=connection.merchant, name="=cmd|' /C calc'!A0")
    make_order(connection, 1, number=payload, customer_name=payload, customer_email=payload, platform_status=payload)
    row = export(member_client)[1]
    assert row[0] == row[2] == row[3] == row[6] == "'" + payload
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_safe_cell_leaves_ordinary_text_alone():
    assert safe_cell("Ada") == "Ada" and safe_cell("") == "" and safe_cell("a=b") == "a=b"
    assert safe_cell("=1") == "'=1"


def test_the_export_streams_in_pieces_not_one_list(
    member_client, connection, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(export_module, "CHUNK", 10)
    monkeypatch.setattr(export_module, "BLOCK", 500)
    for n in range(35):
        make_order(connection, n)
    response = member_client.get(reverse("orders:export"))
    pieces = iter(response.streaming_content)
    head = next(pieces).decode("utf-8-sig")  # the byte-order mark and the header, before any order is read
    assert head.startswith("Order,") and head.count("\n") == 1
    with django_assert_max_num_queries(5):  # the orders in four chunks of 10, not one query each
        rest = list(pieces)
    # Whole lines a piece, each piece a little over BLOCK but the last: neither a line each nor all at once.
    assert 3 <= len(rest) < 35
    assert all(piece.endswith(b"\r\n") for piece in rest)
    assert all(500 <= len(piece) < 500 + 200 for piece in rest[:-1])
    lines = list(csv.reader(io.StringIO(b"".join(rest).decode())))
    assert len(lines) == 35 and len({line[-1] for line in lines}) == 35
