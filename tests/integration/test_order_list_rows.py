"""A row of the order list (orders/templatetags/order_rows.py): what it says, escaped, in the merchant's
time, and where its link goes; and the state badge, kept per state (orders/templatetags/order_states.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urljoin

import pytest
from django.urls import reverse
from django.utils.html import escape

from connections.platforms import registry
from orders.templatetags.order_states import state_badge
from tests.api.conftest import make_order
from tests.integration.test_order_state_words import a_connection

LIST = reverse("orders:list")


def test_a_row_says_the_order_in_the_merchants_time_and_links_to_its_page(member_client, merchant):
    merchant.timezone = "Asia/Singapore"
    merchant.save()
    shop = a_connection(merchant, registry.get("noths"), name="Orchard & <Co>")
    order = make_order(
        shop,
        1,
        number="NO-<7>",
        customer_name='Ann "<b>" Lee',
        total=Decimal("1234.50"),
        currency="EUR",
        placed_at=datetime(2026, 11, 20, 9, 45, tzinfo=UTC),
    )
    make_order(shop, 2, number="NO-8", placed_at=None)

    body = member_client.get(LIST).content.decode()
    rows = re.findall(r"<tr><td>.*?</tr>", body, re.S)
    assert len(rows) == 2
    badge = state_badge(order.state)
    assert rows[0] == (
        f'<tr><td><a href="{order.pk}/">NO-&lt;7&gt;</a></td><td>20 Nov 2026, 17:45</td>'  # 09:45 UTC in Singapore
        f"<td>Ann &quot;&lt;b&gt;&quot; Lee</td><td>{escape(str(shop))}</td><td>{badge}</td>"
        '<td class="num">1234.50 EUR</td></tr>'
    )
    assert "<td>NO-8</td>" not in rows[1] and "</a></td><td></td>" in rows[1]  # not placed: no time, no "None"

    link = re.search(r'href="([^"]+)"', rows[0]).group(1)
    page = member_client.get(urljoin(LIST, link))
    assert page.status_code == 200
    assert "<h1>Order NO-&lt;7&gt;" in page.content.decode()


@pytest.mark.parametrize("platform", [pytest.param(p, id=p.key) for p in registry.all_platforms()])
def test_a_kept_badge_is_the_one_rendered_afresh(settings, platform):
    for state in (*platform.states, platform.state("NEVER_DECLARED")):
        settings.DEBUG = False
        kept = state_badge(state)
        settings.DEBUG = True
        fresh = state_badge(state)
        assert kept == fresh
        assert kept.startswith(f'<span class="status tone-{state.tone.value}"') and kept.endswith(
            f">{escape(state.words)}</span>\n"
        )
