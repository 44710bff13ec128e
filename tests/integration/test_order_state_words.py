"""Every platform's order states reach the merchant in that platform's words, with a coloured badge.

Walks the registry: a platform added later is held to the same rules without a line here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from connections.models import Connection
from connections.platforms import registry
from connections.platforms.states import Tone
from tests.api.conftest import make_order

CSS = (Path(settings.BASE_DIR) / "static" / "portal.css").read_text()
PLATFORMS = [pytest.param(p, id=p.key) for p in registry.all_platforms()]


def a_connection(merchant, platform, name="shop") -> Connection:
    return Connection.objects.create(
        merchant=merchant, platform=platform.key, name=name, status=Connection.Status.CONNECTED
    )


def badge(page: str) -> re.Match:
    found = re.search(r'<span class="status tone-(\w+)"[^>]*>([^<]+)</span>', page)
    assert found, "no state badge on the page"
    return found


@pytest.mark.parametrize("tone", list(Tone))
def test_every_tone_has_a_badge_colour(tone):
    rule = re.search(rf"\.tone-{tone.value}\s*\{{([^}}]*)\}}", CSS)
    assert rule and "background" in rule.group(1) and "color" in rule.group(1)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_declared_state_has_words_a_tone_and_a_canonical_status(platform):
    assert platform.states, f"{platform.name} declares no states"
    for state in platform.states:
        assert state.words and state.words != state.code and not re.fullmatch(r"[A-Z_]+|[a-z_]+", state.words)
        assert isinstance(state.tone, Tone)
    assert [code for code, _ in platform.statuses] == [state.code for state in platform.states]
    assert set(platform.default_import_statuses) <= {state.code for state in platform.states}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_no_state_renders_raw_or_uncoloured(member_client, merchant, platform):
    connection = a_connection(merchant, platform)
    for n, state in enumerate(platform.states):
        order = make_order(connection, n, status=state.status.value, platform_status=state.code)
        for page in (
            member_client.get(reverse("orders:detail", args=[order.pk])).content.decode(),
            member_client.get(reverse("orders:list"), {"q": order.number}).content.decode(),
        ):
            tone, words = badge(page).groups()
            assert (tone, words) == (state.tone.value, state.words)
            assert f"<code>{state.code}</code>" not in page and f">{state.code}<" not in page


def test_a_state_the_platform_never_declared_is_said_as_such(member_client, merchant):
    platform = registry.all_platforms()[0]
    order = make_order(a_connection(merchant, platform), 1, status="unknown", platform_status="WEIRD_NEW_STATE")
    page = member_client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert badge(page).groups() == ("problem", "State not recognised")
    assert "WEIRD_NEW_STATE" not in page


def test_the_status_filter_offers_the_states_of_the_merchants_platforms_once_each(member_client, merchant):
    mine, other = registry.get("noths"), registry.get("partner")
    absent = [p for p in registry.all_platforms() if p.key not in (mine.key, other.key)]
    first, second = a_connection(merchant, mine, "gifts"), a_connection(merchant, other, "grocer")
    accepted = [make_order(first, 1, platform_status="accepted"), make_order(second, 2, platform_status="ACCEPTED")]
    make_order(first, 3, status="pending", platform_status="placed")
    make_order(second, 4, status="ready", platform_status="READY_FOR_PICKUP")

    form = member_client.get(reverse("orders:list")).context["form"]
    offered = [words for value, words in form.fields["status"].choices if value]
    assert len(offered) == len(set(offered))  # "Accepted", "Dispatched", "Cancelled": one option each
    assert set(offered) == {s.words for s in mine.states} | {s.words for s in other.states}
    only_absent = {s.words for p in absent for s in p.states} - {s.words for s in (*mine.states, *other.states)}
    assert only_absent and not only_absent & set(offered)  # "Approved", "Unfulfilled": no connection has them

    listed = member_client.get(reverse("orders:list"), {"status": "accepted"}).context["page"]
    assert {o.pk for o in listed.object_list} == {o.pk for o in accepted}
    ready = member_client.get(reverse("orders:list"), {"status": "ready-for-pickup"}).context["page"]
    assert [o.platform_status for o in ready.object_list] == ["READY_FOR_PICKUP"]


def test_a_connections_settings_list_the_states_it_imports_in_words(member_client, merchant):
    platform = registry.get("partner")
    connection = a_connection(merchant, platform)
    connection.import_statuses = ["RECEIVED", "READY_FOR_PICKUP"]
    connection.save()
    page = member_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert "Received (to pick), Ready for pickup" in page
    assert "READY_FOR_PICKUP" not in page
