"""Shopify's codes reach the merchant as words: why an order was cancelled, where its payment stands."""

import pytest

from connections.platforms.shopify.orders import _notes
from connections.platforms.shopify.words import CANCEL_REASONS


@pytest.mark.parametrize("reason", [*CANCEL_REASONS, "SOMETHING_NEW"])
def test_a_cancellation_reason_is_in_words(reason):
    notes = dict(_notes({"cancelled_at": "2026-11-20T09:00:00Z", "cancel_reason": reason}, hidden=False))
    assert notes["Cancelled"] == CANCEL_REASONS.get(reason, "Another reason")


def test_the_payment_state_is_in_words():
    assert dict(_notes({"financial_status": "partially_refunded"}, hidden=False))["Payment"] == "Partially refunded"
