"""Fake NOTHS order data: bulk generation, simulated activity, and the demo accounts.

Plain functions, so tests, management commands and the benchmark all use the same
code. Everything is made up: names, addresses (real-looking UK towns and postcode
districts, invented streets) and a small catalogue of NOTHS-style products.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse

from sandbox.models import FAULTS_OFF, SandboxAccount

from .actions import now, open_enquiry, start_of
from .models import NOTHS_STATES, SandboxNothsOrder

FIRST_ORDER_ID = 1_000_001
BATCH_SIZE = 2000
MAX_ITEMS_PER_ORDER = 99  # item ids are order id * 100 + position

CURRENCIES = {
    "GBP": {"iso_code": "GBP", "symbol": "£", "html_entity": "&#x00A3;", "subunit_to_unit": 100},
    "EUR": {"iso_code": "EUR", "symbol": "€", "html_entity": "&#x20AC;", "subunit_to_unit": 100},
    "USD": {"iso_code": "USD", "symbol": "$", "html_entity": "$", "subunit_to_unit": 100},
}

# (title, price in pence, personalisable, variant option name, its choices)
PRODUCTS = (
    ("Personalised Birth Print", 3500, True, "Size", ("A4", "A3")),
    ("Personalised Leather Wallet", 4500, True, "Colour", ("Tan", "Black", "Navy")),
    ("Hand Poured Soy Candle", 2200, False, "Scent", ("Fig & Cassis", "Sea Salt", "Orange Blossom")),
    ("Personalised Name Necklace", 3800, True, "Metal", ("Sterling Silver", "Gold Plated", "Rose Gold Plated")),
    ("Letterbox Brownie Gift", 1995, False, "Flavour", ("Classic", "Salted Caramel", "Vegan")),
    ("Personalised Family Doormat", 3200, True, "Size", ("Standard", "Large")),
    ("Merino Wool Bobble Hat", 2800, False, "Colour", ("Mustard", "Navy", "Forest Green")),
    ("Personalised Chopping Board", 3000, True, "Wood", ("Oak", "Walnut")),
    ("Botanical Print Cushion", 3400, False, "Colour", ("Sage", "Blush", "Charcoal")),
    ("Personalised Dog Bowl", 2400, True, "Size", ("Small", "Medium", "Large")),
    ("Enamel Camping Mug", 1400, False, "Colour", ("White", "Sky Blue")),
    ("Personalised Star Map Print", 4000, True, "Frame", ("Unframed", "Black Frame", "Oak Frame")),
    ("Gin Tasting Gift Set", 3600, False, "", ()),
    ("Personalised Baby Blanket", 3900, True, "Colour", ("Grey", "Pink", "Blue", "Cream")),
    ("Silver Hoop Earrings", 2900, False, "Size", ("Small", "Large")),
    ("Personalised Wooden Toy Box", 8500, True, "Finish", ("Natural", "White")),
    ("Organic Cotton Tea Towel Set", 1800, False, "", ()),
    ("Personalised Recipe Book", 2600, True, "Cover", ("Linen", "Leather")),
    ("Ceramic Bud Vase Trio", 3200, False, "Glaze", ("Speckled", "Matte Black")),
    ("Personalised Wedding Sign", 5500, True, "Size", ("Medium", "Large")),
    ("Build Your Own Terrarium Kit", 3300, False, "", ()),
    ("Personalised Cufflinks", 3500, True, "Finish", ("Silver", "Gold")),
    ("Luxury Pyjama Set", 6000, False, "Size", ("S", "M", "L", "XL")),
    ("Personalised Christmas Bauble", 1200, True, "Colour", ("Red", "Green", "Clear")),
)
FIRST_PRODUCT_ID = 5001

PERSONALISATIONS = (
    "Happy birthday Ava",
    "Love always, Tom",
    "Olivia Rose 14.03.2024",
    "Mr & Mrs Patel",
    "The Hendersons est. 2015",
    "Grandad's Shed",
    "Best Dad Ever",
    "To Sam, love Mum x",
    "Noah - 1st Christmas",
    "Bramble",
    "J.M.K.",
    "Home is wherever we're together",
)
FIRST_NAMES = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Freya", "Lily", "Sophie", "Emily", "Priya", "Aisha",
    "Oliver", "George", "Noah", "Arthur", "Harry", "Leo", "Jack", "Oscar", "Charlie", "Mohammed", "Tom", "Rhys",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Khan", "Clarke",
    "O'Neill", "MacDonald", "Hughes", "Edwards",
)  # fmt: skip
STREETS = (
    "High Street", "Church Lane", "Station Road", "Victoria Road", "Mill Lane", "The Green", "Park Avenue",
    "Queen Street", "Orchard Close", "Kingsway", "Meadow View", "Albert Terrace", "Chapel Row", "Beech Grove",
)  # fmt: skip
# (town, county, postcode districts)
UK_TOWNS = (
    ("London", "", ("SW11", "N16", "E8", "SE22", "W4")),
    ("Bath", "Somerset", ("BA1", "BA2")),
    ("York", "North Yorkshire", ("YO1", "YO31")),
    ("Brighton", "East Sussex", ("BN1", "BN2")),
    ("Leeds", "West Yorkshire", ("LS6", "LS8")),
    ("Bristol", "", ("BS6", "BS8")),
    ("Edinburgh", "Midlothian", ("EH3", "EH9")),
    ("Cardiff", "South Glamorgan", ("CF10", "CF24")),
    ("Norwich", "Norfolk", ("NR2", "NR3")),
    ("Oxford", "Oxfordshire", ("OX2", "OX4")),
    ("Manchester", "Greater Manchester", ("M20", "M21")),
    ("Harrogate", "North Yorkshire", ("HG1", "HG2")),
    ("Cheltenham", "Gloucestershire", ("GL50", "GL52")),
    ("Belfast", "County Antrim", ("BT7", "BT9")),
)
# (town, county, postcode, country) for the few orders shipped abroad
ABROAD = (
    ("Dublin", "Co. Dublin", "D02 X285", "Ireland"),
    ("Paris", "", "75011", "France"),
    ("Berlin", "", "10115", "Germany"),
)
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# (code, name, price in pence, weight)
DELIVERY_SERVICES = (
    ("STANDARD", "Standard Delivery", 395, 50),
    ("FREE", "Free Delivery", 0, 20),
    ("EXPRESS_24", "Express Delivery", 695, 12),
    ("EXPRESS_48", "Two Day Express", 495, 6),
    ("STANDARD_COURIER", "Standard Courier", 595, 6),
    ("SATURDAY", "Saturday Delivery", 895, 4),
    ("EXPRESS_12", "Express by 12pm", 995, 2),
)
UK_ZONE = {"id": 1, "name": "UK"}
EUROPE_ZONE = {"id": 2, "name": "Europe"}
GIFT_MESSAGES = (
    "Happy birthday! Hope you love it. All our love, Mum & Dad xx",
    "Congratulations on the new house!",
    "Merry Christmas from all of us",
    "Happy anniversary, here's to the next ten years x",
    "Thinking of you. Love, Jen",
    "Welcome to the world, little one!",
)
DELIVERY_NOTES = (
    "Please leave with neighbour at no. 12 if out",
    "Safe place: behind the side gate",
    "Ring the bell twice, flat is at the back",
    "Please do not leave in the porch",
)
ENQUIRY_MESSAGES = (
    "Hi, could you confirm this will arrive before Saturday? It's a birthday present.",
    "Can I change the personalisation? I spelt the name wrong.",
    "Has my order been sent yet?",
)

SHIPPED_STATES = ("dispatched", "refunded", "archived")
ACCEPTED_OR_LATER = ("accepted", *SHIPPED_STATES)
# The "mixed" choice of the control page: mostly new and accepted orders, like a live shop.
MIXED_STATES = ("placed",) * 5 + ("accepted",) * 3 + ("dispatched",) * 2 + ("declined", "expired")
# States whose timestamp column touch_orders sets when it moves an order there.
STATE_TIMESTAMPS = {
    "accepted": "accepted_at",
    "declined": "declined_at",
    "expired": "expired_at",
    "dispatched": "dispatched_at",
    "archived": "archived_at",
}
# Changed by touch_orders; passed to bulk_update.
TOUCHED_FIELDS = ("state", "updated_at", *STATE_TIMESTAMPS.values(), "document")


# -- generating orders -----------------------------------------------------------------------


def generate_orders(
    account: SandboxAccount,
    count: int,
    *,
    items_per_order: int = 3,
    states=("placed",),
    start: datetime | None = None,
    spacing_seconds: int = 60,
    seed=None,
) -> int:
    """Create `count` realistic orders for `account`; return how many were made.

    Orders are placed one every `spacing_seconds`, the newest one interval before
    `start` (default: now) and older ones further back; ids grow with placed_at. Each
    order's state is drawn from `states` (repeat a state to weight it). Later events
    (accepted_at, dispatched_at, ...) fall between placed_at and `start`, and
    updated_at is the latest of them, so nothing lies in the future. Ids come from
    max + 1, so they are unique across accounts.
    """
    if isinstance(states, str):
        states = (states,)
    if not 1 <= items_per_order <= MAX_ITEMS_PER_ORDER:
        raise ValueError(f"items_per_order must be 1 to {MAX_ITEMS_PER_ORDER}")
    unknown = set(states) - set(NOTHS_STATES)
    if unknown or not states:
        raise ValueError(f"states must be among {', '.join(NOTHS_STATES)}; got {sorted(unknown) or 'none'}")
    rng = random.Random(seed)
    start = (start or now(account)).replace(microsecond=0)
    builder = _OrderBuilder(account, rng, start, items_per_order)
    with transaction.atomic():
        highest = SandboxNothsOrder.objects.aggregate(highest=Max("noths_id"))["highest"]
        first_id = max(highest + 1, FIRST_ORDER_ID) if highest else FIRST_ORDER_ID
        for batch_start in range(0, count, BATCH_SIZE):
            batch = [
                builder.build(
                    noths_id=first_id + i,
                    placed_at=start - timedelta(seconds=spacing_seconds * (count - i)),
                    state=rng.choice(states),
                )
                for i in range(batch_start, min(count, batch_start + BATCH_SIZE))
            ]
            SandboxNothsOrder.objects.bulk_create(batch)
    return count


class _OrderBuilder:
    """Makes one order at a time: its columns, then its JSON document from them."""

    def __init__(self, account: SandboxAccount, rng: random.Random, start: datetime, items_per_order: int):
        self.account = account
        self.rng = rng
        self.start = start
        self.items_per_order = items_per_order
        self.currency = CURRENCIES.get(account.currency, {**CURRENCIES["GBP"], "iso_code": account.currency})
        self.catalogue = catalogue()

    def money(self, cents: int) -> dict:
        return {"cents": cents, "currency": self.currency}

    def build(self, *, noths_id: int, placed_at: datetime, state: str) -> SandboxNothsOrder:
        rng = self.rng
        customer_first, customer_last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        customer = f"{customer_first} {customer_last}"
        gift = rng.random() < 0.25
        # A gift usually goes to someone else; otherwise the customer is the recipient.
        first, last = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)) if gift else (customer_first, customer_last)
        international = rng.random() < 0.05
        address, zone = self.address(international)
        code, service, delivery_cents = self.delivery(international)
        items = self.items(noths_id)
        items_cents = sum(item["listing_total_gross"]["cents"] for item in items)
        discount = items_cents // 10 if rng.random() < 0.1 else 0
        total = items_cents + delivery_cents - discount
        times = self.timeline(state, placed_at)
        shipped = state in SHIPPED_STATES
        tracking = f"{rng.choice(('AB', 'JK', 'RT'))}{rng.randrange(10**8, 10**9)}GB" if shipped else ""

        order = SandboxNothsOrder(
            account=self.account,
            noths_id=noths_id,
            number=f"R{200_000_000 + noths_id}",
            customer_name=customer,
            delivery_recipient_name=f"{first} {last}",
            delivery_service_code=code,
            delivery_zone_id=zone["id"],
            gift=gift,
            international=international,
            repeat_customer=rng.random() < 0.2,
            items_total_cents=items_cents,
            product_ids="," + ",".join(str(item["product"]["id"]) for item in items) + ",",
            state=state,
            placed_at=placed_at,
            dispatch_note_viewed=state in ACCEPTED_OR_LATER,  # sellers print the note once they accept
            tracking_number=tracking,
            parcel_tracking_url=f"https://www.royalmail.com/track-your-item#/tracking-results/{tracking}"
            if tracking
            else "",
            **times,
        )
        rest = {
            "express": code.startswith("EXPRESS"),
            "international": international,
            "gift": gift,
            "gift_wrap": gift and rng.random() < 0.5,
            "gift_receipt": gift,
            "gift_message": rng.choice(GIFT_MESSAGES) if gift and rng.random() < 0.8 else None,
            "delivery_note": rng.choice(DELIVERY_NOTES) if rng.random() < 0.15 else None,
            "repeat_customer": order.repeat_customer,
            "partner_name": self.account.name,
            "delivery_recipient_name": order.delivery_recipient_name,
            "delivery_recipient_first_name": first,
            "delivery_recipient_last_name": last,
            "rebate_qualified": None,
            "rebate_achieved": None,
            "promotion_discount": discount,
            "promotion_present": bool(discount),
            "order_total": self.money(total),
            "delivery_total": self.money(delivery_cents),
            "refund_total": self.money(total if state == "refunded" else 0),
            "remaining_refund_amount": self.money(0 if state == "refunded" else total),
            "extra_refund_amount": self.money(0),
            "user": {
                "name": customer,
                "telephone": f"7700 900{rng.randrange(1000):03d}",
                "telephone_country_code": "+44",
            },
            "delivery_address": address,
            "delivery_service": {"name": service, "code": code},
            "delivery_zone": zone,
            "items": items,
            "links": [],
            "from_wedding_list": rng.random() < 0.02,
            "from_wish_list": rng.random() < 0.05,
        }
        order.write_document(rest)
        return order

    def timeline(self, state: str, placed_at: datetime) -> dict:
        """The state timestamps of an order placed at `placed_at` that reached `state` by start."""
        rng, start = self.rng, self.start

        def later(moment: datetime, within_hours: float) -> datetime:
            room = min((start - moment).total_seconds(), within_hours * 3600)
            return moment + timedelta(seconds=int(rng.uniform(0.05, 1.0) * max(room, 0)))

        times = {
            "confirm_by": placed_at + timedelta(days=3),  # the time left to accept [I]
            "customer_expected_delivery_date": start_of(placed_at.date() + timedelta(days=rng.randint(3, 7))),
        }
        events = [placed_at]
        if state == "expired":
            times["expired_at"] = min(times["confirm_by"], start)
            events.append(times["expired_at"])
        if state == "declined":
            times["declined_at"] = later(placed_at, 24)
            events.append(times["declined_at"])
        if state in ACCEPTED_OR_LATER:
            accepted_at = later(placed_at, 24)
            times["accepted_at"] = accepted_at
            times["estimated_dispatch_at"] = start_of(accepted_at.date() + timedelta(days=2))
            times["estimated_delivery_date"] = start_of(accepted_at.date() + timedelta(days=4))
            events.append(accepted_at)
        if state in SHIPPED_STATES:
            times["dispatched_at"] = later(times["accepted_at"], 72)
            events.append(times["dispatched_at"])
        if state == "refunded":
            events.append(later(times["dispatched_at"], 72))  # the refund has no timestamp of its own
        if state == "archived":
            times["archived_at"] = later(times["dispatched_at"], 24 * 30)
            events.append(times["archived_at"])
        times["updated_at"] = max(events)
        return times

    def address(self, international: bool) -> tuple[dict, dict]:
        rng = self.rng
        if international:
            town, county, post_code, country = rng.choice(ABROAD)
            zone = EUROPE_ZONE
        else:
            town, county, districts = rng.choice(UK_TOWNS)
            letters = "".join(rng.choices(POSTCODE_LETTERS, k=2))
            post_code, country = f"{rng.choice(districts)} {rng.randrange(1, 10)}{letters}", "United Kingdom"
            zone = UK_ZONE
        flat = rng.random() < 0.2
        return {
            "address1": f"Flat {rng.randrange(1, 12)}" if flat else f"{rng.randrange(1, 180)} {rng.choice(STREETS)}",
            "address2": f"{rng.randrange(1, 180)} {rng.choice(STREETS)}" if flat else "",
            "town": town,
            "county": county,
            "post_code": post_code,
            "country": country,
        }, zone

    def delivery(self, international: bool) -> tuple[str, str, int]:
        if international:
            return "STANDARD", "International Delivery", 995
        code, name, cents, _weight = self.rng.choices(DELIVERY_SERVICES, weights=[s[3] for s in DELIVERY_SERVICES])[0]
        return code, name, cents

    def items(self, noths_id: int) -> list[dict]:
        rng, count = self.rng, self.items_per_order
        products = (
            rng.sample(self.catalogue, count) if count <= len(self.catalogue) else rng.choices(self.catalogue, k=count)
        )
        items = []
        for position, product in enumerate(products, start=1):
            quantity = rng.choices((1, 2, 3), weights=(85, 12, 3))[0]
            options = []
            if product["choices"]:
                options.append({"name": product["option"], "value": rng.choice(product["choices"])})
            if product["personalisable"]:
                options.append({"name": "Personalisation", "value": rng.choice(PERSONALISATIONS)})
            items.append(
                {
                    "id": noths_id * 100 + position,
                    "item_title": product["title"],
                    "quantity": quantity,
                    "commission_vat_rate": "20.0",
                    "listing_total_gross": self.money(product["price"] * quantity),  # the line total
                    "product": product["json"],
                    "options": options,
                }
            )
        return items


def catalogue() -> list[dict]:
    """The product catalogue, each with its Product JSON; image URLs point at the sandbox."""
    base = getattr(settings, "SANDBOX_PUBLIC_URL", "").rstrip("/")
    products = []
    for index, (title, price, personalisable, option, choices) in enumerate(PRODUCTS):
        product_id = FIRST_PRODUCT_ID + index
        image = f"{base}{reverse('sandbox:noths-product-image', args=[product_id])}"
        products.append(
            {
                "title": title,
                "price": price,
                "personalisable": personalisable,
                "option": option,
                "choices": choices,
                "json": {
                    "id": product_id,
                    "sku": f"SKU-{product_id}",
                    "title": title,
                    "personalisable": personalisable,
                    "image": {
                        f"{size}_url": f"{image}?size={size}"
                        for size in ("micro", "mini", "thumb", "medium", "preview", "normal")
                    },
                },
            }
        )
    return products


def product_title(product_id: int) -> str:
    index = product_id - FIRST_PRODUCT_ID
    return PRODUCTS[index][0] if 0 <= index < len(PRODUCTS) else "Product"


# -- simulated activity on NOTHS ------------------------------------------------------------


def touch_orders(
    account: SandboxAccount,
    noths_ids=None,
    *,
    count: int | None = None,
    new_state: str | None = None,
    at: datetime | None = None,
) -> int:
    """Simulate changes made on NOTHS: bump updated_at to now (optionally moving the state).

    Touches the orders in `noths_ids`, or `count` random ones, or (neither given) all of
    the account's. No state rules are checked: this is NOTHS's side, not the seller's.
    `at`: when NOTHS records the change instead of now; an earlier time is a change written
    late, behind an `updated_at` window a sync has already read. Returns how many orders changed.
    """
    if new_state is not None and new_state not in NOTHS_STATES:
        raise ValueError(f"new_state must be one of {', '.join(NOTHS_STATES)}")
    orders = account.noths_orders.all()
    if noths_ids is not None:
        orders = orders.filter(noths_id__in=list(noths_ids))
    if count is not None:
        orders = orders.order_by("?")[:count]
    moment = at or now(account)
    with transaction.atomic():
        touched = list(orders)
        for order in touched:
            order.updated_at = moment
            if new_state:
                order.state = new_state
                if column := STATE_TIMESTAMPS.get(new_state):
                    setattr(order, column, moment)
            order.write_document()
        SandboxNothsOrder.objects.bulk_update(touched, TOUCHED_FIELDS, batch_size=500)
    return len(touched)


# -- the demo accounts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    token: str
    shortcode: str
    name: str
    description: str
    faults: tuple[tuple[str, int], ...] = ()
    # (state, how many, hours before now of the newest, minutes between orders), oldest group first
    orders: tuple[tuple[str, int, float, int], ...] = ()


HEALTHY_MIX = (
    ("expired", 3, 120, 240),
    ("declined", 3, 96, 240),
    ("dispatched", 14, 50, 180),
    ("accepted", 45, 20, 60),
    ("placed", 55, 0.1, 45),
)
SMALL_MIX = (("dispatched", 4, 50, 180), ("accepted", 6, 20, 60), ("placed", 10, 0.1, 45))

DEMO_ACCOUNTS = (
    DemoAccount(
        "noths-demo-7f3a9c2e5b8d4f1a",
        "demoshop",
        "The Demo Shop",
        "Healthy store, ~120 orders: mostly placed/accepted, some dispatched, one open enquiry, "
        "one accepted order whose dispatch note is not printed yet.",
        orders=HEALTHY_MIX,
    ),
    DemoAccount(
        "noths-other-2d6e8b1c4a9f7e30",
        "otherstore",
        "Other Store Ltd",
        "A second healthy store with 20 orders.",
        orders=SMALL_MIX,
    ),
    DemoAccount(
        "noths-ratelimited-5c1e7a9d",
        "ratelimited",
        "Rate Limited Crafts",
        "Every API call answers 429 with Retry-After: 30.",
        faults=(("fault_rate_limit", -1), ("retry_after_seconds", 30)),
        orders=(("placed", 10, 1, 60),),
    ),
    DemoAccount(
        "noths-broken-8b2f4d6a",
        "broken",
        "Broken Gifts",
        "Every API call answers 500 Internal Server Error.",
        faults=(("fault_server_error", -1),),
        orders=(("placed", 10, 1, 60),),
    ),
    DemoAccount(
        "noths-garbled-3e9a1c7f",
        "garbled",
        "Garbled Goods",
        "Every API call answers 200 with truncated, invalid JSON.",
        faults=(("fault_malformed_json", -1),),
        orders=(("placed", 10, 1, 60),),
    ),
    DemoAccount(
        "noths-slow-6d4b2a8e",
        "slowshop",
        "Slow Boutique",
        "Healthy but slow: every API call takes 3 seconds.",
        faults=(("slow_ms", 3000),),
        orders=SMALL_MIX,
    ),
)


def ensure_demo_accounts() -> list[SandboxAccount]:
    """Create (or repair) the demo accounts; give orders to any that has none.

    Safe to run again: names and fault switches are reset to the documented values,
    and existing orders are left alone.
    """
    accounts = []
    for demo in DEMO_ACCOUNTS:
        account, _ = SandboxAccount.objects.update_or_create(
            token=demo.token,
            defaults={
                "platform": "noths",
                "shortcode": demo.shortcode,
                "name": demo.name,
                **FAULTS_OFF,
                **dict(demo.faults),
            },
        )
        if not account.noths_orders.exists():
            _demo_orders(account, demo)
        accounts.append(account)
    return accounts


def _demo_orders(account: SandboxAccount, demo: DemoAccount) -> None:
    seed = zlib.crc32(demo.shortcode.encode())
    moment = now(account)
    for group, (state, count, newest_hours_ago, spacing_minutes) in enumerate(demo.orders):
        generate_orders(
            account,
            count,
            items_per_order=1 + group % 2,  # one or two items, for variety
            states=(state,),
            start=moment - timedelta(hours=newest_hours_ago) + timedelta(minutes=spacing_minutes),
            spacing_seconds=spacing_minutes * 60,
            seed=seed + group,
        )
    if demo.shortcode != "demoshop":
        return
    newest_accepted = list(account.noths_orders.filter(state="accepted").order_by("-placed_at")[:2])
    if len(newest_accepted) == 2:
        with_enquiry, note_not_printed = newest_accepted
        open_enquiry(with_enquiry, ENQUIRY_MESSAGES[0])
        note_not_printed.dispatch_note_viewed = False
        note_not_printed.write_document()
        note_not_printed.save()
