"""NOTHS's codes reach the merchant as words, and its times as moments the pages show in their style."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connections.platforms.notes import is_time
from connections.platforms.noths.orders import normalize_order
from connections.platforms.noths.words import DELIVERY_SERVICES, ENQUIRY_STATES

ORDER = json.loads((Path(__file__).parent.parent / "fixtures" / "order.json").read_text())


def order(**changes):
    return normalize_order({**copy.deepcopy(ORDER), **changes})


def test_the_time_to_accept_by_is_a_moment_not_a_utc_string():
    accept_by = next(note for note in order().notes if note[0] == "Accept by")
    assert is_time(accept_by) and datetime.fromisoformat(accept_by[1]) == datetime(2026, 11, 22, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize("state", list(ENQUIRY_STATES))
def test_an_enquirys_state_is_in_words(state):
    notes = dict(note for note in order(enquiry={"id": 1, "state": state}).notes if not is_time(note))
    assert notes["Customer enquiry"] == ENQUIRY_STATES[state]


@pytest.mark.parametrize("code", list(DELIVERY_SERVICES))
def test_a_delivery_service_sent_without_a_name_is_in_words(code):
    notes = dict(note for note in order(delivery_service={"code": code}).notes if not is_time(note))
    assert notes["Delivery service"] == DELIVERY_SERVICES[code] != code
