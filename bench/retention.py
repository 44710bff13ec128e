"""Retention benchmark (issue 15): the prune on old rows, and the orders table with raw compressed.

    .venv/bin/python bench/retention.py --database-url postgres://postgres@127.0.0.1:5432/postgres
                                        [--orders 100000] [--events 300000] [--runs 30000]

PostgreSQL only (table sizes are `pg_total_relation_size`). In a scratch database
`scale_retention`, created here and dropped at the end, a child process:

1. migrates to orders 0011 (raw as `jsonb`), inserts --orders orders with `INSERT ... SELECT
   generate_series` whose raw payloads are real sandbox NOTHS order documents (three items),
   and measures the orders table and the time to read one order's raw;
2. migrates to 0012 (raw zlib-compressed), timing the conversion, runs VACUUM FULL, and
   measures the same again; sizes are also given per million orders;
3. inserts old and recent rows: --runs sync runs over 1,000 connections, --events webhook
   events (most applied), problems and audit entries spread over up to three years;
4. runs the prune (`portal.retention.prune`), printing rows removed per kind, the time, the
   batches and the longest batch (the longest any row lock was held), and each table's size
   before and after (and after a plain VACUUM, which makes the space reusable).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

from common import BASE_DIR, bench_env, scratch_database

SEED = 15
CONNECTIONS = 1_000
TABLES = {
    "orders": "orders_order",
    "sync runs": "connections_syncrun",
    "webhook events": "connections_webhookevent",
    "problems": "connections_problem",
    "audit entries": "audit_auditentry",
}


def parent(args) -> int:
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-retention-") as tmp:
        url, describe, drop = scratch_database(args.database_url, Path(tmp), "scale_retention")
        try:
            orders = "" if args.skip_raw else f"{args.orders:,} orders, "
            print(f"== {orders}{args.events:,} webhook events, {args.runs:,} sync runs on {describe}")
            command = [sys.executable, str(Path(__file__).resolve()), "--child", *child_args(args)]
            subprocess.run(command, env=bench_env(url), cwd=BASE_DIR, check=True)
        finally:
            drop()
    return 0


def child_args(args) -> list[str]:
    extra = ["--batch-size", str(args.batch_size)] if args.batch_size else []
    extra += ["--skip-raw"] if args.skip_raw else []
    return ["--orders", str(args.orders), "--events", str(args.events), "--runs", str(args.runs), *extra]


# == the child ==============================================================================


def sql(statement: str, params=()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def sizes() -> dict[str, int]:
    return {label: sql("SELECT pg_total_relation_size(%s)", [table])[0][0] for label, table in TABLES.items()}


def gib(size: float) -> str:
    return f"{size / 1024**3:.2f} GB" if size >= 1024**3 / 10 else f"{size / 1024**2:.1f} MB"


def migrate(target: str) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", "orders", target, verbosity=0)
    return time.perf_counter() - started


def sandbox_documents(count: int) -> list[str]:
    """Real NOTHS order documents, as the sandbox API serves them."""
    from connections.platforms.noths.sandbox.data import generate_orders
    from sandbox.models import SandboxAccount

    token = secrets.token_urlsafe(16)
    account = SandboxAccount.objects.create(platform="noths", token=token, shortcode="bench", name="Bench")
    generate_orders(account, count, items_per_order=3, states=("placed", "accepted", "dispatched"), seed=SEED)
    return list(account.noths_orders.values_list("document", flat=True))


def insert_orders(count: int, connection_id: int, merchant_id: int) -> None:
    documents = sandbox_documents(500)
    sql("CREATE TEMP TABLE bench_docs (n int PRIMARY KEY, doc jsonb)")
    for n, document in enumerate(documents):
        sql("INSERT INTO bench_docs VALUES (%s, %s::jsonb)", [n, document])
    sql(
        """
        INSERT INTO orders_order (connection_id, merchant_id, external_id, number, status, platform_status,
            customer_name, customer_email, customer_phone, shipping_address, currency, subtotal, shipping_total,
            discount_total, total, placed_at, platform_updated_at, notes, flags, raw, content_hash, items_hash,
            first_seen_at, updated_at)
        SELECT %s, %s, g::text, 'N' || g, 'accepted', 'accepted', 'Jane Smith ' || g, 'jane' || g || '@example.com',
            '07700 900' || (g %% 1000), '{"line1": "1 High Street", "town": "Bath", "postcode": "BA1 1AA"}'::jsonb,
            'GBP', 30, 4.95, 0, 34.95, now() - g * interval '1 minute', now(), '[]'::jsonb, '{}'::jsonb,
            d.doc || jsonb_build_object('id', g), md5(g::text) || md5(g::text), '', now(), now()
        FROM generate_series(1, %s) AS g JOIN bench_docs AS d ON d.n = g %% %s
        """,
        [connection_id, merchant_id, count, len(documents)],
    )
    sql("VACUUM FULL ANALYZE orders_order")


def read_one_raw_ms(compressed: bool, count: int) -> float:
    """Median time to read and decode one order's raw payload, as the order page does."""
    from orders.fields import unpack

    times = []
    for n in range(200):
        pk = 1 + (n * 7919) % count
        started = time.perf_counter()
        (value,) = sql("SELECT raw FROM orders_order WHERE id = %s", [pk])[0]
        document = unpack(value) if compressed else json.loads(value)
        times.append(time.perf_counter() - started)
        assert document["id"]
    return statistics.median(times) * 1000


def raw_bytes() -> int:
    return sql("SELECT sum(pg_column_size(raw)) FROM orders_order")[0][0]


def insert_old_rows(args, connection_ids: list[int]) -> None:
    """Rows of every kind spread over time: most past their keeping, some within it."""
    ids = [connection_ids, len(connection_ids)]
    sql(
        """
        INSERT INTO connections_syncrun (connection_id, kind, trigger, full_resync, status, queued_at, enqueued_at,
            started_at, finished_at, claims, pages, orders_seen, created, updated, unchanged, skipped, checked, gone,
            repaired_examples, skipped_reasons, retries, error, error_kind)
        SELECT (%s::int[])[1 + g %% %s], CASE WHEN g %% 10 = 0 THEN 'reconcile' ELSE 'sync' END,
            'scheduled', false, CASE WHEN g %% 7 = 0 THEN 'failed' ELSE 'succeeded' END,
            now() - (g * interval '365 days' / %s), now(), now(), now(), 1, 1, 10, 0, 0, 10, 0, 0, 0,
            '[]'::jsonb, '{}'::jsonb, '{}'::jsonb, '', ''
        FROM generate_series(1, %s) AS g
        """,
        [*ids, args.runs, args.runs],
    )
    sql(
        """
        INSERT INTO connections_webhookevent (connection_id, received_at, headers, body, dedupe_key, alt_dedupe_key,
            order_external_id, event_status, duplicates, state, attempts, outcome, error)
        SELECT (%s::int[])[1 + g %% %s], now() - (g * interval '120 days' / %s), '{}'::jsonb,
            '{"order_id": "' || g || '", "status": "accepted", "items": [{"sku": "SKU-1", "quantity": 1}]}',
            'delivery-' || g, '', g::text, 'accepted', 0,
            CASE WHEN g %% 20 = 0 THEN 'failed' ELSE 'processed' END, 1, 'Order updated', ''
        FROM generate_series(1, %s) AS g
        """,
        [*ids, args.events, args.events],
    )
    sql(
        """
        INSERT INTO connections_problem (connection_id, cause, message, count, first_seen_at, last_seen_at, closed_at)
        SELECT (%s::int[])[1 + g %% %s], 'repeated_failures', 'Five fetches failed in a row', 3,
            now() - (g * interval '365 days' / 5000), now() - (g * interval '365 days' / 5000),
            now() - (g * interval '365 days' / 5000) + interval '1 hour'
        FROM generate_series(1, 5000) AS g
        """,
        ids,
    )
    sql(
        """
        INSERT INTO audit_auditentry (connection_id, connection_label, merchant_label, actor_label, action, changes,
            user_agent, at)
        SELECT (%s::int[])[1 + g %% %s], 'shop', 'Bench Gifts Ltd', 'system', 'options_changed',
            '{"sync_interval_minutes": {"old": 30, "new": 60}}'::jsonb, '',
            now() - (g * interval '1095 days' / 50000)
        FROM generate_series(1, 50000) AS g
        """,
        ids,
    )
    for table in TABLES.values():
        sql(f"VACUUM ANALYZE {table}")


def raw_figures(args, connection_id: int, merchant_id: int) -> None:
    """Steps 1 and 2: the orders table with raw as jsonb, then compressed."""
    started = time.perf_counter()
    insert_orders(args.orders, connection_id, merchant_id)
    print(f"  inserted {args.orders:,} orders in {time.perf_counter() - started:.1f} s", flush=True)
    per_million = 1_000_000 / args.orders
    before = {"table": sizes()["orders"], "raw": raw_bytes(), "read": read_one_raw_ms(False, args.orders)}
    convert = migrate("0012")
    sql("VACUUM FULL ANALYZE orders_order")
    after = {"table": sizes()["orders"], "raw": raw_bytes(), "read": read_one_raw_ms(True, args.orders)}
    print(f"\nOrder.raw, {args.orders:,} orders (per 1M orders in brackets); conversion took {convert:.1f} s")
    print(f"  {'':24} {'jsonb (before)':>24} {'zlib (after)':>24}")
    for label, key in (("orders table", "table"), ("raw column", "raw")):
        b, a = before[key], after[key]
        print(f"  {label:24} {gib(b):>10} ({gib(b * per_million):>9}) {gib(a):>10} ({gib(a * per_million):>9})")
    print(f"  {'read one raw (median)':24} {before['read']:>21.3f} ms {after['read']:>21.3f} ms")


def prune_figures(args, connection_ids: list[int]) -> None:
    """Steps 3 and 4: old rows, then the prune."""
    from django.conf import settings

    from portal import retention

    if args.batch_size:
        settings.PRUNE_BATCH_SIZE = args.batch_size
    insert_old_rows(args, connection_ids)
    sizes_before = sizes()
    outcome = retention.prune()
    sizes_after = sizes()
    for table in TABLES.values():
        sql(f"VACUUM {table}")
    print(f"\nPrune, batches of {settings.PRUNE_BATCH_SIZE:,}: {outcome}")
    longest = ", ".join(f"{retention.KINDS[key]} {took * 1000:.0f} ms" for key, took in outcome.longest_by_kind.items())
    print(f"  longest batch per kind: {longest}")
    if outcome.batch_seconds:
        ordered = sorted(outcome.batch_seconds)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        print(f"  batch transaction: median {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    print(f"  {'table':16} {'before':>10} {'after':>10} {'removed':>10}")
    removed = {label: outcome.removed.get(key, 0) for key, label in retention.KINDS.items()}
    for label in TABLES:
        print(f"  {label:16} {gib(sizes_before[label]):>10} {gib(sizes_after[label]):>10} {removed.get(label, 0):>10,}")
    print("  (a DELETE frees space for new rows of the same table; VACUUM FULL would return it to the disk)")


def child(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from connections.models import Connection
    from portal.models import Merchant

    call_command("migrate", verbosity=0)
    migrate("0011")
    merchant = Merchant.objects.create(name="Bench Gifts Ltd")
    connections = Connection.objects.bulk_create(
        Connection(merchant=merchant, platform="noths", name=f"shop{n}", status=Connection.Status.CONNECTED)
        for n in range(CONNECTIONS)
    )
    connection_ids = [c.pk for c in connections]
    if args.skip_raw:
        migrate("0012")
    else:
        raw_figures(args, connection_ids[0], merchant.pk)
    prune_figures(args, connection_ids)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=30_000)
    parser.add_argument("--batch-size", type=int, help="PRUNE_BATCH_SIZE (default: the setting's, 5000)")
    parser.add_argument("--skip-raw", action="store_true", help="only the prune: no orders, no raw sizes")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if not args.database_url:
        parser.error("--database-url (a postgres:// URL) is required: table sizes are PostgreSQL's")
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
