"""Sandbox Shopify data: shops and their credentials, realistic orders, the merchant's own moves, the demo.

Plain functions, so tests, the shell's commands and the pages share them. Everything is
invented: a small craft-and-books catalogue, customers and addresses in the UK or the US.
Orders are made in their neutral document form (`render.py`) with amounts that add up:
subtotal = Σ line totals, total = subtotal + shipping − discounts (taxes included).
"""

from __future__ import annotations

import hashlib
import random
import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from sandbox.models import FAULTS_OFF, SandboxAccount

from . import bucket, render
from . import orders as shopify_orders
from . import webhooks as shopify_webhooks
from .models import DEFAULT_TOPICS, SandboxShopifyOrder, SandboxShopifyShop

BATCH_SIZE = 1000
FIRST_NUMBER = 1001
MAX_LINES = 49  # line items an order may have (their ids are the order's id × 100 + 1..49)
FO_LINE_OFFSET = 50  # fulfillment-order line items are numbered 51..99, so no id is a line item's
ID_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
ID_BASE = 3_000_000_000_000  # order ids: 13 digits, growing with time, like Shopify's
MIXES = ("unfulfilled", "partial", "fulfilled", "cancelled", "refunded")
# Most orders wait to be sent; a few are part-sent, sent, cancelled or refunded.
DEFAULT_MIX = ("unfulfilled",) * 12 + ("partial",) * 2 + ("fulfilled",) * 4 + ("cancelled", "refunded")
UPPER_ALNUM = string.ascii_uppercase + string.digits

# fmt: off
# (title, variant title or None, sku, GBP price, USD price, vendor, grams). Products are numbered in
# the order their titles first appear, variants in the order of the lines; SKUs starting GIFT- ship nothing.
CATALOGUE = (
    ("Hand-thrown Mug", "Sage", "MUG-SAGE", "18.00", "24.00", "Corner Pottery", 420),
    ("Hand-thrown Mug", "Speckled White", "MUG-WHITE", "18.00", "24.00", "Corner Pottery", 420),
    ("Linen Tea Towel", None, "TOWEL-LINEN", "12.50", "16.00", "Loom & Co", 90),
    ("Beeswax Candle", "Large", "CANDLE-L", "14.00", "18.50", "Hive Works", 350),
    ("Beeswax Candle", "Small", "CANDLE-S", "8.50", "11.00", "Hive Works", 160),
    ("Knitting Kit: Chunky Scarf", None, "KIT-SCARF", "32.00", "42.00", "Woolly Days", 600),
    ("Embroidery Hoop Set", "3 sizes", "HOOP-SET-3", "9.99", "12.99", "Stitch Lane", 210),
    ("Watercolour Paper Pad", "A4", "PAPER-A4", "11.25", "14.50", "Paper Mill", 480),
    ("Watercolour Paper Pad", "A5", "PAPER-A5", "7.75", "9.95", "Paper Mill", 250),
    ("Brass Bookmark", "Fern", "BOOKMARK-FERN", "6.00", "8.00", "Corner Metalworks", 20),
    ("The Quiet Harbour (paperback)", None, "BK-9781234567897", "9.99", "14.99", "Harbour Press", 280),
    ("A Field Guide to Tide Pools", "Hardback", "BK-9781234567880", "20.00", "27.00", "Harbour Press", 650),
    ("Letterpress Card Set", "Set of 6", "CARD-SET-6", "15.00", "19.00", "Paper Mill", 120),
    ("Wool Felt Bundle", "Autumn", "FELT-AUTUMN", "10.50", "13.50", "Woolly Days", 150),
    ("Ceramic Plant Pot", "Medium", "POT-M", "24.00", "32.00", "Corner Pottery", 900),
    ("Macramé Cord", "5 mm, 100 m", "CORD-5MM", "16.75", "21.00", "Loom & Co", 700),
    ("Gift Card", "25", "GIFT-25", "25.00", "25.00", "Corner Crafts", 0),
)
FIRST_NAMES = (
    "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Freya", "Arthur", "Priya", "Kwame", "Mei", "Tomás",
    "Grace", "Ethan", "Zara", "Leo", "Hannah", "Samuel", "Chloe", "Ibrahim",
)
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Patel", "Okafor", "Chen", "García", "Evans",
    "Walker", "Hughes", "Murphy", "Clarke", "Khan", "Wright", "Hall", "Green", "Lewis",
)
# (address1, city, zip) in the UK; (address1, city, state, state code, zip) in the US
STREETS_GB = (
    ("12 Mill Lane", "Bristol", "BS1 4DJ"), ("4 Station Road", "York", "YO24 1AB"),
    ("88 High Street", "Lewes", "BN7 2LU"), ("Flat 3, 21 Queen Street", "Edinburgh", "EH2 1JX"),
    ("7 Orchard Close", "Norwich", "NR2 3QP"), ("155 Victoria Road", "Cardiff", "CF11 9HH"),
    ("2 The Green", "Keswick", "CA12 5AB"), ("41 Albert Street", "Manchester", "M2 5PE"),
)
STREETS_US = (
    ("12 Harbor Street", "Portland", "Maine", "ME", "04101"),
    ("480 Elm Avenue", "Burlington", "Vermont", "VT", "05401"),
    ("77 Cedar Lane", "Asheville", "North Carolina", "NC", "28801"),
    ("9 Bay Road", "Annapolis", "Maryland", "MD", "21401"),
    ("1200 Pine Street", "Seattle", "Washington", "WA", "98101"),
    ("35 Main Street", "Northampton", "Massachusetts", "MA", "01060"),
)
# (title, code, price), by currency
SHIPPING = {
    "GBP": (
        ("Royal Mail Tracked 48", "TRACKED48", "3.95"),
        ("Royal Mail Tracked 24", "TRACKED24", "4.95"),
        ("DPD Next Day", "DPD-NEXT", "6.50"),
    ),
    "USD": (
        ("USPS Ground Advantage", "USPS-GA", "5.99"),
        ("UPS Ground", "UPS-GROUND", "8.99"),
        ("FedEx 2Day", "FEDEX-2DAY", "14.50"),
    ),
}
# fmt: on
FREE_SHIPPING_OVER = Decimal("60.00")
CARRIERS = {"GBP": ("Royal Mail", "DPD UK", "Evri"), "USD": ("USPS", "UPS", "FedEx")}
TAX_RATE = {"GBP": Decimal("0.20"), "USD": Decimal("0.08")}
TAGS = ("gift", "repeat-customer", "wholesale", "local", "priority", "instagram")
NOTES = (
    None,
    None,
    None,
    "Please gift wrap.",
    "Leave with a neighbour if out.",
    "Birthday present: no receipt please.",
)
GIFT_MESSAGES = ("Happy birthday!", "Congratulations on the new home.", "Thinking of you.", "Merry Christmas, from us")
FIRST_PRODUCT_ID, FIRST_VARIANT_ID = 8_012_345_601, 44_012_345_601


def catalogue_ids(entry: tuple) -> tuple[int, int, str | None]:
    """(product id, variant id, barcode) of a catalogue line: stable, like a real shop's."""
    titles = list(dict.fromkeys(line[0] for line in CATALOGUE))
    product_id = FIRST_PRODUCT_ID + titles.index(entry[0])
    variant_id = FIRST_VARIANT_ID + CATALOGUE.index(entry)
    sku = entry[2]
    if sku.startswith("GIFT-"):
        return product_id, variant_id, None
    if sku.startswith("BK-"):
        return product_id, variant_id, sku.removeprefix("BK-")  # a book's barcode is its ISBN
    body = "506012345" + f"{CATALOGUE.index(entry):03d}"
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
    return product_id, variant_id, body + str(check)


# -- shops ----------------------------------------------------------------------------------------------------


def new_token() -> str:
    """A static Admin API access token, as the admin shows one (fake)."""
    return f"shpat_{secrets.token_hex(16)}"


def create_shop(
    name: str = "Corner Crafts",
    *,
    domain: str | None = None,
    currency: str = "GBP",
    iana_timezone: str | None = None,
    token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    **settings_: object,
) -> SandboxShopifyShop:
    """A shop (with its SandboxAccount): the credentials given, or random ones.

    The domain defaults to the name's handle (corner-crafts.myshopify.com); other keyword
    arguments set shop fields (webhook_url, bucket_size, redact_customer_data, switches ...).
    """
    domain = (domain or f"{handle_of(name)}.myshopify.com").lower()
    if not domain.endswith(".myshopify.com"):
        domain = f"{domain}.myshopify.com"
    with transaction.atomic():
        account = SandboxAccount.objects.create(
            platform="shopify",
            token=token or new_token(),
            shortcode=domain.removesuffix(".myshopify.com")[:64],
            name=name,
            currency=currency,
        )
        size = settings_.get("bucket_size", 1000)
        return SandboxShopifyShop.objects.create(
            account=account,
            domain=domain,
            iana_timezone=iana_timezone or ("America/New_York" if currency == "USD" else "Europe/London"),
            client_id=client_id or secrets.token_hex(16),
            client_secret=client_secret or f"shpss_{secrets.token_hex(16)}",
            bucket_available=float(size),
            **settings_,
        )


def handle_of(name: str) -> str:
    handle = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    while "--" in handle:
        handle = handle.replace("--", "-")
    return handle or "shop"


def rotate_secret(shop: SandboxShopifyShop) -> str:
    """A new client secret; the old one is kept as the previous (see `sign_with_previous`)."""
    with transaction.atomic():
        locked = SandboxShopifyShop.objects.select_for_update().get(pk=shop.pk)
        locked.previous_client_secret = locked.client_secret
        locked.client_secret = f"shpss_{secrets.token_hex(16)}"
        locked.save(update_fields=["previous_client_secret", "client_secret"])
    shop.previous_client_secret, shop.client_secret = locked.previous_client_secret, locked.client_secret
    return shop.client_secret


# -- orders ----------------------------------------------------------------------------------------------


def create_order(
    shop: SandboxShopifyShop,
    *,
    mix: str = "unfulfilled",
    line_items: int = 2,
    created_at: datetime | None = None,
    seed: int | None = None,
    test: bool = False,
    notify: bool = True,
) -> SandboxShopifyOrder:
    """One new order (the shop page's Test order, a customer's checkout) and its orders/create webhook."""
    with transaction.atomic():
        made = _make_orders(
            shop,
            [(created_at or shop.account.now(), mix, line_items)],
            random.Random(seed),
            test=test,
        )
        if notify:
            shopify_webhooks.queue(shop, [(made[0], "orders/create")])
    return made[0]


def generate_orders(
    shop: SandboxShopifyShop,
    count: int,
    *,
    days: float = 30,
    mix: tuple[str, ...] | None = None,
    line_items: tuple[int, int] = (1, 4),
    seed: int | None = None,
    notify: bool = False,
) -> int:
    """Bulk-create `count` orders created over the last `days` days; returns how many were made.

    Each order takes a state from `mix` (by default mostly unfulfilled, some partially
    fulfilled, fulfilled, cancelled or refunded) and `line_items` (low, high) line items.
    With `notify`, each queues its orders/create webhook.
    """
    mix = mix or DEFAULT_MIX
    for each in mix:
        _check_mix(each)
    if count <= 0:
        return 0
    low, high = line_items
    if not 1 <= low <= high <= MAX_LINES:
        raise ValueError(f"line_items must be (low, high) with 1 <= low <= high <= {MAX_LINES}")
    rng = random.Random(seed)
    now = shop.account.now().replace(microsecond=0)
    span = days * 86400
    offsets = sorted(rng.uniform(0, span) for _ in range(count))
    made = 0
    with transaction.atomic():
        for start in range(0, count, BATCH_SIZE):
            specs = [
                (now - timedelta(seconds=span - offset), rng.choice(mix), rng.randint(low, high))
                for offset in offsets[start : start + BATCH_SIZE]
            ]
            batch = _make_orders(shop, specs, rng)
            if notify:
                shopify_webhooks.queue(shop, [(order, "orders/create") for order in batch])
            made += len(batch)
    return made


def touch_orders(shop: SandboxShopifyShop, count: int | None = None, *, notify: bool = True) -> int:
    """Edit `count` random orders (all, if None) in the admin: updated_at moves on, orders/updated is queued."""
    return shopify_orders.touch_orders(shop, count=count, notify=notify)


def cancel_order(order: SandboxShopifyOrder, reason: str = "CUSTOMER") -> bool:
    return shopify_orders.cancel_order(order, reason)


def _check_mix(mix: str) -> None:
    if mix not in MIXES:
        raise ValueError(f"mix must be one of {', '.join(MIXES)}, not {mix!r}")


def _make_orders(
    shop: SandboxShopifyShop, specs: list[tuple[datetime, str, int]], rng: random.Random, *, test: bool = False
) -> list[SandboxShopifyOrder]:
    """Save orders for (created, mix, line items) specs, numbered on from the shop's last order.

    The shop's row is locked meanwhile, so two makers never hand out one number; ids grow with
    time (like Shopify's) and are checked against the table, so they never clash.
    """
    for _, mix, lines in specs:
        _check_mix(mix)
        if not 1 <= lines <= MAX_LINES:
            raise ValueError(f"An order has 1 to {MAX_LINES} line items")
    now = shop.account.now().replace(microsecond=0)
    with transaction.atomic():
        locked = SandboxShopifyShop.objects.select_for_update().select_related("account").get(pk=shop.pk)
        last = locked.orders.aggregate(last=Max("number"))["last"] or FIRST_NUMBER - 1
        specs = sorted(specs, key=lambda spec: spec[0])
        ids = _order_ids([created for created, _, _ in specs], rng)
        maker = _OrderMaker(locked, rng, now)
        rows = [
            maker.order(legacy_id, last + 1 + index, min(created.replace(microsecond=0), now), mix, lines, test)
            for index, (legacy_id, (created, mix, lines)) in enumerate(zip(ids, specs, strict=True))
        ]
        return SandboxShopifyOrder.objects.bulk_create(rows, batch_size=500)


def _order_ids(moments: list[datetime], rng: random.Random) -> list[int]:
    """Unique order ids that grow with the order's time (Shopify's do), below 2**53 / 100."""
    wanted = [ID_BASE + (int((m - ID_EPOCH).total_seconds()) * 1000 + rng.randrange(1000)) * 8 for m in moments]
    taken: set[int] = set()
    ids = []
    for candidate in wanted:
        while candidate in taken:
            candidate += 1
        taken.add(candidate)
        ids.append(candidate)
    while clashes := set(SandboxShopifyOrder.objects.filter(legacy_id__in=ids).values_list("legacy_id", flat=True)):
        for index, candidate in enumerate(ids):
            if candidate in clashes:
                while candidate in taken or candidate in clashes:
                    candidate += rng.randrange(1, 8)
                taken.add(candidate)
                ids[index] = candidate
    return ids


class _OrderMaker:
    """Makes order rows (unsaved) of one shop from one random source."""

    def __init__(self, shop: SandboxShopifyShop, rng: random.Random, now: datetime):
        self.shop, self.rng, self.now = shop, rng, now
        self.currency = shop.account.currency if shop.account.currency in SHIPPING else "GBP"
        self.us = shop.account.currency == "USD"

    def later(self, moment: datetime, low_minutes: float, high_minutes: float) -> datetime:
        return min(self.now, moment + timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))).replace(
            microsecond=0
        )

    def order(
        self, legacy_id: int, number: int, created: datetime, mix: str, line_count: int, test: bool
    ) -> SandboxShopifyOrder:
        rng, currency = self.rng, self.currency
        lines = self.line_items(legacy_id, line_count, at_least_two_units=mix == "partial")
        subtotal = sum((Decimal(line["price"]) * line["quantity"] for line in lines), Decimal("0"))
        title, code, price = rng.choice(SHIPPING[currency])
        shipping = Decimal("0.00") if subtotal >= FREE_SHIPPING_OVER else Decimal(price)
        discount = (subtotal * Decimal("0.10")).quantize(Decimal("0.01")) if rng.random() < 0.15 else Decimal("0.00")
        total = subtotal + shipping - discount
        tax = (total * TAX_RATE[currency] / (1 + TAX_RATE[currency])).quantize(Decimal("0.01"))
        customer = self.customer()
        address = self.address(customer)
        doc = {
            "id": legacy_id,
            "name": f"#{number}",
            "number": number,
            "confirmation_number": "".join(rng.choice(UPPER_ALNUM) for _ in range(9)),
            "created_at": render.utc_z(created),
            "updated_at": render.utc_z(self.later(created, 0.5, 5)),
            "processed_at": render.utc_z(created),
            "cancelled_at": None,
            "cancel_reason": None,
            "closed_at": None,
            "financial_status": "PENDING" if mix == "unfulfilled" and rng.random() < 0.1 else "PAID",
            "fulfillment_status": "UNFULFILLED",
            "currency": currency,
            "email": customer["email"],
            "phone": customer["phone"],
            "note": rng.choice(NOTES),
            "tags": sorted(rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2)))),
            "po_number": None,
            "source_name": rng.choice(("web", "web", "web", "shopify_draft_order", "pos")),
            "test": test,
            "note_attributes": (
                [{"name": "Gift message", "value": rng.choice(GIFT_MESSAGES)}] if rng.random() < 0.25 else []
            ),
            "taxes_included": True,
            "subtotal_price": render.money(subtotal),
            "total_shipping": render.money(shipping),
            "total_discounts": render.money(discount),
            "total_tax": render.money(tax),
            "total_price": render.money(total),
            "current_total_price": render.money(total),
            "customer": customer,
            "shipping_address": address,
            "billing_address": dict(address),
            "shipping_line": {
                "id": legacy_id * render.PARTS + 1,
                "title": title,
                "code": code,
                "price": render.money(shipping),
                "source": "shopify",
            },
            "line_items": lines,
            "fulfillment_orders": [
                {
                    "id": legacy_id * render.PARTS + 1,
                    "status": "OPEN",
                    "created_at": render.utc_z(created),
                    "line_items": [
                        {
                            "id": line["id"] + FO_LINE_OFFSET,
                            "line_item_id": line["id"],
                            "total_quantity": line["quantity"],
                            "remaining_quantity": line["quantity"],
                        }
                        for line in lines
                    ],
                }
            ],
            "fulfillments": [],
        }
        self.settle(doc, mix, created)
        order = SandboxShopifyOrder(
            shop=self.shop,
            legacy_id=legacy_id,
            number=number,
            name=doc["name"],
            created_at=created,
            processed_at=created,
        )
        shopify_orders.write_document(order, doc)
        return order

    def settle(self, doc: dict, mix: str, created: datetime) -> None:
        """Move a new order to its mix's state, as the merchant would have since it came in."""
        if mix in ("partial", "fulfilled"):
            sent_at = self.later(created, 30, 2 * 24 * 60)
            fo = doc["fulfillment_orders"][0]
            if mix == "fulfilled":
                take = [(line, line["remaining_quantity"]) for line in fo["line_items"]]
            else:
                take = self.part_of(fo["line_items"])
            sent = []
            for fo_line, quantity in take:
                fo_line["remaining_quantity"] -= quantity
                sent.append({"id": fo_line["line_item_id"], "quantity": quantity})
            fo["status"] = "CLOSED" if mix == "fulfilled" else "IN_PROGRESS"
            doc["fulfillments"].append(
                {
                    "id": doc["id"] * render.PARTS + 1,
                    "status": "SUCCESS",
                    "created_at": render.utc_z(sent_at),
                    "notify_customer": True,
                    "tracking": [self.tracking()],
                    "line_items": sent,
                }
            )
            doc["fulfillment_status"] = render.fulfillment_status(doc)
            doc["updated_at"] = render.utc_z(sent_at)
            if mix == "fulfilled":
                doc["closed_at"] = render.utc_z(sent_at)  # fulfilled orders are archived
        elif mix in ("cancelled", "refunded"):
            moment = self.later(created, 10, 24 * 60)
            doc["financial_status"] = "REFUNDED"
            doc["current_total_price"] = "0.00"
            for line in doc["line_items"]:
                line["current_quantity"] = 0
            for fo in doc["fulfillment_orders"]:
                fo["status"] = "CLOSED"
                for fo_line in fo["line_items"]:
                    fo_line["remaining_quantity"] = 0
            if mix == "cancelled":
                doc["cancelled_at"] = render.utc_z(moment)
                doc["cancel_reason"] = self.rng.choice(("CUSTOMER", "CUSTOMER", "INVENTORY", "FRAUD", "DECLINED"))
            doc["closed_at"] = doc["updated_at"] = render.utc_z(moment)

    def part_of(self, fo_lines: list[dict]) -> list[tuple[dict, int]]:
        """Some, not all, of the units: the first line (or all but one unit of it)."""
        first = fo_lines[0]
        if len(fo_lines) > 1:
            return [(first, first["remaining_quantity"])]
        return [(first, first["remaining_quantity"] - 1)]

    def line_items(self, legacy_id: int, count: int, *, at_least_two_units: bool) -> list[dict]:
        rng = self.rng
        chosen = rng.sample(CATALOGUE, min(count, len(CATALOGUE)))
        while len(chosen) < count:
            chosen.append(rng.choice(CATALOGUE))
        lines = []
        for index, entry in enumerate(chosen, start=1):
            title, variant, sku, gbp, usd, vendor, grams = entry
            product_id, variant_id, barcode = catalogue_ids(entry)
            quantity = rng.choice((1, 1, 1, 1, 2, 2, 3))
            lines.append(
                {
                    "id": legacy_id * render.PARTS + index,
                    "product_id": product_id,
                    "variant_id": variant_id,
                    "sku": sku,
                    "barcode": barcode,
                    "title": title,
                    "variant_title": variant,
                    "vendor": vendor,
                    "quantity": quantity,
                    "current_quantity": quantity,
                    "price": usd if self.us else gbp,
                    "grams": grams,
                    "requires_shipping": not sku.startswith("GIFT-"),
                }
            )
        if at_least_two_units and len(lines) == 1 and lines[0]["quantity"] == 1:
            lines[0]["quantity"] = lines[0]["current_quantity"] = 2
        return lines

    def customer(self) -> dict:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        key = f"{self.shop.domain}:{first}:{last}"
        customer_id = 7_000_000_000_000 + int(hashlib.sha256(key.encode()).hexdigest()[:10], 16) % 10**12
        ascii_last = last.replace("í", "i").replace("á", "a").lower()
        if self.us:
            phone = f"+1 {rng.randint(201, 989)} 555 {rng.randint(100, 199):04d}"
        else:
            phone = f"+44 7700 900{rng.randint(0, 999):03d}"
        return {
            "id": customer_id,
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{ascii_last}@example.com",
            "phone": phone,
        }

    def address(self, customer: dict) -> dict:
        rng = self.rng
        if self.us:
            address1, city, province, province_code, zip_code = rng.choice(STREETS_US)
            country, country_code = "United States", "US"
        else:
            address1, city, zip_code = rng.choice(STREETS_GB)
            province = province_code = None
            country, country_code = "United Kingdom", "GB"
        return {
            "name": f"{customer['first_name']} {customer['last_name']}",
            "first_name": customer["first_name"],
            "last_name": customer["last_name"],
            "company": rng.choice((None, None, None, None, "Studio Nine Ltd")),
            "address1": address1,
            "address2": rng.choice((None, None, "Back door")),
            "city": city,
            "province": province,
            "province_code": province_code,
            "zip": zip_code,
            "country": country,
            "country_code": country_code,
            "phone": customer["phone"],
        }

    def tracking(self) -> dict:
        rng = self.rng
        company = rng.choice(CARRIERS[self.currency])
        number = "".join(rng.choice(UPPER_ALNUM) for _ in range(12))
        slug = company.lower().replace(" ", "-")
        return {"number": number, "url": f"https://tracking.example.com/{slug}/{number}", "company": company}


# -- the demo shops ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoShop:
    """A demo shop with fixed, documented credentials (all fake)."""

    name: str
    domain: str
    currency: str
    iana_timezone: str
    token: str
    client_id: str
    client_secret: str
    description: str
    orders: int
    settings: dict = field(default_factory=dict)
    faults: tuple[tuple[str, int], ...] = ()


DEMO_SHOPS = (
    DemoShop(
        "Corner Crafts",
        "corner-crafts.myshopify.com",
        "GBP",
        "Europe/London",
        "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",
        "8f2a6c4e1b9d7f3a5c0e2b4d6f8a1c3e",
        "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",
        "A healthy Basic shop: about 150 orders over 30 days, bucket 1000 restoring 100 a second.",
        150,
    ),
    DemoShop(
        "Harbour Books",
        "harbour-books.myshopify.com",
        "USD",
        "America/New_York",
        "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",
        "2c4e6a8f0b1d3f5a7c9e2b4d6f8a0c1e",
        "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",
        "No protected customer data: customer, addresses, email and phone are null. About 40 orders (USD).",
        40,
        settings={"redact_customer_data": True},
    ),
    DemoShop(
        "Slow Bucket",
        "slow-bucket.myshopify.com",
        "GBP",
        "Europe/London",
        "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",
        "6e8a0c2f4b1d3e5a7c9f2b4d6e8a0c1f",
        "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",
        "A small bucket (200 points, 20 a second): a first import is throttled. About 60 orders.",
        60,
        settings={"bucket_size": 200, "restore_rate": 20.0},
    ),
    DemoShop(
        "Broken Shop",
        "broken-shop.myshopify.com",
        "GBP",
        "Europe/London",
        "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",
        "4a6c8e0b2d1f3a5c7e9b2d4f6a8c0e1b",
        "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",
        "Every API call answers 500 Internal Server Error.",
        10,
        faults=(("fault_server_error", -1),),
    ),
    DemoShop(
        "Busy Shop",
        "busy-shop.myshopify.com",
        "GBP",
        "Europe/London",
        "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",
        "0c2e4a6f8b1d3e5c7a9f2d4b6e8c0a1d",
        "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",
        "Every API call answers 429 with Retry-After: 30.0.",
        10,
        faults=(("fault_rate_limit", -1), ("retry_after_seconds", 30)),
    ),
)
# Reset on every seeding; the webhook URL and topics are the user's and are kept.
DEMO_SETTINGS = {
    "plan_name": "Basic",
    "shopify_plus": False,
    "partner_development": False,
    "access_token_seconds": 86399,
    "bucket_size": 1000,
    "restore_rate": 100.0,
    "throttle_status": "200",
    "redact_customer_data": False,
    "previous_client_secret": "",
    "sign_with_previous": 0,
    "webhook_duplicate": 0,
    "webhook_out_of_order": 0,
    "webhook_drop_percent": 0,
    "webhook_wrong_secret": 0,
}


def ensure_demo_shops() -> list[SandboxShopifyShop]:
    """Create (or repair) the demo shops; give orders to any that has none.

    Safe to run again: credentials, settings, fault and webhook switches are reset to the
    documented values and the bucket is filled; orders, the webhook URL and topics are kept.
    """
    shops = []
    with transaction.atomic():
        for demo in DEMO_SHOPS:
            account, _ = SandboxAccount.objects.update_or_create(
                token=demo.token,
                defaults={
                    "platform": "shopify",
                    "shortcode": demo.domain.removesuffix(".myshopify.com"),
                    "name": demo.name,
                    "currency": demo.currency,
                    **FAULTS_OFF,
                    **dict(demo.faults),
                },
            )
            shop = SandboxShopifyShop.objects.filter(account=account).first()
            values = {
                "domain": demo.domain,
                "iana_timezone": demo.iana_timezone,
                "client_id": demo.client_id,
                "client_secret": demo.client_secret,
                **DEMO_SETTINGS,
                **demo.settings,
            }
            if shop is None:
                shop = SandboxShopifyShop.objects.create(account=account, webhook_topics=DEFAULT_TOPICS, **values)
            else:
                SandboxShopifyShop.objects.filter(pk=shop.pk).update(**values)
                shop.refresh_from_db()
            bucket.fill(shop)
            if not shop.orders.exists():
                seed = int(hashlib.sha256(demo.domain.encode()).hexdigest()[:8], 16)
                generate_orders(shop, demo.orders, days=30, seed=seed, notify=False)
            shops.append(shop)
    return shops
