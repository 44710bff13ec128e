"""Fake Partner API data: chains and their credentials, grocery orders, the platform's own moves, the demo.

Plain functions, so tests, management commands and the control pages share them.
Everything is invented: a Singapore quick-commerce catalogue (unit and weighed items),
customers and addresses. The order documents follow partner_api.md §4: the full order,
timestamps in UTC with milliseconds and a Z, money as JSON numbers to the cent.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from sandbox.models import FAULTS_OFF, SandboxAccount
from sandbox.values import dump_json, iso_ms, to_ms

from . import webhooks as partner_webhooks
from .models import (
    LOGISTICS_DELIVERY,
    PARTNER_PICKING,
    PARTNER_STATUSES,
    PELICAN,
    VENDOR_DELIVERY,
    SandboxPartnerChain,
    SandboxPartnerOrder,
    SandboxPartnerVendor,
)
from .orders import ACCEPTED, CANCELLED, payment, save_change

BATCH_SIZE = 1000
SYSTEM = "SYSTEM"  # sys.created_by / updated_by for the platform's own changes
PARTNER_MIX = ("RECEIVED", "READY_FOR_PICKUP", "DISPATCHED", "DISPATCHED", "DISPATCHED", "CANCELLED")
PELICAN_MIX = ("READY_FOR_PICKUP", "picked_up", "picked_up", "picked_up", "CANCELLED")
TRANSPORT_MIX = (LOGISTICS_DELIVERY, LOGISTICS_DELIVERY, LOGISTICS_DELIVERY, VENDOR_DELIVERY)
# Item statuses are set by picking: before it, nothing is processed; after it, items are in the cart.
PICKED = frozenset({"READY_FOR_PICKUP", "DISPATCHED", "picked_up"})
# What the sandbox's own cancellations say (the PUT's reasons are in partner_orders.CANCEL_REASONS).
CUSTOMER_CANCELLATION = {"reason": "CUSTOMER_CANCELLED", "cancelled_by": "CUSTOMER"}
VENDOR_CANCELLATION = {"reason": "ITEM_UNAVAILABLE", "cancelled_by": "VENDOR"}
CANCELLED_BY = ("VENDOR", "CUSTOMER", "LOGISTICS", "PLATFORM")
LOWER_ALNUM = string.ascii_lowercase + string.digits

# fmt: off
# (sku, name, price, pricing_type, weight in kg of a typical line or None, VAT %)
CATALOGUE = (
    ("MILK-FRESH-1L", "Fresh Milk 1 L", 3.45, "UNIT", None, 9),
    ("EGGS-FR-10", "Free-range Eggs, 10", 4.95, "UNIT", None, 9),
    ("BREAD-WHOLEMEAL", "Wholemeal Bread 600 g", 3.10, "UNIT", None, 9),
    ("RICE-JASMINE-5KG", "Jasmine Rice 5 kg", 14.90, "UNIT", None, 9),
    ("YOG-GREEK-500", "Greek Yoghurt 500 g", 5.80, "UNIT", None, 9),
    ("CHEESE-CHED-250", "Mature Cheddar 250 g", 7.25, "UNIT", None, 9),
    ("PASTA-SPAG-500", "Spaghetti 500 g", 2.35, "UNIT", None, 9),
    ("OJ-1L", "Orange Juice, not from concentrate, 1 L", 5.15, "UNIT", None, 9),
    ("WATER-6X1500", "Mineral Water 6 × 1.5 L", 6.60, "UNIT", None, 9),
    ("COFFEE-BEANS-250", "Coffee Beans, medium roast, 250 g", 11.90, "UNIT", None, 9),
    ("TEA-GREEN-20", "Green Tea, 20 bags", 3.95, "UNIT", None, 9),
    ("NOODLE-INST-5", "Instant Noodles, 5-pack", 3.60, "UNIT", None, 9),
    ("CHOC-DARK-100", "Dark Chocolate 70 % 100 g", 4.40, "UNIT", None, 9),
    ("KAYA-250", "Kaya Spread 250 g", 4.10, "UNIT", None, 9),
    ("TOFU-SILKEN-300", "Silken Tofu 300 g", 1.65, "UNIT", None, 9),
    ("SPINACH-BABY-200", "Baby Spinach 200 g", 3.90, "UNIT", None, 9),
    ("DISH-LIQ-900", "Dishwashing Liquid 900 ml", 4.75, "UNIT", None, 9),
    ("TISSUE-10ROLL", "Toilet Tissue, 10 rolls", 8.90, "UNIT", None, 9),
    ("AVOCADO-EA", "Avocado, each", 1.95, "UNIT", None, 9),
    ("BANANA-KG", "Bananas", 3.20, "KG", 0.9, 9),
    ("APPLE-FUJI-KG", "Fuji Apples", 6.50, "KG", 1.1, 9),
    ("TOMATO-KG", "Vine Tomatoes", 5.40, "KG", 0.5, 9),
    ("POTATO-KG", "Potatoes", 2.80, "KG", 1.5, 9),
    ("CHICKEN-BREAST-KG", "Chicken Breast Fillets", 13.90, "KG", 0.6, 9),
    ("SALMON-FILLET-KG", "Salmon Fillet", 42.00, "KG", 0.35, 9),
    ("BOKCHOY-KG", "Baby Bok Choy", 6.20, "KG", 0.3, 9),
)
CUSTOMERS = (
    ("Wei Ling", "Tan"), ("Arjun", "Nair"), ("Nur Aisyah", "Rahman"), ("Jia Hui", "Lim"), ("Marcus", "Ong"),
    ("Priya", "Menon"), ("Daniel", "Goh"), ("Siti", "Hassan"), ("Kai Xuan", "Lee"), ("Rachel", "Chua"),
    ("Farhan", "Ismail"), ("Emily", "Wong"),
)
# (street, latitude, longitude, first three digits of the postcode)
STREETS = (
    ("Orchard Road", 1.3048, 103.8318, "238"), ("Tampines Street 81", 1.3496, 103.9356, "520"),
    ("Ang Mo Kio Avenue 3", 1.3691, 103.8454, "560"), ("Holland Avenue", 1.3110, 103.7960, "278"),
    ("Jurong West Street 52", 1.3496, 103.7197, "640"), ("Bukit Timah Road", 1.3294, 103.8021, "259"),
    ("Serangoon Avenue 2", 1.3541, 103.8730, "550"), ("Marine Parade Road", 1.3022, 103.9071, "449"),
    ("Toa Payoh Lorong 1", 1.3371, 103.8486, "310"), ("Clementi Avenue 3", 1.3162, 103.7649, "120"),
)
AREAS = ("Orchard", "Tampines", "Bugis", "Holland Village", "Jurong East", "Serangoon", "Katong", "Toa Payoh")
COMMENTS = ("", "", "", "Please leave at the door", "Call when you arrive", "No plastic bags please", "Ring twice")
INSTRUCTIONS = ("", "", "", "", "Ripe ones please", "Check the expiry date")
# fmt: on


# -- chains -------------------------------------------------------------------------------------------


def create_chain(
    name: str = "Corner Grocer",
    *,
    picking_mode: str = PARTNER_PICKING,
    vendors: int = 2,
    vendor_ids: tuple[str, ...] | list[str] | None = None,
    chain_id: str | uuid.UUID | None = None,
    token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    brand: str = "foodpanda",
    country_code: str = "SG",
    shortcode: str | None = None,
    **settings_: object,
) -> SandboxPartnerChain:
    """A chain (with its SandboxAccount) and its stores: the credentials given, or random ones.

    `vendor_ids` names the stores (else `vendors` random store ids); other keyword
    arguments set chain fields (webhook_url, rate_limit_per_minute, switches ...).
    """
    with transaction.atomic():
        account = SandboxAccount.objects.create(
            platform="partner",
            token=token or secrets.token_urlsafe(36),
            shortcode=shortcode or name.lower().replace(" ", "-")[:64],
            name=name,
            currency="SGD" if country_code == "SG" else "",
        )
        chain = SandboxPartnerChain.objects.create(
            account=account,
            chain_id=uuid.UUID(str(chain_id)) if chain_id else uuid.uuid4(),
            client_id=client_id or f"{brand}-{secrets.token_hex(8)}",
            client_secret=client_secret or secrets.token_urlsafe(32),
            picking_mode=picking_mode,
            brand=brand,
            country_code=country_code,
            **settings_,
        )
        ids = list(vendor_ids) if vendor_ids else [_random_code(4) for _ in range(vendors)]
        for index, vendor_id in enumerate(ids):
            add_vendor(chain, vendor_id, f"{name} {AREAS[index % len(AREAS)]}")
    return chain


def add_vendor(chain: SandboxPartnerChain, vendor_id: str, name: str) -> SandboxPartnerVendor:
    vendor, _ = SandboxPartnerVendor.objects.update_or_create(
        chain=chain, vendor_id=vendor_id, defaults={"name": name, "external_partner_config_id": f"store-{vendor_id}"}
    )
    return vendor


def _random_code(length: int, rng: random.Random | None = None) -> str:
    pick = rng.choice if rng else secrets.choice
    return "".join(pick(LOWER_ALNUM) for _ in range(length))


# -- orders ----------------------------------------------------------------------------------------------


def create_order(
    chain: SandboxPartnerChain,
    vendor: SandboxPartnerVendor,
    *,
    status: str = "RECEIVED",
    transport_type: str = LOGISTICS_DELIVERY,
    created_at: datetime | None = None,
    items: int = 3,
    seed: int | None = None,
    cancellation: dict | None = None,
    notify: bool = True,
) -> SandboxPartnerOrder:
    """One new order (a Test Order, or a customer's), and the webhook its status sends the chain."""
    _check_status(status)
    now = to_ms(chain.account.now())
    maker = _OrderMaker(chain, random.Random(seed), now)
    order = maker.order(vendor, status, transport_type, to_ms(created_at or now), items, cancellation)
    with transaction.atomic():
        order.save()
        if notify:
            partner_webhooks.queue(chain, [(order, status)])
    return order


def generate_orders(
    chain: SandboxPartnerChain,
    n: int,
    *,
    days: float = 10,
    statuses: tuple[str, ...] | None = None,
    transport_types: tuple[str, ...] | None = None,
    items: int | None = None,
    seed: int | None = None,
    notify: bool = True,
) -> int:
    """Bulk-create `n` orders spread over the last `days` days; returns how many were made.

    Each order picks a store, a status (from `statuses`, by default a mix for the chain's
    picking mode), a delivery (Pelican: platform riders) and 1 to 6 lines (or `items`).
    With `notify`, each status the chain hears queues its webhook.
    """
    statuses = statuses or (PELICAN_MIX if chain.is_pelican else PARTNER_MIX)
    for status in statuses:
        _check_status(status)
    vendors = list(chain.vendors.all())
    if not vendors:
        raise ValueError("The chain has no stores")
    if n <= 0:
        return 0
    rng = random.Random(seed)
    now = to_ms(chain.account.now())
    maker = _OrderMaker(chain, rng, now)
    span = days * 86400
    offsets = sorted(rng.uniform(0, span) for _ in range(n))
    transports = (LOGISTICS_DELIVERY,) if chain.is_pelican else (transport_types or TRANSPORT_MIX)
    with transaction.atomic():
        for start in range(0, n, BATCH_SIZE):
            batch = []
            for offset in offsets[start : start + BATCH_SIZE]:
                transport = rng.choice(transports)
                status = _fitting(rng.choice(statuses), transport)
                created = to_ms(now - timedelta(seconds=span - offset))
                count = items or rng.randint(1, 6)
                batch.append(maker.order(rng.choice(vendors), status, transport, created, count, None))
            SandboxPartnerOrder.objects.bulk_create(batch)
            if notify:
                partner_webhooks.queue(chain, [(order, order.status) for order in batch])
    return n


def _fitting(status: str, transport_type: str) -> str:
    """The status as the delivery allows it: own riders dispatch, platform riders are never ACCEPTED."""
    if transport_type == VENDOR_DELIVERY and status == "READY_FOR_PICKUP":
        return "DISPATCHED"
    if transport_type == LOGISTICS_DELIVERY and status == ACCEPTED:
        return "RECEIVED"
    return status


def _check_status(status: str) -> None:
    if status not in PARTNER_STATUSES:
        raise ValueError(f"status must be one of {', '.join(PARTNER_STATUSES)}, not {status!r}")


def set_status(
    order: SandboxPartnerOrder,
    status: str,
    *,
    cancellation: dict | None = None,
    by: str = SYSTEM,
    notify: bool = True,
) -> bool:
    """The platform moves an order: a Pelican checkout (READY_FOR_PICKUP), a rider's pickup
    (DISPATCHED, or `picked_up` for Pelican orders), a customer's cancellation (CANCELLED).

    No partner rules apply (this is the platform's side). Queues the webhook the chain
    hears. False when the order already had that status.
    """
    _check_status(status)
    with transaction.atomic():
        locked = SandboxPartnerOrder.objects.select_for_update().select_related("chain").get(pk=order.pk)
        if locked.status == status:
            return False
        doc = locked.parsed()
        doc["status"] = status
        if status == CANCELLED:
            doc["cancellation"] = cancellation or dict(CUSTOMER_CANCELLATION)
        if status in PICKED:
            for item in doc["items"]:
                item["status"] = "IN_CART" if item["status"] == "NOT_PROCESSED" else item["status"]
        save_change(locked, doc, by=by)
        if notify:
            partner_webhooks.queue(locked.chain, [(locked, status)])
    order.status, order.updated_at, order.document = locked.status, locked.updated_at, locked.document
    return True


class _OrderMaker:
    """Makes order rows (unsaved) for one chain from one random source."""

    def __init__(self, chain: SandboxPartnerChain, rng: random.Random, now: datetime):
        self.chain, self.rng, self.now = chain, rng, now
        base = getattr(settings, "SANDBOX_PUBLIC_URL", "").rstrip("/")
        self.images = {sku: f"{base}{reverse('sandbox:partner-product-image', args=[sku])}" for sku, *_ in CATALOGUE}

    def order(
        self,
        vendor: SandboxPartnerVendor,
        status: str,
        transport_type: str,
        created: datetime,
        count: int,
        cancellation: dict | None,
    ) -> SandboxPartnerOrder:
        rng, chain = self.rng, self.chain
        updated = created if status == "RECEIVED" else min(self.now, created + timedelta(minutes=rng.randint(3, 40)))
        # Random, yet one seed makes other ids for other chains and other times (order_id is unique).
        salted = f"{rng.getrandbits(128)}|{chain.chain_id}|{created.isoformat()}"
        order_id = uuid.UUID(bytes=hashlib.sha256(salted.encode()).digest()[:16], version=4)
        code = f"{_random_code(4, rng)}-{_random_code(4, rng)}"
        external_id = f"{chain.country_code}-{created:%y%m%d}-{rng.randint(100000, 999999)}"
        lines = self.items(status, count)
        fees = {
            "delivery_fee": rng.choice((0.0, 1.99, 2.99, 3.49)),
            "service_fee": rng.choice((0.0, 0.49, 0.99)),
            "container_charge": rng.choice((0.0, 0.0, 0.2)),
            "difference_to_minimum": 0.0,
            "discount": rng.choice((0.0, 0.0, 0.0, 2.0, 5.0)),
            "discounts": [],
            "type": "PAID",
        }
        preorder = rng.random() < 0.05
        promised = created + (
            timedelta(hours=rng.randint(20, 30)) if preorder else timedelta(minutes=rng.randint(30, 50))
        )
        if status == CANCELLED:
            cancellation = cancellation or rng.choice((VENDOR_CANCELLATION, CUSTOMER_CANCELLATION))
        doc = {
            "order_id": str(order_id),
            "external_order_id": external_id,
            "order_code": code,
            "status": status,
            "transport_type": transport_type,
            "order_type": "DELIVERY",
            "client": {
                "id": str(vendor.platform_id),
                "chain_id": str(chain.chain_id),
                "name": vendor.name,
                "country_code": chain.country_code,
                "store_id": vendor.vendor_id,
                "external_partner_config_id": vendor.external_partner_config_id,
            },
            "customer": self.customer(),
            "comment": rng.choice(COMMENTS),
            "items": lines,
            "payment": payment(lines, fees),
            "cancellation": dict(cancellation) if status == CANCELLED else None,
            "sys": {
                "created_at": iso_ms(created),
                "created_by": SYSTEM,
                "updated_at": iso_ms(updated),
                "updated_by": SYSTEM,
                "webhook_status": None,
            },
            "accepted_for": iso_ms(created + timedelta(minutes=35)) if status == ACCEPTED else None,
            "promised_for": iso_ms(promised),
            "isPreorder": preorder,
        }
        return SandboxPartnerOrder(
            chain=chain,
            vendor=vendor,
            order_id=order_id,
            external_order_id=external_id,
            order_code=code,
            status=status,
            transport_type=transport_type,
            created_at=created,
            updated_at=updated,
            document=dump_json(doc),
        )

    def items(self, status: str, count: int) -> list[dict]:
        rng = self.rng
        lines = []
        for sku, name, price, pricing_type, weight, vat in rng.sample(CATALOGUE, min(count, len(CATALOGUE))):
            if pricing_type == "KG":
                weight = round(weight * rng.uniform(0.8, 1.3), 3)
                quantity, total = 1, price * weight
            else:
                quantity = rng.choice((1, 1, 1, 2, 2, 3, 4))
                total = price * quantity
            pricing = {
                "pricing_type": pricing_type,
                "unit_price": price,
                "total_price": round(total, 2),
                "quantity": quantity,
                "weight": weight,
                "min_quantity": 1,
                "max_quantity": 10,
                "vat_percent": vat,
            }
            picked = status in PICKED
            lines.append(
                {
                    "_id": f"{rng.getrandbits(96):024x}",
                    "sku": sku,
                    "barcode": [ean13(sku)],
                    "name": name,
                    "image_url": self.images[sku],
                    "instructions": rng.choice(INSTRUCTIONS),
                    "status": ("NOT_FOUND" if rng.random() < 0.05 else "IN_CART") if picked else "NOT_PROCESSED",
                    "pricing": pricing,
                    "original_pricing": dict(pricing),
                    "replaced_id": None,
                }
            )
        return lines

    def customer(self) -> dict:
        rng = self.rng
        first, last = rng.choice(CUSTOMERS)
        street, lat, lng, postcode = rng.choice(STREETS)
        number = str(rng.randint(1, 480))
        zipcode = f"{postcode}{rng.randint(0, 999):03d}"
        floor = rng.choice(("", str(rng.randint(2, 30))))
        return {
            "_id": f"{rng.getrandbits(96):024x}",
            "first_name": first,
            "last_name": last,
            "phone_number": f"+65 {rng.choice('89')}{rng.randint(0, 999):03d} {rng.randint(0, 9999):04d}",
            "delivery_address": {
                "street": street,
                "number": number,
                "city": "Singapore",
                "country": self.chain.country_code,
                "zipcode": zipcode,
                "latitude": round(lat + rng.uniform(-0.004, 0.004), 6),
                "longitude": round(lng + rng.uniform(-0.004, 0.004), 6),
                "building": rng.choice(("", "", "Block A", "The Residences")),
                "floor": floor,
                "apartment": f"{rng.randint(1, 40):02d}" if floor else "",
                "instructions": rng.choice(("", "", "Lobby B", "Leave with the guard")),
                "formattedAddress": f"{number} {street}, Singapore {zipcode}",
            },
        }


def ean13(sku: str) -> str:
    """A stable, valid EAN-13 barcode for a SKU."""
    body = "888" + str(int(hashlib.sha256(sku.encode()).hexdigest(), 16))[-9:]
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def product_name(sku: str) -> str:
    return next((name for code, name, *_ in CATALOGUE if code == sku), sku)


# -- the demo chains -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoChain:
    """A demo chain with fixed, documented credentials (all fake)."""

    name: str
    picking_mode: str
    chain_id: str
    token: str
    client_id: str
    client_secret: str
    vendor_ids: tuple[str, ...]
    description: str
    # (how many, over the last how many days, statuses or None for the mode's mix)
    orders: tuple[tuple[int, float, tuple[str, ...] | None], ...]


DEMO_CHAINS = (
    DemoChain(
        "Corner Grocer",
        PARTNER_PICKING,
        "5b2f7c3e-8d4a-4f1b-9c6e-2a7d3b8e1f40",
        "fp-demo-token-3c9e1a7f5b2d4e6a8c0f",
        "corner-grocer-demo",
        "cg-demo-secret-8f2a6c4e1b9d7f3a5c0e",
        ("cg-orchard", "cg-tampines"),
        "Partner Picking: 30 orders over the last 10 days (6 new in the last 12 hours); the portal may pick, "
        "fulfil and cancel them.",
        orders=((24, 10, None), (6, 0.5, ("RECEIVED",))),
    ),
    DemoChain(
        "Pelican Mart",
        PELICAN,
        "9e4c1a7b-3f2d-4b8e-a6c5-1d0f7e2b9a34",
        "fp-pelican-token-6e2b8d4a1c9f7e35",
        "pelican-mart-demo",
        "pm-demo-secret-2d7f9b1e5a3c8e4f6a1b",
        ("pm-bugis",),
        "Pelican Picking: read only; 15 orders; webhooks only on READY_FOR_PICKUP and CANCELLED.",
        orders=((15, 10, None),),
    ),
)
# Reset on every seeding; the webhook URL, secret and header are the user's and are kept.
DEMO_SETTINGS = {
    "brand": "sandbox",
    "country_code": "SG",
    "rate_limit_per_minute": 60,
    "access_token_seconds": 7200,
    "webhook_duplicate": 0,
    "webhook_out_of_order": 0,
    "webhook_drop_percent": 0,
    "webhook_wrong_secret": 0,
}
# A chain whose newest order is older than this gets new demo orders (GET reaches 60 days back).
DEMO_STALE = timedelta(days=30)


def ensure_demo_chains() -> list[SandboxPartnerChain]:
    """Create (or repair) the demo chains; give orders to any without recent ones.

    Safe to run again: credentials, stores, fault switches and webhook switches are reset
    to the documented values, and extra static tokens are removed; orders are left alone.
    """
    chains = []
    with transaction.atomic():
        for demo in DEMO_CHAINS:
            account, _ = SandboxAccount.objects.update_or_create(
                token=demo.token,
                defaults={
                    "platform": "partner",
                    "shortcode": demo.client_id.removesuffix("-demo"),
                    "name": demo.name,
                    "currency": "SGD",
                    **FAULTS_OFF,
                },
            )
            chain, _ = SandboxPartnerChain.objects.update_or_create(
                account=account,
                defaults={
                    "chain_id": uuid.UUID(demo.chain_id),
                    "client_id": demo.client_id,
                    "client_secret": demo.client_secret,
                    "picking_mode": demo.picking_mode,
                    **DEMO_SETTINGS,
                },
            )
            chain.tokens.filter(expires_at__isnull=True).delete()
            for index, vendor_id in enumerate(demo.vendor_ids):
                add_vendor(chain, vendor_id, f"{demo.name} {AREAS[index]}")
            if not chain.orders.filter(created_at__gte=chain.account.now() - DEMO_STALE).exists():
                seed = int(hashlib.sha256(demo.client_id.encode()).hexdigest()[:8], 16)
                for group, (count, days, statuses) in enumerate(demo.orders):
                    generate_orders(chain, count, days=days, statuses=statuses, seed=seed + group, notify=False)
            chains.append(chain)
    return chains
