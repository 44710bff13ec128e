"""Ingest benchmark: sandbox NOTHS orders through the real adapter, HTTP and ingest path.

    .venv/bin/python bench/ingest.py [--orders 10000] [--database-url URL] [--compare 50000]
                                     [--repeat 3] [--no-memory] [--profile]

For each order count it makes a scratch database (a temporary SQLite file, or a
`bench_ingest` database next to the one --database-url names), migrates it, serves the
sandbox NOTHS from it with gunicorn in a separate process, generates the orders (three
items each, placed or accepted), and then, in a child process of its own, --repeat rounds
(default 3, each on fresh connections; the figures are the medians) of:

1. run 1: a first import: request_sync + execute, as `fetch_orders` does;
2. run 2: the same again with nothing changed (a full re-sync: an incremental one would
   fetch nothing);
3. a plain bulk_create of the same rows, page by page, for the ingest-stage comparison;

then, once:

4. the same two syncs on another connection under tracemalloc, for peak memory
   (tracemalloc slows allocation-heavy code, so the timed runs go without it);
5. with --profile, the same two syncs once more under cProfile.

The parent prints one table for all sizes with PASS/FAIL per target, and exits 1 if a
target fails. See bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import secrets
import sys
import time
from pathlib import Path

from common import (
    Probe,
    engine_name,
    free_port,
    median_of,
    mib,
    print_table,
    rates,
    read_proc_status,
    reset_rss_peak,
    run_children,
    seconds_list,
    share,
    start_sandbox,
    stop,
    traced_peak,
)

SCRATCH_PG_DATABASE = "bench_ingest"
ITEMS_PER_ORDER = 3
STATES = ("placed", "accepted")
SEED = 20240501

TARGET_INGEST_VS_BULK = 0.5  # ingest-stage rate at least half a plain bulk_create's
TARGET_RESYNC_SPEEDUP = 3.0  # unchanged re-sync at least three times faster than the first
TARGET_MEMORY_DRIFT = 0.20  # peak memory at --compare within 20% of --orders


# == the parent: scratch databases, one child per size, the report ==========================


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sync sandbox NOTHS orders and print ingest figures.")
    parser.add_argument("--orders", type=int, default=10_000, help="orders to sync (default 10,000)")
    parser.add_argument(
        "--database-url",
        help="postgres://... to run on PostgreSQL: a scratch database "
        f"{SCRATCH_PG_DATABASE!r} is created on that server and dropped afterwards "
        "(default: a temporary SQLite file)",
    )
    parser.add_argument("--compare", type=int, help="run again with this many orders and compare peak memory")
    parser.add_argument("--profile", action="store_true", help="also profile both syncs with cProfile")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed rounds (run 1, run 2, bulk_create), each on fresh connections; figures are medians (default 3)",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the (slow) tracemalloc pass")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args)

    sizes = [args.orders] + ([args.compare] if args.compare else [])
    child_args = ["--repeat", str(args.repeat)]
    child_args += [flag for flag, on in (("--profile", args.profile), ("--no-memory", args.no_memory)) if on]
    results = run_children(__file__, sizes, args.database_url, SCRATCH_PG_DATABASE, child_args, prefix="bench-ingest-")
    return report(results)


# -- the report ---------------------------------------------------------------------------


def report(results: list[dict]) -> int:
    first = results[0]
    print(
        f"\n== Ingest benchmark: NOTHS sandbox orders of {ITEMS_PER_ORDER} items, {first['database']}, "
        f"page size {first['page_size']}, Python {first['python']}\n"
    )
    columns = []
    for result in results:
        columns += [(result, "first"), (result, "unchanged")]
    heads = [f"{r['orders']:,} {'run 1' if kind == 'first' else 'run 2'}" for r, kind in columns]
    rows: list[tuple[str, list[str]]] = [
        ("", ["first import" if kind == "first" else "nothing changed" for _, kind in columns]),
        ("wall time", [f"{r['runs'][k]['wall_s']:.2f} s" for r, k in columns]),
        ("orders/s", [f"{r['runs'][k]['orders_per_s']:,.0f}" for r, k in columns]),
        ("pages", [str(r["runs"][k]["pages"]) for r, k in columns]),
        (
            "created / updated / unchanged",
            [f"{r['runs'][k]['created']}/{r['runs'][k]['updated']}/{r['runs'][k]['unchanged']}" for r, k in columns],
        ),
        ("queries per page, ingest stage", [f"{r['runs'][k]['ingest_queries_per_page']:.2f}" for r, k in columns]),
        ("queries per page, whole sync", [f"{r['runs'][k]['queries_per_page']:.2f}" for r, k in columns]),
        ("time: HTTP incl. sandbox server", [share(r["runs"][k], "http_s") for r, k in columns]),
        ("time: JSON decode", [share(r["runs"][k], "decode_s") for r, k in columns]),
        ("time: ingest_page", [share(r["runs"][k], "ingest_s") for r, k in columns]),
        ("  of which normalizing orders", [share(r["runs"][k], "normalize_s") for r, k in columns]),
        ("time: page commit", [share(r["runs"][k], "commit_s") for r, k in columns]),
        ("time: rest (sync bookkeeping...)", [share(r["runs"][k], "other_s") for r, k in columns]),
        ("of all that: garbage collector", [share(r["runs"][k], "gc_s") for r, k in columns]),
        ("peak memory, tracemalloc", [mib(r["memory"].get(k, {}).get("tracemalloc_peak")) for r, k in columns]),
        ("peak RSS growth", [mib(r["runs"][k]["rss_growth"]) for r, k in columns]),
        (
            "ingest stage orders/s",
            [f"{r['runs'][k]['ingest_orders_per_s']:,.0f}" if k == "first" else "" for r, k in columns],
        ),
        (
            "plain bulk_create orders/s",
            [f"{r['bulk']['orders_per_s']:,.0f}" if k == "first" else "" for r, k in columns],
        ),
        (
            "bulk_create queries per page",
            [f"{r['bulk']['queries_per_page']:.2f}" if k == "first" else "" for r, k in columns],
        ),
    ]
    print_table(heads, rows)

    print(f"\nMedians of {first['rounds']} rounds; each round's figures:")
    for r in results:
        each = r["each"]
        print(
            f"  {r['orders']:,} orders: run 1 {seconds_list(each['first'])}; run 2 {seconds_list(each['unchanged'])}; "
            f"ingest stage {rates(each['ingest'])} orders/s; bulk_create {rates(each['bulk'])} orders/s"
        )
    print("\nOther figures")
    for r in results:
        traced = (
            f"; syncs under tracemalloc took {r['memory']['first']['wall_s']:.1f} s and "
            f"{r['memory']['unchanged']['wall_s']:.1f} s"
            if r["memory"]
            else ""
        )
        print(
            f"  {r['orders']:,} orders: generated in {r['generate_s']:.1f} s; "
            f"bulk_create baseline {r['bulk']['orders']:,} orders in {r['bulk']['seconds']:.2f} s (median){traced}"
        )

    checks: list[tuple[str, str, bool]] = []
    for r in results:
        ratio = r["runs"]["first"]["ingest_orders_per_s"] / r["bulk"]["orders_per_s"]
        checks.append(
            (
                f"{r['orders']:,}: ingest stage >= {TARGET_INGEST_VS_BULK:g} x plain bulk_create rate",
                f"{ratio:.2f}",
                ratio >= TARGET_INGEST_VS_BULK,
            )
        )
        speedup = r["runs"]["first"]["wall_s"] / r["runs"]["unchanged"]["wall_s"]
        checks.append(
            (
                f"{r['orders']:,}: unchanged re-sync >= {TARGET_RESYNC_SPEEDUP:g} x faster than first",
                f"{speedup:.2f}",
                speedup >= TARGET_RESYNC_SPEEDUP,
            )
        )
    if len(results) > 1 and all(r["memory"] for r in results):
        small, large = results[0], results[-1]
        for kind, label in (("first", "run 1"), ("unchanged", "run 2")):
            ratio = large["memory"][kind]["tracemalloc_peak"] / small["memory"][kind]["tracemalloc_peak"]
            checks.append(
                (
                    f"peak memory {label}: {large['orders']:,} vs {small['orders']:,} within {TARGET_MEMORY_DRIFT:.0%}",
                    f"{ratio:.2f}",
                    abs(ratio - 1) <= TARGET_MEMORY_DRIFT,
                )
            )
    else:
        print("\n(peak memory target not checked: it needs --compare 50000, without --no-memory)")

    print("\nTargets")
    width = max(len(label) for label, _, _ in checks) + 2
    for label, value, ok in checks:
        print(f"  {label.ljust(width)}{value.rjust(8)}   {'PASS' if ok else 'FAIL'}")
    return 0 if all(ok for _, _, ok in checks) else 1


# == the child: one size, in a process of its own ===========================================


def child_main(args) -> int:
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection as db

    call_command("migrate", verbosity=0)
    work = Path(args.result_file).parent
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/sandbox/noths"
    # No token: the sandbox NOTHS answers 401 once it is up.
    server = start_sandbox(port, work / "gunicorn.log", "/sandbox/noths/api/v1/orders")
    try:
        bench = Bench(args.orders, base_url, db)
        result = bench.run(rounds=max(1, args.repeat), profile=args.profile, memory=not args.no_memory)
    finally:
        stop(server)
    Path(args.result_file).write_text(json.dumps(result))
    return 0


class Bench:
    def __init__(self, orders: int, base_url: str, db):
        self.orders = orders
        self.base_url = base_url
        self.db = db
        self.token = f"noths-bench-{secrets.token_hex(8)}"

    def say(self, text: str) -> None:
        print(f"  {text}", flush=True)

    def run(self, *, rounds: int, profile: bool, memory: bool) -> dict:
        from datetime import timedelta

        from django.conf import settings
        from django.db.models import Min

        from connections.platforms.noths.sandbox.data import generate_orders
        from portal.models import Merchant
        from sandbox.models import SandboxAccount

        account = SandboxAccount.objects.create(platform="noths", token=self.token, shortcode="bench", name="Bench")
        started = time.perf_counter()
        generate_orders(account, self.orders, items_per_order=ITEMS_PER_ORDER, states=STATES, seed=SEED)
        generate_s = time.perf_counter() - started
        self.say(f"generated {self.orders:,} sandbox orders in {generate_s:.1f} s")
        # Orders are a minute apart, so 50,000 reach back 35 days: import from before the oldest.
        oldest = account.noths_orders.aggregate(oldest=Min("placed_at"))["oldest"]
        self.import_from = oldest.date() - timedelta(days=1)
        self.merchant = Merchant.objects.create(name="Bench Gifts Ltd")

        # Rounds, each on fresh connections, so every run 1 is a real first import; the
        # figures are the medians, which a passing hiccup on the machine does not move.
        import connections.platforms.noths.adapter as noths_module

        probe = Probe(self.db, noths_module)
        firsts, unchangeds, bulks = [], [], []
        for number in range(1, rounds + 1):
            self.say(f"round {number} of {rounds}")
            connection = self.connection(f"bench-{number}")
            firsts.append(self.timed_sync(connection, probe, full=False, label="run 1, first import"))
            unchangeds.append(self.timed_sync(connection, probe, full=True, label="run 2, nothing changed"))
            bulks.append(self.bulk_create_baseline(connection, f"bench-bulk-{number}"))
        first, unchanged, bulk = median_of(firsts), median_of(unchangeds), median_of(bulks)
        figures = self.memory_pass() if memory else {}
        if profile:
            self.profile_pass()
        return {
            "orders": self.orders,
            "page_size": settings.NOTHS_PAGE_SIZE,
            "python": sys.version.split()[0],
            "engine": self.engine(),
            "generate_s": generate_s,
            "rounds": rounds,
            "runs": {"first": first, "unchanged": unchanged},
            "bulk": bulk,
            "each": {
                "first": [r["wall_s"] for r in firsts],
                "unchanged": [r["wall_s"] for r in unchangeds],
                "ingest": [r["ingest_orders_per_s"] for r in firsts],
                "bulk": [r["orders_per_s"] for r in bulks],
            },
            "memory": figures,
        }

    def engine(self) -> str:
        return engine_name(self.db)

    def connection(self, name: str):
        from connections.models import Connection, Credential

        connection = Connection.objects.create(
            merchant=self.merchant,
            platform="noths",
            name=name,
            status=Connection.Status.CONNECTED,
            base_url_override=self.base_url,
            import_statuses=list(STATES),
            import_from=self.import_from,
            auto_accept=False,
        )
        credential = Credential(connection=connection)
        credential.set_values({"token": self.token}, connection.adapter.credential_fields)
        credential.save()
        return connection

    def sync(self, connection, *, full: bool):
        """One sync as `fetch_orders` runs it: queue without enqueueing, then execute here."""
        from connections.models import SyncRun
        from connections.sync import execute, request_sync

        run, created = request_sync(connection, trigger=SyncRun.Trigger.COMMAND, full=full, enqueue=False)
        assert created, "another run was active"
        gc.collect()
        return run.pk, execute

    def check(self, run, *, full: bool) -> None:
        from connections.models import SyncRun

        if run is None or run.status != SyncRun.Status.SUCCEEDED:
            raise SystemExit(f"The sync did not succeed: {run and run.error}")
        wanted = {"created": self.orders} if not full else {"unchanged": self.orders}
        for field, value in wanted.items():
            if getattr(run, field) != value:
                raise SystemExit(f"Expected {field}={value}, got {getattr(run, field)} (run {run.pk})")

    # -- runs 1 and 2 -----------------------------------------------------------------------

    def timed_sync(self, connection, probe: Probe, *, full: bool, label: str) -> dict:
        run_id, execute = self.sync(connection, full=full)
        rss_start = reset_rss_peak()
        probe.reset()
        with probe.installed():
            started = time.perf_counter()
            run = execute(run_id)
            wall_s = time.perf_counter() - started
        rss_peak = read_proc_status("VmHWM")
        self.check(run, full=full)
        # Ingest normalizes only new and changed orders, inside ingest_page.
        accounted = probe.get_json_s + probe.ingest_s + probe.commit_s
        figures = {
            "wall_s": wall_s,
            "orders_seen": run.orders_seen,
            "orders_per_s": run.orders_seen / wall_s,
            "pages": run.pages,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "queries": probe.queries,
            "queries_per_page": probe.queries / run.pages,
            "ingest_queries": probe.ingest_queries,
            "ingest_queries_per_page": probe.ingest_queries / run.pages,
            "http_s": probe.http_s,
            "decode_s": probe.get_json_s - probe.http_s,
            "normalize_s": probe.normalize_s,
            "ingest_s": probe.ingest_s,
            "commit_s": probe.commit_s,
            "other_s": wall_s - accounted,
            "gc_s": probe.gc_s,
            # The ingest stage: ingest_page plus its page's COMMIT (not the SyncRun/cursor updates).
            "ingest_orders_per_s": run.orders_seen / (probe.ingest_s + probe.commit_s),
            "rss_growth": rss_peak - rss_start if rss_peak is not None and rss_start is not None else None,
        }
        self.say(
            f"{label}: {run.orders_seen:,} orders in {wall_s:.2f} s = {figures['orders_per_s']:,.0f}/s, "
            f"{run.pages} pages, {figures['ingest_queries_per_page']:.2f} ingest queries/page, "
            f"ingest stage {probe.ingest_s + probe.commit_s:.2f} s"
        )
        return figures

    # -- the bulk_create baseline ----------------------------------------------------------

    def bulk_create_baseline(self, source, name: str) -> dict:
        """A plain bulk_create of the same rows, for the ingest-stage comparison.

        Fair terms: both sides start from the same NormalizedOrder pages (same page size,
        same order) and end with the page committed, on the same database.
        * The ingest stage (run 1) is ingest_page plus its page's COMMIT: lock the
          connection, read stored fingerprints, fingerprint each order, apply the import
          policy, build the rows, upsert the orders (INSERT ... ON CONFLICT DO UPDATE),
          insert the items and the "imported" events.
        * The baseline here is, per page in one transaction: build the same Order,
          OrderItem and OrderEvent rows (with the app's own row builders, so the rows are
          identical), then three plain bulk_create INSERTs (Order, OrderItem, OrderEvent)
          and COMMIT. The fingerprints are computed beforehand, outside the timer: they
          are ingest's change detection, not part of writing rows.
        Neither side includes HTTP, JSON decoding or the sync's bookkeeping. Ingest
        normalizes lazily (only new and changed orders), so the ingest stage includes
        normalizing every new order; the baseline is handed them normalized, untimed.
        The rows go to a fresh connection of the same merchant, so nothing conflicts.
        """
        from django.db import transaction
        from django.utils import timezone

        from connections.context import platform_context
        from orders.ingest import _item_rows, _order_row, fingerprint
        from orders.models import Order, OrderEvent, OrderItem

        target = self.connection(name)
        platform_name = source.adapter.short_name
        pages = orders = queries = 0
        seconds = 0.0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        for page in source.adapter.fetch_orders(platform_context(source), None):
            page_orders = [record.order() for record in page.records]
            digests = [fingerprint(order.raw) for order in page_orders]
            started = time.perf_counter()
            with self.db.execute_wrapper(count), transaction.atomic():
                now = timezone.now()
                rows = [
                    _order_row(target, order, digest, now) for order, digest in zip(page_orders, digests, strict=True)
                ]
                Order.objects.bulk_create(rows)
                items, events = [], []
                for row, order in zip(rows, page_orders, strict=True):
                    items.extend(_item_rows(row.pk, order))
                    events.append(
                        OrderEvent(
                            order_id=row.pk,
                            kind=OrderEvent.Kind.IMPORTED,
                            at=now,
                            message=f"Imported from {platform_name} ({platform_name} state: {order.platform_status}).",
                        )
                    )
                OrderItem.objects.bulk_create(items)
                OrderEvent.objects.bulk_create(events)
            seconds += time.perf_counter() - started
            pages += 1
            orders += len(rows)
        if orders != self.orders or Order.objects.filter(connection=target).count() != self.orders:
            raise SystemExit(f"The bulk_create baseline wrote {orders} orders, not {self.orders}")
        rate = orders / seconds
        self.say(f"plain bulk_create of the same rows: {orders:,} orders in {seconds:.2f} s = {rate:,.0f}/s")
        return {
            "orders": orders,
            "pages": pages,
            "seconds": seconds,
            "orders_per_s": rate,
            "queries_per_page": queries / pages,
        }

    # -- peak memory -------------------------------------------------------------------------

    def memory_pass(self) -> dict:
        """Runs 1 and 2 again on a second connection, under tracemalloc.

        The figure is the peak of memory allocated during execute() above what was
        allocated when it started: what the sync itself needs.
        """
        import tracemalloc

        connection = self.connection("bench-memory")
        figures = {}
        tracemalloc.start()
        try:
            for kind, full in (("first", False), ("unchanged", True)):
                run_id, execute = self.sync(connection, full=full)
                run, peak, wall_s = traced_peak(execute, run_id)
                self.check(run, full=full)
                figures[kind] = {"tracemalloc_peak": peak, "wall_s": wall_s}
                self.say(f"peak memory of the {kind} sync (tracemalloc): {peak / 2**20:.1f} MiB")
        finally:
            tracemalloc.stop()
        return figures

    # -- profiling ---------------------------------------------------------------------------

    def profile_pass(self) -> None:
        import cProfile
        import pstats

        connection = self.connection("bench-profile")
        for kind, full in (("first import", False), ("nothing changed", True)):
            run_id, execute = self.sync(connection, full=full)
            profiler = cProfile.Profile()
            profiler.enable()
            run = execute(run_id)
            profiler.disable()
            self.check(run, full=full)
            print(f"\n-- cProfile, {self.orders:,} orders, {kind}: top 25 by own time", flush=True)
            pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats("tottime").print_stats(25)
            print(f"-- cProfile, {self.orders:,} orders, {kind}: top 30 by cumulative time", flush=True)
            pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    sys.exit(main())
