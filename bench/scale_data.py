"""The data set of `bench/scale.py`, built fast on PostgreSQL: templates through the app, multiplied in SQL.

A few template rows per platform are written the way the app writes them (orders through
`orders.ingest.ingest_page`, connections, credentials, runs and webhook events through the
ORM), then copied by `INSERT ... SELECT` over `generate_series`. The copies' columns are read
from the database at run time: a column this file does not name is copied from its template
row as the app wrote it, so a column added or changed elsewhere (a compressed payload, say)
needs no change here. The templates are deleted at the end.

Full size (scale 1.0): 200 merchants, 1,000 connections (the registry's platforms in turn),
1,000,000 orders (404,500 of them on one connection of one merchant; 200 of the connections are
one other merchant's, a chain's outlets), 3,000,000 items,
1,600,000 order events, 30,000 sync runs (10,000 on the big connection) and 500,000 webhook
events (100,000 on one connection of the first platform that takes webhooks). `Sizes.scaled`
shrinks everything in proportion.

Needs Django set up on a PostgreSQL database that has been migrated.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection as db
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import AUTHENTICATOR_NAME
from api.models import ApiToken
from connections.models import Connection, Credential, SyncRun, WebhookEvent
from connections.platforms import registry
from connections.platforms.base import NormalizedItem, NormalizedOrder
from orders.ingest import ImportPolicy, ingest_page
from orders.models import Order, OrderEvent, OrderItem, OutboundAction
from portal.models import Membership, Merchant

PASSWORD = "bench-scale-pass-7Qe!"  # noqa: S105 (the scratch database's users only)
TEMPLATES_PER_PLATFORM = 4  # orders of different states, per platform
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Lewis",
    "James",
    "Phillips",
    "Mason",
    "Mitchell",
    "Rose",
    "Davis",
    "Rodriguez",
    "Cox",
    "Alexander",
    "Morgan",
    "Moore",
    "Martin",
    "Price",
    "Scott",
    "Hughes",
    "Edwards",
    "Hill",
    "Baker",
    "Harris",
    "Turner",
    "Cooper",
]
FIRST_NAMES = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Noah",
    "Oliver",
    "George",
    "Arthur",
    "Leo",
    "Harry",
    "Oscar",
    "Freya",
    "Lily",
    "Jack",
    "Sophia",
]


@dataclass(frozen=True)
class Sizes:
    merchants: int = 200
    connections: int = 1_000
    orders: int = 1_000_000
    big_orders: int = 404_500
    items_per_order: int = 3
    second_events_per_5: int = 3  # 3 orders in 5 get a second event: 1.6 events an order
    runs: int = 30_000
    big_runs: int = 10_000
    webhook_events: int = 500_000
    big_webhook_events: int = 100_000
    chain: int = 200  # of the connections, the outlets of one merchant (a Partner API chain's are each one)

    @classmethod
    def scaled(cls, orders: int) -> Sizes:
        full = cls()
        f = orders / full.orders
        platforms = len(registry.all_platforms())

        def part(value: int, least: int) -> int:
            return max(least, round(value * f))

        return cls(
            merchants=part(full.merchants, 3),
            connections=part(full.connections, 2 * platforms + 2),
            orders=orders,
            big_orders=part(full.big_orders, 1),
            runs=part(full.runs, 4),
            big_runs=part(full.big_runs, 2),
            webhook_events=part(full.webhook_events, 4),
            big_webhook_events=part(full.big_webhook_events, 2),
            chain=part(full.chain, 2),
        )


def build(sizes: Sizes, log=print) -> dict:
    """Build the data set; return the facts the bench needs (ids, sign-ins, search terms)."""
    if db.vendor != "postgresql":
        raise RuntimeError("bench/scale_data.py builds its data set with PostgreSQL's SQL only")
    now = timezone.now()
    with transaction.atomic():
        facts = _people_and_fleet(sizes, now)
        templates = _templates(now)
    log(f"fleet: {sizes.merchants:,} merchants, {sizes.connections:,} connections")
    with transaction.atomic():
        _fleet_table(facts, templates)
        _orders(sizes, facts, templates)
    log(f"orders: {sizes.orders:,}")
    with transaction.atomic():
        _items_and_events(sizes, templates)
    log("items, order events and outbound actions")
    with transaction.atomic():
        _runs(sizes, facts, templates)
        _webhook_events(sizes, facts, templates)
        Merchant.objects.filter(pk=templates["merchant"]).delete()
    log("sync runs and webhook events")
    with db.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_fleet")
    facts.update(_search_terms(facts))
    return facts


def analyze() -> None:
    """VACUUM (ANALYZE): the statistics, and the visibility map a table that has lived a while has.

    Without the VACUUM a freshly copied table has no page marked all-visible, so every count
    and index-only scan reads the heap too, until autovacuum gets there at some moment during
    the measuring; with it every run starts from the same state, as a deployment's would be.
    """
    with db.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def counts() -> dict[str, int]:
    """Exact row counts of what the data set is made of."""
    return {
        "merchants": Merchant.objects.count(),
        "connections": Connection.objects.count(),
        "orders": Order.objects.count(),
        "items": OrderItem.objects.count(),
        "order_events": OrderEvent.objects.count(),
        "sync_runs": SyncRun.objects.count(),
        "webhook_events": WebhookEvent.objects.count(),
        "outbound_actions": OutboundAction.objects.count(),
    }


# == people and connections =================================================================


def _credential_values(platform) -> dict[str, str]:
    return {f.name: (f.choices[0][0] if f.choices else str(uuid.uuid4())) for f in platform.credential_fields}


def _connection(merchant_id: int, platform, name: str, now, **fields) -> Connection:
    return Connection(
        merchant_id=merchant_id,
        platform=platform.key,
        name=name,
        status=Connection.Status.CONNECTED,
        import_statuses=[s.code for s in platform.states],
        last_success_at=now - timedelta(minutes=5),
        **fields,
    )


def _people_and_fleet(sizes: Sizes, now) -> dict:
    User = get_user_model()
    platforms = registry.all_platforms()
    hooked = [p for p in platforms if p.deliveries is not None]
    if not hooked:
        raise RuntimeError("no registered platform takes webhooks")
    big_platform = next((p for p in platforms if p.deliveries is None), platforms[0])
    hook_platform = hooked[0]

    merchants = Merchant.objects.bulk_create(Merchant(name=f"Bench Merchant {i:03}") for i in range(sizes.merchants))
    password = make_password(PASSWORD)
    owners = User.objects.bulk_create(
        User(username=f"owner{i:03}", email=f"owner{i:03}@example.com", password=password)
        for i in range(sizes.merchants)
    )
    Membership.objects.bulk_create(
        Membership(user=u, merchant=m, role=Membership.Role.OWNER) for u, m in zip(owners, merchants, strict=True)
    )
    staff = User.objects.create(
        username="benchstaff", email="staff@example.com", password=password, is_staff=True, is_superuser=True
    )
    totp_key = secrets.token_hex(20)
    TOTPDevice.objects.create(user=staff, name=AUTHENTICATOR_NAME, confirmed=True, key=totp_key)

    big_merchant = merchants[0]
    rows = [
        _connection(big_merchant.pk, big_platform, "big-store", now, next_sync_at=now + timedelta(minutes=15)),
        _connection(big_merchant.pk, hook_platform, "hook-store", now, next_sync_at=now + timedelta(minutes=15)),
    ]
    chain = min(sizes.chain, sizes.connections - len(rows))
    for i in range(sizes.connections - len(rows)):
        platform = platforms[i % len(platforms)]
        # The first `chain` go to the second merchant, a chain of outlets; the rest round the others.
        merchant = merchants[1] if i < chain else merchants[2 + i % (len(merchants) - 2)]
        # Spread over the half hour, as a steady fleet is: about 1 in 30 due each minute.
        due = now + timedelta(seconds=60 + (i * 1_777) % 1_800)
        rows.append(_connection(merchant.pk, platform, f"store-{i:05}", now, next_sync_at=due))
    fleet = Connection.objects.bulk_create(rows)
    credentials = []
    for connection in fleet:
        credential = Credential(connection=connection)
        credential.set_values(_credential_values(connection.adapter), connection.adapter.credential_fields)
        credentials.append(credential)
    Credential.objects.bulk_create(credentials)
    _, token = ApiToken.issue(owners[0], big_merchant, "bench")
    _, chain_token = ApiToken.issue(owners[1], merchants[1], "bench")
    return {
        "password": PASSWORD,
        "owner": owners[0].username,
        "chain_owner": owners[1].username,
        "staff": staff.username,
        "totp_key": totp_key,
        "api_token": token,
        "chain_api_token": chain_token,
        "big_merchant": big_merchant.pk,
        "big_connection": fleet[0].pk,
        "hook_connection": fleet[1].pk,
        "hook_platform": hook_platform.key,
        "sizes": asdict(sizes),
    }


# == templates: a few rows written the app's way ============================================


def _template_order(platform, k: int, now) -> NormalizedOrder:
    state = platform.states[k % len(platform.states)]
    surname = SURNAMES[k]
    items = tuple(
        NormalizedItem(
            external_id=f"T{k}-{n}",
            title=f"Personalised {('mug', 'print', 'necklace')[n]} with a long descriptive title, gift boxed",
            quantity=1 + n,
            unit_price=Decimal("12.50"),
            total=Decimal("12.50") * (1 + n),
            sku=f"SKU-{k}{n}-0042",
            options=(("Colour", "Navy"), ("Personalisation", f"For {surname}, with love")),
            image_url="https://images.example.com/p/0042.jpg",
        )
        for n in range(3)
    )
    address = {
        "name": f"Olivia {surname}",
        "line1": "12 Acacia Avenue",
        "line2": "Flat 3",
        "city": "Bristol",
        "postcode": "BS1 4DJ",
        "country": "GB",
    }
    raw = {
        "id": f"T{platform.key}{k}",
        "number": f"T-{k}",
        "state": state.code,
        "customer": {"name": f"Olivia {surname}", "email": "olivia@example.com", "phone": "+44 7700 900123"},
        "delivery_address": address,
        "items": [
            {"id": i.external_id, "title": i.title, "sku": i.sku, "quantity": i.quantity, "price": str(i.unit_price)}
            for i in items
        ],
        "gift_message": "Happy birthday! " * 20,
        "history": [{"at": (now - timedelta(hours=h)).isoformat(), "note": "state changed " * 5} for h in range(8)],
    }
    return NormalizedOrder(
        external_id=raw["id"],
        number=raw["number"],
        status=state.status,
        platform_status=state.code,
        placed_at=now - timedelta(days=1),
        platform_updated_at=now - timedelta(hours=1),
        currency="GBP",
        total=sum((i.total for i in items), Decimal("4.95")),
        subtotal=sum((i.total for i in items), Decimal("0")),
        shipping_total=Decimal("4.95"),
        customer_name=address["name"],
        customer_email="olivia@example.com",
        customer_phone="+44 7700 900123",
        shipping_address=address,
        items=items,
        notes=(("Gift message", "Happy birthday!"),),
        raw=raw,
    )


def _templates(now) -> dict:
    """Template rows on a template merchant of their own (deleted, with them, at the end)."""
    merchant = Merchant.objects.create(name="Bench templates")
    orders: dict[str, list[int]] = {}
    connections = {}
    for platform in registry.all_platforms():
        connection = _connection(merchant.pk, platform, f"template-{platform.key}", now)
        connection.save()
        connections[platform.key] = connection
        page = [_template_order(platform, k, now) for k in range(TEMPLATES_PER_PLATFORM)]
        policy = ImportPolicy.for_connection(connection)
        ingest_page(connection, page, policy=policy)
        orders[platform.key] = list(
            Order.objects.filter(connection=connection).order_by("external_id").values_list("pk", flat=True)
        )
    any_order = Order.objects.get(pk=next(iter(orders.values()))[0])
    first_event = OrderEvent.objects.filter(order=any_order).order_by("pk").first()
    if first_event is None:
        first_event = OrderEvent.objects.create(order=any_order, kind=OrderEvent.Kind.IMPORTED, message="Imported.")
    second_event = OrderEvent.objects.create(
        order=any_order, kind=OrderEvent.Kind.STATUS, message="Status changed on the platform."
    )
    connection = next(iter(connections.values()))
    run_rows = [
        SyncRun(
            connection=connection,
            trigger=SyncRun.Trigger.SCHEDULED,
            status=status,
            started_at=now,
            finished_at=now + timedelta(seconds=4),
            pages=2,
            orders_seen=180,
            created=3,
            updated=5,
            unchanged=172,
            error=error,
        )
        for status, error in ((SyncRun.Status.SUCCEEDED, ""), (SyncRun.Status.FAILED, "The platform answered 503."))
    ]
    runs = [r.pk for r in SyncRun.objects.bulk_create(run_rows)]
    hook_connection = _connection(merchant.pk, registry.get(registry.webhook_platforms()[0]), "template-hook", now)
    hook_connection.save()
    body = json.dumps({"event": "order.updated", "order": {"id": "T0", "state": "ACCEPTED", "pad": "x" * 400}})
    event = WebhookEvent.objects.create(
        connection=hook_connection,
        headers={"Content-Type": "application/json", "User-Agent": "Platform-Webhooks/1.0"},
        body=body,
        dedupe_key="template",
        order_external_id="T0",
        event_status="ACCEPTED",
        event_updated_at=now,
        state=WebhookEvent.State.PROCESSED,
        processed_at=now,
        outcome="Applied: the order's state is now Accepted.",
    )
    items = list(OrderItem.objects.filter(order=any_order).order_by("position").values_list("pk", flat=True))
    action = OutboundAction.objects.create(
        order=any_order,
        kind=OutboundAction.Kind.ACCEPT,
        state=OutboundAction.State.DONE,
        attempts=1,
        result="Accepted on the platform.",
        finished_at=now,
    )
    return {
        "merchant": merchant.pk,
        "connections": [c.pk for c in connections.values()] + [hook_connection.pk],
        "orders": orders,
        "items": items,
        "events": [first_event.pk, second_event.pk],
        "runs": runs,
        "webhook_event": event.pk,
        "action": action.pk,
    }


# == multiplying them in SQL ================================================================


def _columns(table: str) -> list[str]:
    with db.cursor() as cursor:
        return [c.name for c in db.introspection.get_table_description(cursor, table)]


def _copy(model, source: str, overrides: dict[str, str], params=()) -> int:
    """INSERT INTO the model's table a copy of `tpl` for each row of `source`, with `overrides`."""
    table = model._meta.db_table
    computed = {model._meta.pk.column} | {f.column for f in model._meta.concrete_fields if f.generated}
    columns = [c for c in _columns(table) if c not in computed]
    unknown = set(overrides) - set(columns)
    if unknown:
        raise RuntimeError(f"{table} has no column {sorted(unknown)}")
    exprs = [overrides.get(c, f'tpl."{c}"') for c in columns]
    names = ", ".join(f'"{c}"' for c in columns)
    with db.cursor() as cursor:
        # The SQL is this module's own; values come in as parameters.
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM {source}", params)  # noqa: S608
        return cursor.rowcount


def _fleet_table(facts: dict, templates: dict) -> None:
    """bench_fleet: the fleet but the big connection, numbered from 0, and its template orders."""
    with db.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_fleet ON COMMIT PRESERVE ROWS AS "
            "SELECT (row_number() OVER (ORDER BY id) - 1)::int AS rn, id, merchant_id, platform "
            "FROM connections_connection WHERE id <> %s AND merchant_id <> %s",
            [facts["big_connection"], templates["merchant"]],
        )
        cursor.execute("CREATE TEMPORARY TABLE bench_tpl (platform varchar(40), k int, id bigint)")


def _name_sql(g: str) -> str:
    first = "ARRAY[" + ", ".join(f"'{n}'" for n in FIRST_NAMES) + "]"
    last = "ARRAY[" + ", ".join(f"'{n}'" for n in SURNAMES) + "]"
    return f"({first})[1 + mod({g} * 7, {len(FIRST_NAMES)})] || ' ' || ({last})[1 + mod({g} * 13, {len(SURNAMES)})]"


def _order_overrides(g: str, conn: str, step_seconds: float, total: str) -> dict[str, str]:
    placed = f"now() - make_interval(secs => ({total} - {g}) * {step_seconds})"
    return {
        "connection_id": f"{conn}.id",
        "merchant_id": f"{conn}.merchant_id",
        "external_id": f"'X' || {conn}.id || '-' || {g}",
        # Distinct within a connection (7919 and 9,999,991 are prime), not in order.
        "number": f"upper(substr({conn}.platform, 1, 2)) || '-' || "
        f"lpad(mod({g}::bigint * 7919, 9999991)::text, 7, '0')",
        "customer_name": _name_sql(g),
        "customer_email": f"'customer' || {g} || '@example.com'",
        "placed_at": placed,
        "platform_updated_at": f"{placed} + interval '1 hour'",
        "first_seen_at": f"{placed} + interval '2 minutes'",
        "updated_at": f"{placed} + interval '2 minutes'",
    }


def _orders(sizes: Sizes, facts: dict, templates: dict) -> None:
    with db.cursor() as cursor:
        for platform, ids in templates["orders"].items():
            for k, pk in enumerate(ids):
                cursor.execute("INSERT INTO bench_tpl VALUES (%s, %s, %s)", [platform, k, pk])
        cursor.execute("SELECT count(*) FROM bench_fleet")
        (fleet,) = cursor.fetchone()
    k = TEMPLATES_PER_PLATFORM
    two_years = 2 * 365 * 86_400
    big = _copy(
        Order,
        f"generate_series(1, %s) g, connections_connection c, bench_tpl t, orders_order tpl "
        f"WHERE c.id = %s AND t.platform = c.platform AND t.k = mod(g, {k}) AND tpl.id = t.id",
        _order_overrides("g", "c", two_years / max(sizes.big_orders, 1), str(sizes.big_orders)),
        [sizes.big_orders, facts["big_connection"]],
    )
    rest = sizes.orders - big
    # The hook connection holds no orders of its own: the rest go round the other connections.
    _copy(
        Order,
        f"generate_series(1, %s) g JOIN bench_fleet c ON c.rn = 1 + mod(g, {fleet} - 1) "
        f"JOIN bench_tpl t ON t.platform = c.platform AND t.k = mod(g / {fleet}, {k}) "
        f"JOIN orders_order tpl ON tpl.id = t.id",
        _order_overrides("g", "c", two_years / max(rest, 1), str(rest)),
        [rest],
    )


def _items_and_events(sizes: Sizes, templates: dict) -> None:
    made = "o.connection_id <> ALL(%s)"
    template_connections = list(templates["connections"])
    items = {"order_id": "o.id", "external_id": "o.external_id || '-' || tpl.position"}
    _copy(
        OrderItem,
        f"orders_order o, orders_orderitem tpl WHERE {made} AND tpl.id = ANY(%s)",
        items,
        [template_connections, list(templates["items"][: sizes.items_per_order])],
    )
    first, second = templates["events"]
    events = {"order_id": "o.id", "at": "o.first_seen_at"}
    _copy(
        OrderEvent,
        f"orders_order o, orders_orderevent tpl WHERE {made} AND tpl.id = %s",
        events,
        [template_connections, first],
    )
    _copy(
        OrderEvent,
        f"orders_order o, orders_orderevent tpl WHERE {made} AND tpl.id = %s "
        f"AND mod(o.id, 5) < {sizes.second_events_per_5}",
        {**events, "at": "o.updated_at + interval '3 hours'"},
        [template_connections, second],
    )
    # An action an order, as accepting each one makes (the admin's list of them).
    at = "coalesce(o.placed_at, o.first_seen_at) + interval '1 hour'"
    _copy(
        OutboundAction,
        f"orders_order o, orders_outboundaction tpl WHERE {made} AND tpl.id = %s",
        {"order_id": "o.id", "created_at": at, "enqueued_at": at, "finished_at": at},
        [template_connections, templates["action"]],
    )


def _runs(sizes: Sizes, facts: dict, templates: dict) -> None:
    ok, failed = templates["runs"]
    # One in ten failed; each a minute apart going back from now, per connection.
    when = "now() - make_interval(mins => {g} * 30)"
    pick = f"tpl.id = CASE WHEN mod(g, 10) = 0 THEN {failed} ELSE {ok} END"

    def overrides(conn: str, g: str) -> dict[str, str]:
        at = when.format(g=g)
        return {
            "connection_id": conn,
            "queued_at": at,
            "enqueued_at": at,
            "started_at": at,
            "finished_at": f"{at} + interval '4 seconds'",
        }

    _copy(
        SyncRun,
        f"generate_series(1, %s) g, connections_syncrun tpl WHERE {pick}",
        overrides(str(int(facts["big_connection"])), "g"),
        [sizes.big_runs],
    )
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_fleet")
        (fleet,) = cursor.fetchone()
    _copy(
        SyncRun,
        f"generate_series(1, %s) g JOIN bench_fleet c ON c.rn = mod(g, {fleet}) JOIN connections_syncrun tpl ON {pick}",
        overrides("c.id", f"(g / {fleet})"),
        [sizes.runs - sizes.big_runs],
    )


def _webhook_events(sizes: Sizes, facts: dict, templates: dict) -> None:
    def overrides(conn: str, g: str) -> dict[str, str]:
        at = f"now() - make_interval(secs => {g} * 20)"
        return {
            "connection_id": conn,
            "received_at": at,
            "event_updated_at": at,
            "processed_at": f"{at} + interval '1 second'",
            "dedupe_key": f"'bench-' || {g}",
            "order_external_id": f"'X' || {conn} || '-' || (1 + mod({g} * 31, 50000))",
        }

    _copy(
        WebhookEvent,
        "generate_series(1, %s) g, connections_webhookevent tpl WHERE tpl.id = %s",
        overrides(str(int(facts["hook_connection"])), "g"),
        [sizes.big_webhook_events, templates["webhook_event"]],
    )
    with db.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_hooked AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS rn, id "
            "FROM bench_fleet WHERE platform = %s AND id <> %s",
            [facts["hook_platform"], facts["hook_connection"]],
        )
        cursor.execute("SELECT count(*) FROM bench_hooked")
        (hooked,) = cursor.fetchone()
    rest = sizes.webhook_events - sizes.big_webhook_events
    if hooked and rest > 0:
        _copy(
            WebhookEvent,
            f"generate_series(1, %s) g JOIN bench_hooked c ON c.rn = mod(g, {hooked}) "
            f"JOIN connections_webhookevent tpl ON tpl.id = %s",
            overrides("c.id", "g"),
            [rest, templates["webhook_event"]],
        )
    with db.cursor() as cursor:
        cursor.execute("DROP TABLE bench_hooked")


def _search_terms(facts: dict) -> dict:
    """An order of the big merchant in the middle, a fragment of its number, an event's order id."""
    big = Order.objects.filter(connection_id=facts["big_connection"])
    middle = big.order_by("pk").values("pk", "number")[big.count() // 2]
    event = WebhookEvent.objects.filter(connection_id=facts["hook_connection"]).order_by("pk").first()
    return {
        "order": middle["pk"],
        "order_number": middle["number"],
        "number_fragment": middle["number"][-5:],
        "event_order_id": event.order_external_id if event else "",
    }


# == the scheduler's phase: cheap connections ==============================================


def add_cheap_connections(count: int) -> int:
    """`count` more connections copied from the fleet (no credentials, orders or runs): the tick's 10,000."""
    with transaction.atomic():
        fleet = Connection.objects.count()
        copies = -(-count // fleet)
        made = _copy(
            Connection,
            "(SELECT c.*, k FROM connections_connection c, generate_series(1, %s) k ORDER BY k, c.id LIMIT %s) tpl",
            {
                "name": "tpl.name || '-copy' || tpl.k",
                "webhook_id": "gen_random_uuid()",
                "next_sync_at": "now() + make_interval(secs => 60 + mod(tpl.id * 1777 + tpl.k * 61, 1800))",
            },
            [copies, count],
        )
    return made
