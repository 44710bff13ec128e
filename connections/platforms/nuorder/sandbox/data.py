"""Fake NuORDER data: applications and credentials, bulk orders, simulated activity, demo accounts.

Plain functions, so tests, management commands and the control pages share them.
Everything is invented: an apparel brand's catalogue, US boutiques as retailers, sales
reps. The order documents follow platforms/nuorder.md §4 (line items per style and
colour, one size entry per SKU, ISO timestamps with milliseconds and a Z).
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sandbox.models import FAULTS_OFF, SandboxAccount
from sandbox.values import dump_json, iso_ms, to_ms

from .models import (
    NUORDER_RETAIL,
    NUORDER_STATUSES,
    NUORDER_WHOLESALE,
    SandboxNuorderApp,
    SandboxNuorderOrder,
    SandboxNuorderPending,
    SandboxNuorderToken,
)

FIRST_ORDER_NUMBER = 100_001
BATCH_SIZE = 1000
MIXED_STATUSES = ("draft", "review", "pending", "approved", "approved", "approved", "processed", "shipped", "cancelled")
ALNUM = string.ascii_letters + string.digits

# -- credentials -----------------------------------------------------------------------------------


def random_alnum(length: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(length))


def new_consumer_key() -> str:
    return random_alnum(24)


def new_consumer_secret() -> str:
    return secrets.token_hex(32)  # 64 characters, as recorded


def create_app(
    *,
    shortcode: str,
    name: str,
    application_type: str = NUORDER_WHOLESALE,
    currency: str = "USD",
    consumer_key: str | None = None,
    consumer_secret: str | None = None,
    with_token: bool = True,
) -> SandboxNuorderApp:
    """A new NuORDER application (with its SandboxAccount), and a token unless told not to."""
    with transaction.atomic():
        account = SandboxAccount.objects.create(
            platform="nuorder",
            token=consumer_key or new_consumer_key(),
            shortcode=shortcode,
            name=name,
            currency=currency,
        )
        app = SandboxNuorderApp.objects.create(
            account=account,
            application_type=application_type,
            consumer_secret=consumer_secret or new_consumer_secret(),
        )
        if with_token:
            issue_token(app)
    return app


def issue_token(app: SandboxNuorderApp, application_name: str = "") -> SandboxNuorderToken:
    """A final token (24) and token secret (64), as NuORDER's API Management page shows them."""
    return SandboxNuorderToken.objects.create(
        app=app, token=random_alnum(24), token_secret=secrets.token_hex(32), application_name=application_name
    )


def start_pending(app: SandboxNuorderApp, application_name: str, callback: str = "oob") -> SandboxNuorderPending:
    """What GET /api/initiate records: a pending application with a temporary token (16) and secret (24)."""
    return SandboxNuorderPending.objects.create(
        app=app,
        application_name=application_name,
        callback=callback,
        request_token=random_alnum(16),
        request_token_secret=random_alnum(24),
    )


def approve_pending(pending: SandboxNuorderPending) -> str:
    """A human approves the application in NuORDER: it gets a 16-character verification code."""
    if not pending.verifier:
        pending.verifier = random_alnum(16)
        pending.approved_at = timezone.now()
        pending.save(update_fields=["verifier", "approved_at"])
    return pending.verifier


def exchange_pending(pending: SandboxNuorderPending) -> SandboxNuorderToken:
    """GET /api/token succeeded: the final token; the temporary one is used up."""
    token = issue_token(pending.app, pending.application_name)
    pending.exchanged_at = timezone.now()
    pending.issued_token = token
    pending.save(update_fields=["exchanged_at", "issued_token"])
    return token


# -- the catalogue, retailers and reps -----------------------------------------------------------------

# (style_number, name, department, division, wholesale price, colours [(name, code)], size run)
# fmt: off
STYLES = (
    ("HP1001", "Classic Oxford Shirt", "Men", "Tops", 34.0, (("White", "WHT"), ("Light Blue", "LBL"), ("Navy", "NVY")), ("S", "M", "L", "XL")),  # noqa: E501
    ("HP1002", "Slim Stretch Chino", "Men", "Bottoms", 38.0, (("Khaki", "KHK"), ("Olive", "OLV"), ("Navy", "NVY")), ("30", "32", "34", "36")),  # noqa: E501
    ("HP1003", "Merino Crew Sweater", "Men", "Knits", 46.0, (("Charcoal", "CHR"), ("Oatmeal", "OAT")), ("S", "M", "L", "XL")),  # noqa: E501
    ("HP1004", "Waxed Field Jacket", "Men", "Outerwear", 98.0, (("Olive", "OLV"), ("Black", "BLK")), ("S", "M", "L", "XL")),  # noqa: E501
    ("HP2001", "Linen Wrap Dress", "Women", "Dresses", 52.0, (("Sand", "SND"), ("Black", "BLK"), ("Sage", "SGE")), ("XS", "S", "M", "L")),  # noqa: E501
    ("HP2002", "High Rise Wide Leg Jean", "Women", "Denim", 48.0, (("Indigo", "IND"), ("Ecru", "ECR")), ("24", "26", "28", "30")),  # noqa: E501
    ("HP2003", "Cashmere Blend Cardigan", "Women", "Knits", 64.0, (("Camel", "CML"), ("Ivory", "IVR"), ("Rose", "RSE")), ("XS", "S", "M", "L")),  # noqa: E501
    ("HP2004", "Silk Slip Skirt", "Women", "Bottoms", 42.0, (("Champagne", "CHP"), ("Black", "BLK")), ("XS", "S", "M", "L")),  # noqa: E501
    ("HP2005", "Quilted Puffer Vest", "Women", "Outerwear", 56.0, (("Black", "BLK"), ("Moss", "MOS")), ("XS", "S", "M", "L")),  # noqa: E501
    ("HP3001", "Organic Cotton Tee", "Unisex", "Tops", 14.0, (("White", "WHT"), ("Black", "BLK"), ("Heather Grey", "HGR"), ("Clay", "CLY")), ("XS", "S", "M", "L", "XL")),  # noqa: E501
    ("HP3002", "Fleece Half Zip", "Unisex", "Tops", 36.0, (("Forest", "FRS"), ("Cream", "CRM")), ("XS", "S", "M", "L", "XL")),  # noqa: E501
    ("HP3003", "Canvas Weekender Bag", "Unisex", "Accessories", 44.0, (("Natural", "NAT"), ("Navy", "NVY")), ("OS",)),
    ("HP3004", "Ribbed Beanie", "Unisex", "Accessories", 12.0, (("Mustard", "MST"), ("Charcoal", "CHR"), ("Red", "RED")), ("OS",)),  # noqa: E501
    ("HP3005", "Leather Belt", "Unisex", "Accessories", 22.0, (("Tan", "TAN"), ("Black", "BLK")), ("S", "M", "L")),
)
SEASONS = ("SS25", "FW25")
WAREHOUSES = ("default", "default", "default", "East Coast DC")
# (retailer_name, retailer_code, buyer_name, buyer_email domain, line_1, city, state, zip)
RETAILERS = (
    ("Maple Street Boutique", "MAPLEST", "Jo Buyer", "maplestreet.example", "214 Maple St", "Burlington", "VT", "05401"),  # noqa: E501
    ("Coastline Outfitters", "COASTLN", "Marcus Reyes", "coastline.example", "88 Ocean Ave", "Santa Cruz", "CA", "95060"),  # noqa: E501
    ("The Dry Goods Co.", "DRYGOODS", "Priya Natarajan", "drygoods.example", "1420 Pearl St", "Boulder", "CO", "80302"),
    ("Hudson & Finch", "HUDFINCH", "Elena Rossi", "hudsonfinch.example", "35 Warren St", "Hudson", "NY", "12534"),
    ("Lone Pine Mercantile", "LONEPINE", "Caleb Turner", "lonepine.example", "9 Main St", "Bozeman", "MT", "59715"),
    ("Bayou Threads", "BAYOU", "Danielle Broussard", "bayouthreads.example", "512 Magazine St", "New Orleans", "LA", "70130"),  # noqa: E501
    ("Northside Supply", "NORTHSD", "Sam Okafor", "northside.example", "2301 N Lincoln Ave", "Chicago", "IL", "60614"),
    ("Juniper & Sage", "JUNIPER", "Hannah Lee", "junipersage.example", "77 King St", "Charleston", "SC", "29401"),
    ("Desert Bloom Goods", "DSRTBLM", "Luis Ortega", "desertbloom.example", "4 E Congress St", "Tucson", "AZ", "85701"),
    ("Harbor Lane Shop", "HARBORLN", "Abby Walsh", "harborlane.example", "60 Commercial St", "Portland", "ME", "04101"),
    ("Rose City Collective", "ROSECITY", "Theo Nguyen", "rosecity.example", "1010 NW 23rd Ave", "Portland", "OR", "97210"),  # noqa: E501
    ("Prairie Wind Apparel", "PRAIRIE", "Megan Schultz", "prairiewind.example", "325 Massachusetts St", "Lawrence", "KS", "66044"),  # noqa: E501
)
REPS = (("Alex Morgan", "AM01"), ("Jordan Blake", "JB02"), ("Casey Kim", "CK03"), ("House Account", "HOUSE"))
NOTES = ("", "", "", "Please ship complete.", "Call before delivery.", "Hold for 2nd ship window.", "Reorder of SS24 bestsellers.")  # noqa: E501
CARRIERS = (("UPS", "1Z"), ("FedEx", ""), ("USPS", "94"))
# fmt: on


def object_id(*parts) -> str:
    """A stable 24-hex id, Mongo ObjectId-shaped, made from `parts`."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24]


def upc(style_index: int, colour_index: int, size_index: int) -> str:
    """A 12-digit UPC-A with a valid check digit."""
    body = f"08{6300 + style_index:04d}{colour_index:02d}{size_index:03d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _products() -> list[dict]:
    """Each (style, colour) of the catalogue, with its product JSON and its size entries' fixed parts."""
    products = []
    for s_index, (style, name, department, division, price, colours, size_run) in enumerate(STYLES):
        for c_index, (colour, code) in enumerate(colours):
            season = SEASONS[(s_index + c_index) % len(SEASONS)]
            products.append(
                {
                    "price": price,
                    "sizes": [(size, upc(s_index, c_index, z_index)) for z_index, size in enumerate(size_run)],
                    "json": {
                        "_id": object_id("product", style, code),
                        "style_number": style,
                        "name": name,
                        "color": colour,
                        "color_code": code,
                        "brand_id": f"{style}_{code}".lower(),  # NuORDER lowercases brand_id (§7)
                        "season": season,
                        "department": department,
                        "division": division,
                    },
                }
            )
    return products


PRODUCTS = _products()


# -- orders ----------------------------------------------------------------------------------------------


def generate_orders(
    account: SandboxAccount,
    count: int,
    *,
    statuses=("approved",),
    lines: int = 2,
    sizes: int = 3,
    seed: int | None = None,
    newest: datetime | None = None,
    spacing_seconds: int = 1800,
) -> int:
    """Bulk-create `count` orders for a NuORDER account; returns how many were made.

    Each order picks its status from `statuses` at random, has `lines` line items (each a
    different style/colour) of up to `sizes` sizes. Order numbers continue the account's
    sequence; `created_on` runs up to `newest` (default now), `spacing_seconds` apart.
    """
    unknown = [s for s in statuses if s not in NUORDER_STATUSES]
    if unknown or not statuses:
        raise ValueError(f"statuses must be among {', '.join(NUORDER_STATUSES)}")
    if count <= 0:
        return 0
    lines = max(1, min(lines, len(PRODUCTS)))
    sizes = max(1, sizes)
    maker = _OrderMaker(account, random.Random(seed), lines, sizes)
    newest = to_ms(newest or account.now())
    first = (account.nuorder_orders.aggregate(top=Max("sequence"))["top"] or 0) + 1
    with transaction.atomic():
        batch = []
        for offset in range(count):
            created = newest - timedelta(seconds=spacing_seconds * (count - 1 - offset))
            batch.append(maker.order(first + offset, maker.rng.choice(statuses), created, newest))
            if len(batch) >= BATCH_SIZE:
                SandboxNuorderOrder.objects.bulk_create(batch)
                batch = []
        if batch:
            SandboxNuorderOrder.objects.bulk_create(batch)
    return count


class _OrderMaker:
    def __init__(self, account: SandboxAccount, rng: random.Random, lines: int, sizes: int):
        self.account, self.rng, self.lines, self.sizes = account, rng, lines, sizes
        self.currency = account.currency or "USD"

    def order(self, sequence: int, status: str, created: datetime, newest: datetime) -> SandboxNuorderOrder:
        rng = self.rng
        # Later changes (approval, processing) happened a little after creation, never after `newest`.
        modified = to_ms(min(newest, created + timedelta(minutes=rng.randint(5, 72 * 60))))
        number = str(FIRST_ORDER_NUMBER + sequence - 1)
        nuorder_id = f"{int(created.timestamp()) & 0xFFFFFFFF:08x}{self.account.pk & 0xFFFFFF:06x}{sequence:010x}"
        name, code, buyer, domain, line_1, city, state, zip_code = rng.choice(RETAILERS)
        rep_name, rep_code = rng.choice(REPS)
        start_ship = datetime.combine((created + timedelta(days=rng.randint(10, 45))).date(), datetime.min.time(), UTC)
        end_ship = start_ship + timedelta(days=30)
        line_items, total, quantity = self.line_items(nuorder_id, start_ship, end_ship)
        address = {
            "display_name": name,
            "line_1": line_1,
            "line_2": rng.choice(("", "", "Suite 100", "Receiving Dock B")),
            "city": city,
            "state": state,
            "zip": zip_code,
            "country": "USA",
            "code": f"{code}-01",
            "ref": object_id("address", code),
        }
        billing = {**address, "line_2": "", "code": f"{code}-BILL", "ref": object_id("billing", code)}
        doc = {
            "_id": nuorder_id,
            "order_number": number,
            "external_id": "",
            "status": status,
            "currency_code": self.currency,
            "total": total,
            "total_quantity": quantity,
            "discount": 0,
            "additional_percentage": 0,
            "customer_po_number": f"PO-{code}-{rng.randint(1000, 9999)}",
            "created_on": iso_ms(created),
            "modified_on": iso_ms(modified),
            "start_ship": iso_ms(start_ship),
            "end_ship": iso_ms(end_ship),
            "order_type": rng.choice(("Booking", "Booking", "Immediate Order")),
            "retailer": {
                "_id": object_id("retailer", code),
                "retailer_name": name,
                "retailer_code": code,
                "buyer_name": buyer,
                "buyer_email": f"{buyer.split()[0].lower()}@{domain}",
            },
            "billing_address": billing,
            "shipping_address": address,
            "rep_name": rep_name,
            "rep_code": rep_code,
            "rep_email": f"{rep_code.lower()}@brand.example",
            "notes": rng.choice(NOTES),
            "submitted_by": rng.choice(("web", "web", "rep", "ipad")),
            "creator_name": rng.choice((buyer, rep_name)),
            "buyer_submitted": True,
            "edited": False,
            "split": False,
            "locked": status == "cancelled",
            "is_drop_ship": False,
            "payment_status": "Not Paid",
            "shipping_information": {},
            "line_items": line_items,
            "shipments": self.shipments(status, modified, line_items),
            "__shipment_status": [],
            "__split_overrides": [],
        }
        return SandboxNuorderOrder(
            account=self.account,
            nuorder_id=nuorder_id,
            order_number=number,
            sequence=sequence,
            status=status,
            modified_on=modified,
            document=dump_json(doc),
        )

    def line_items(self, nuorder_id: str, start_ship: datetime, end_ship: datetime) -> tuple[list, float, int]:
        rng = self.rng
        items, total, quantity = [], 0.0, 0
        for position, product in enumerate(rng.sample(PRODUCTS, self.lines), start=1):
            run = product["sizes"]
            count = min(self.sizes, len(run))
            first = rng.randint(0, len(run) - count)
            size_entries = []
            for size, code in run[first : first + count]:
                qty = rng.choice((2, 4, 6, 6, 12))
                price = product["price"]
                size_entries.append(
                    {
                        "size": size,
                        "quantity": qty,
                        "price": price,
                        "original_price": price,
                        "price_precise": f"{price:.2f}",
                        "units_per_pack": 1,
                        "upc": code,
                    }
                )
                total += qty * price
                quantity += qty
            items.append(
                {
                    "id": object_id("line", nuorder_id, position),
                    "product": product["json"],
                    "warehouse": rng.choice(WAREHOUSES),
                    "ship_start": iso_ms(start_ship),
                    "ship_end": iso_ms(end_ship),
                    "prebook": False,
                    "discount": 0,
                    "notes": "",
                    "sizes": size_entries,
                }
            )
        return items, round(total, 2), quantity

    def shipments(self, status: str, modified: datetime, line_items: list) -> list:
        if status != "shipped":
            return []
        carrier, prefix = self.rng.choice(CARRIERS)
        tracking = prefix + "".join(self.rng.choice(string.digits) for _ in range(16))
        return [
            {
                "type": "shipment",
                "carrier": carrier,
                "tracking_numbers": [tracking],
                "status": "shipped",
                "shipment_date": iso_ms(modified),
                "line_items": [
                    {
                        "brand_id": item["product"]["brand_id"],
                        "season": item["product"]["season"],
                        "style_number": item["product"]["style_number"],
                        "color": item["product"]["color"],
                        "sizes": [{"size": s["size"], "quantity": s["quantity"]} for s in item["sizes"]],
                    }
                    for item in line_items
                ],
            }
        ]


# -- simulated activity on NuORDER --------------------------------------------------------------------------


def touch_orders(account: SandboxAccount, *, count: int | None = None, new_status: str | None = None) -> int:
    """Simulate changes made in NuORDER's UI: bump modified_on to now, optionally moving the status.

    Touches `count` random orders (all, if None). No status rules: this is the brand's
    side, not the API's. Returns how many orders changed.
    """
    if new_status is not None and new_status not in NUORDER_STATUSES:
        raise ValueError(f"new_status must be one of {', '.join(NUORDER_STATUSES)}")
    orders = account.nuorder_orders.all()
    if count is not None:
        orders = orders.order_by("?")[:count]
    moment = to_ms(account.now())
    with transaction.atomic():
        touched = list(orders)
        for order in touched:
            doc = json.loads(order.document)
            order.modified_on = moment
            doc["modified_on"] = iso_ms(moment)
            if new_status:
                order.status = doc["status"] = new_status
                doc["locked"] = new_status == "cancelled"
            order.document = dump_json(doc)
        SandboxNuorderOrder.objects.bulk_update(touched, ["status", "modified_on", "document"], batch_size=500)
    return len(touched)


# -- the demo accounts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoApp:
    """A demo NuORDER application with fixed, documented credentials (all fake)."""

    application_type: str
    consumer_key: str
    consumer_secret: str
    token: str  # "" = no token yet: do the initiate → approve → token handshake
    token_secret: str
    shortcode: str
    name: str
    description: str
    faults: tuple[tuple[str, int], ...] = ()
    # (status, how many), oldest first
    orders: tuple[tuple[str, int], ...] = ()


BRAND_MIX = (
    ("cancelled", 3),
    ("shipped", 10),
    ("processed", 8),
    ("approved", 40),
    ("pending", 5),
    ("review", 4),
    ("draft", 3),
)
BUYER_MIX = (("cancelled", 1), ("shipped", 4), ("processed", 5), ("approved", 15), ("pending", 3), ("review", 2))
SMALL_MIX = (("processed", 3), ("approved", 10), ("pending", 2))

DEMO_ACCOUNTS = [
    DemoApp(
        NUORDER_WHOLESALE,
        "38IruIgLuTrKpByp8qAkmmE7",
        "e74f95d5cdb21dc5523fee773f672d5dfa2acce12dabc4ea217a2ff86130dc28",
        "tWk5en66Rq5D05P1n5LdOKgq",
        "91649e9ba0f8da5bc00b8ac84b43139b709ec056fa714c23b47424926debd885",
        "harborpine",
        "Harbor & Pine Apparel",
        "Healthy Wholesale brand: 40 approved orders, plus draft, review, pending, processed, shipped "
        "and cancelled ones (73 in all).",
        orders=BRAND_MIX,
    ),
    DemoApp(
        NUORDER_RETAIL,
        "QNL9TPBLbtEZyDco8RzqihHn",
        "5ac15ed36fbbab4085d4fa698bb3dad594fc8bd3b903252c2554d75825f641e8",
        "MpZnEUWqYBBHyjd4PdokMHix",
        "ef22749df1ad2b342587bf95373b2133f6c0f90a922b5e6cccf74b6a8c6a4ba7",
        "maplestreet",
        "Maple Street Boutique (buyer)",
        "Retail (buyer) application on the retail host: reads 30 orders (15 approved) but may not change them (403).",
        orders=BUYER_MIX,
    ),
    DemoApp(
        NUORDER_WHOLESALE,
        "l2DfShvmT3hAspm5DZ5Jb0UL",
        "eb5eac9f812b5063c3550c637b00a60ccae9d40af52afd68ec27981c3eca1988",
        "",
        "",
        "northwind",
        "Northwind Knitwear",
        "Wholesale, consumer key and secret only: no token yet. Run the initiate handshake, approve it at "
        "/sandbox/nuorder/approve/, then exchange the code. Seeding again removes the tokens it got.",
        orders=SMALL_MIX,
    ),
    DemoApp(
        NUORDER_WHOLESALE,
        "WrCTFgnv7k5yvr510Ri6XiPk",
        "716b5f3264ec9586f68101aaa1fec81121115fe4e784150178208862128b62e8",
        "sbUrZRmHbZ71Ch7qyYFnBJNo",
        "21bcc9175c5dc28a01ca96e8d24e5bf3e4ae58d48cdd4b18cb9c1a9109909506",
        "broken",
        "Broken Brand Co.",
        "Every API call (after a good signature) answers 500 with a plain-text body.",
        faults=(("fault_server_error", -1),),
        orders=(("approved", 5),),
    ),
    DemoApp(
        NUORDER_WHOLESALE,
        "94caPIG7MndtwXbjHMAU9FyM",
        "c1d1df221408bdc671a91fe79e9ee678c0eb3d000f7dc6b90612ae270484c6bb",
        "WNTfcrLQSlBrxVxEjgVJTFK9",
        "0ab9f57f4451c2b9ab606e621ab83c076af700a50429a30b0b372de2921b2e70",
        "ratelimited",
        "Rate Limited Knits",
        "Every API call answers 429 with Retry-After: 30.",
        faults=(("fault_rate_limit", -1), ("retry_after_seconds", 30)),
        orders=(("approved", 5),),
    ),
    DemoApp(
        NUORDER_WHOLESALE,
        "otSs4LSduLgxlBcNCw31nhaA",
        "c5a1250b078bd26bb65fed821f34cfbf33056dfc24d17ffda586a0c172677192",
        "xBjh2xDJoY4rpRaAB3BuZUhS",
        "3c6baaf4a8f88f201a89bb923b137fb06c49c7101a6aac05faa552e673c5c12b",
        "garbled",
        "Garbled Goods",
        "Every API call answers 200 with truncated, invalid JSON.",
        faults=(("fault_malformed_json", -1),),
        orders=(("approved", 5),),
    ),
    DemoApp(
        NUORDER_WHOLESALE,
        "sOufrhEDBypCPtjNTlquf4Vs",
        "fa884833d55b9b9723f5e125fcaf2a60ecbec7b0aa3790d7519bf874fd34e6b0",
        "0JMq0AtgTgpsc7567ubqJ6aV",
        "146722edbcd7a931c2f3786bd3fd5bdcce80e5640d47028c68142afcdb93e25a",
        "emptybody",
        "Empty Body Basics",
        "Every read (GET) answers 200 with an empty body; writes work.",
        faults=(("fault_empty_body", -1),),
        orders=(("approved", 5),),
    ),
    DemoApp(
        NUORDER_WHOLESALE,
        "N9jdqEHErErEVWsruxNNXpVX",
        "2f30d4820190ee94a1e1cc5a05d1be81311b51bc89cd2fb4039abebbee46e430",
        "0gyTbRjfF7zye9Tjiv4RxNEY",
        "b3025e71a98467f2a5de5e99ca31311ded3d141bd3403376e44a05147e255102",
        "slowbrand",
        "Slow Brand Supply",
        "Healthy but slow: every API call takes 3 seconds.",
        faults=(("slow_ms", 3000),),
        orders=SMALL_MIX,
    ),
]


def ensure_demo_accounts() -> list[SandboxAccount]:
    """Create (or repair) the demo NuORDER applications; give orders to any that has none.

    Safe to run again: names, secrets, tokens and fault switches are reset to the
    documented values; existing orders are left alone. Tokens other than the documented
    one (from handshakes) are removed, as are pending applications, so the handshake demo
    starts again from "no token".
    """
    accounts = []
    with transaction.atomic():
        for demo in DEMO_ACCOUNTS:
            account, _ = SandboxAccount.objects.update_or_create(
                token=demo.consumer_key,
                defaults={
                    "platform": "nuorder",
                    "shortcode": demo.shortcode,
                    "name": demo.name,
                    "currency": "USD",
                    **FAULTS_OFF,
                    **dict(demo.faults),
                },
            )
            app, _ = SandboxNuorderApp.objects.update_or_create(
                account=account,
                defaults={
                    "application_type": demo.application_type,
                    "consumer_secret": demo.consumer_secret,
                    "check_nonces": False,
                },
            )
            app.pending.all().delete()
            app.tokens.exclude(token=demo.token).delete()
            if demo.token:
                SandboxNuorderToken.objects.update_or_create(
                    token=demo.token, defaults={"app": app, "token_secret": demo.token_secret}
                )
            if not account.nuorder_orders.exists():
                _demo_orders(account, demo)
            accounts.append(account)
    return accounts


def _demo_orders(account: SandboxAccount, demo: DemoApp) -> None:
    seed = int(hashlib.sha256(demo.shortcode.encode()).hexdigest()[:8], 16)
    moment = account.now()
    groups = len(demo.orders)
    for group, (status, count) in enumerate(demo.orders):
        # Older groups first: shipped orders are days old, drafts are from today.
        generate_orders(
            account,
            count,
            statuses=(status,),
            lines=1 + group % 3,
            sizes=2 + group % 3,
            seed=seed + group,
            newest=moment - timedelta(hours=6 * (groups - 1 - group)),
            spacing_seconds=1800,
        )
