"""Partner API order documents for tests that need no sandbox (webhook bodies, GET answers)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from connections.platforms.partner.tests.fixtures import PARTNER_CHAIN_ID

BASE_TIME = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def stamp(minutes: float = 0) -> str:
    """A platform timestamp `minutes` after BASE_TIME, as the Partner API writes it."""
    moment = BASE_TIME + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def partner_order(
    order_id: str | None = None,
    status: str = "RECEIVED",
    *,
    updated: float = 0,
    transport_type: str = "LOGISTICS_DELIVERY",
    cancellation: dict | None = None,
    code: str = "fp-1001",
    store_id: str = "v-1",
) -> dict:
    return {
        "order_id": order_id or str(uuid.uuid4()),
        "external_order_id": f"EXT-{code}",
        "order_code": code,
        "status": status,
        "transport_type": transport_type,
        "order_type": "DELIVERY",
        "client": {
            "id": "c0ffee00-0000-4000-8000-000000000001",
            "chain_id": PARTNER_CHAIN_ID,
            "name": "Corner Grocer",
            "country_code": "SG",
            "store_id": store_id,
        },
        "customer": {
            "_id": "cust-1",
            "first_name": "Ana",
            "last_name": "Lim",
            "phone_number": "+6590000000",
            "delivery_address": {"street": "Orchard Rd", "number": "1", "city": "Singapore", "zipcode": "238801"},
        },
        "comment": "Ring twice",
        "items": [
            {
                "_id": "item-1",
                "sku": "MILK-1L",
                "barcode": ["8880001"],
                "name": "Fresh milk 1 l",
                "status": "NOT_PROCESSED",
                "pricing": {"pricing_type": "UNIT", "unit_price": 3.2, "total_price": 6.4, "quantity": 2},
            },
            {
                "_id": "item-2",
                "sku": "BANANA",
                "name": "Bananas",
                "status": "NOT_PROCESSED",
                "pricing": {"pricing_type": "KG", "unit_price": 4.0, "total_price": 2.0, "quantity": 1, "weight": 0.5},
            },
        ],
        "payment": {"sub_total": 8.4, "order_total": 11.4, "delivery_fee": 3.0, "discount": 0, "type": "PAID"},
        "cancellation": cancellation,
        "sys": {"created_at": stamp(0), "updated_at": stamp(updated), "created_by": "system"},
        "promised_for": stamp(45),
        "isPreorder": False,
    }
