"""Reconciliation benchmark: what a scheduled reconciliation costs on a connection with many open orders.

    .venv/bin/python bench/reconcile.py [--orders 50000] [--platforms noths,nuorder,partner,shopify]
                                        [--changed 100] [--no-baseline] [--database-url URL]

For each platform, in a process of its own, on a scratch database (a temporary SQLite file, or a
`bench_reconcile` database next to the one --database-url names): the sandbox platform served by
gunicorn from that database, --orders open orders generated on it (placed in the last two days,
so inside RECONCILE_DAYS), and the portal holding a copy of each (ingested from the sandbox's own
documents, as a first import would leave them). Then, through the real path (`request_reconcile`,
`execute`: the platform's reconciliation part, HTTP to the sandbox, `ingest_page`):

1. **clean**: a reconciliation with nothing to repair, the everyday case;
2. **repairs**: --changed orders changed on the platform behind the syncs' back (NOTHS: an
   enquiry, which does not move updated_at; NuORDER: cancelled; Partner API: moved on with its
   webhook dropped; Shopify: edited, its webhook dropped), and a reconciliation that must repair
   exactly those;
3. **baseline** (unless --no-baseline): a full re-sync of the same orders with nothing changed,
   the way to "read everything again" the portal had before.

It prints, for each: wall time, requests (listing pages, orders read by id), pages, database
queries per page (the whole run, and in `ingest_page`), the peak resident growth, what it found;
for Shopify the query cost in points; and the time the platform's own limit would impose where
the benchmark lifts it (Partner API: its 60 requests a minute per host, of which a reconciliation
takes RECONCILE_BUDGET_SHARE; Shopify: its cost bucket, refilled at 100 points a second). Then the
reconciliation against the baseline. See bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import secrets
import sys
import time
from pathlib import Path

from common import (
    Probe,
    engine_name,
    free_port,
    mib,
    print_table,
    read_proc_status,
    reset_rss_peak,
    run_children,
    start_sandbox,
    stop,
)

SCRATCH_PG_DATABASE = "bench_reconcile"
PLATFORMS = ("noths", "nuorder", "partner", "shopify")
SEED = 20261205
PAGE = 250  # orders a page when the portal's copies are ingested
SHOPIFY_RESTORE_PER_S = 100  # a Standard store's bucket refills at 100 points a second
# Environment of every child: the limits the benchmark lifts (and reports the cost of instead),
# and a reconciliation that runs to its end in this process (no worker to hand back to).
ENVIRONMENT = {
    "RECONCILE_SLICE_SECONDS": "1000000",
    "RECONCILE_DAYS": "3",
    "PARTNER_REQUESTS_PER_MINUTE": "1000000",
    "PARTNER_PAGE_SIZE": "100",
    "NOTHS_PAGE_SIZE": "250",
}


# == the parent ================================================================================


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reconcile many open orders on each sandbox platform; print figures.")
    parser.add_argument("--orders", type=int, default=50_000, help="open orders per platform (default 50000)")
    parser.add_argument("--platforms", default=",".join(PLATFORMS), help=f"comma-separated (default {PLATFORMS})")
    parser.add_argument("--changed", type=int, default=100, help="orders changed behind the syncs' back (100)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the full re-sync it is compared with")
    parser.add_argument(
        "--database-url", help=f"postgres://... : a scratch database {SCRATCH_PG_DATABASE!r} on that server"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--platform", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args)
    platforms = [p.strip() for p in args.platforms.split(",") if p.strip()]
    if unknown := set(platforms) - set(PLATFORMS):
        parser.error(f"unknown platforms: {', '.join(sorted(unknown))}")
    os.environ.update(ENVIRONMENT)  # the children's environment is this one's (common.bench_env)
    results = []
    for key in platforms:
        child_args = ["--platform", key, "--changed", str(args.changed)] + (["--no-baseline"] * args.no_baseline)
        results += run_children(
            __file__, [args.orders], args.database_url, SCRATCH_PG_DATABASE, child_args, prefix=f"bench-rec-{key}-"
        )
    report(results)
    return 0


def report(results: list[dict]) -> None:
    first = results[0]
    print(f"\n== Reconciliation benchmark: {first['orders']:,} open orders a platform, {first['database']}\n")
    columns = [(r, kind) for r in results for kind in ("clean", "repairs", "baseline") if r["runs"].get(kind)]
    heads = [f"{r['platform']} {kind}" for r, kind in columns]

    def run(r, k):
        return r["runs"][k]

    rows = [
        ("wall time", [f"{run(r, k)['wall_s']:.1f} s" for r, k in columns]),
        ("orders/s", [f"{run(r, k)['orders_seen'] / run(r, k)['wall_s']:,.0f}" for r, k in columns]),
        ("requests", [f"{run(r, k)['requests']:,}" for r, k in columns]),
        ("  listing pages / by id", [f"{run(r, k)['listing']:,} / {run(r, k)['by_id']:,}" for r, k in columns]),
        ("pages (commits)", [f"{run(r, k)['pages']:,}" for r, k in columns]),
        ("queries per page, whole run", [f"{run(r, k)['queries_per_page']:.2f}" for r, k in columns]),
        ("queries per page, ingest_page", [f"{run(r, k)['ingest_queries_per_page']:.2f}" for r, k in columns]),
        (
            "time in HTTP / ingest_page",
            [f"{run(r, k)['http_s']:.1f} / {run(r, k)['ingest_s']:.1f} s" for r, k in columns],
        ),
        ("peak RSS growth", [mib(run(r, k)["rss_growth"]) for r, k in columns]),
        ("Shopify points", [f"{run(r, k)['points']:,.0f}" if run(r, k)["points"] else "-" for r, k in columns]),
    ]
    print_table(heads, rows)
    print("\nWhat each found, and the time the platform's limit would take (the benchmark lifts it):")
    for (r, k), head in zip(columns, heads, strict=True):
        print(f"  {head}: {run(r, k)['found']}; {run(r, k)['at_limit'] or 'no limit known'}")
    print("\nReconciliation against the full re-sync (the baseline), nothing changed:")
    for r in results:
        base, clean = r["runs"].get("baseline"), r["runs"]["clean"]
        if base:
            print(
                f"  {r['platform']}: time x{clean['wall_s'] / base['wall_s']:.2f}, requests "
                f"x{clean['requests'] / base['requests']:.2f}"
                + (f", points x{clean['points'] / base['points']:.2f}" if base["points"] else "")
            )
    print("\nOther figures")
    for r in results:
        print(
            f"  {r['platform']}: {r['orders']:,} orders generated in {r['generate_s']:.0f} s, the portal's copies "
            f"ingested in {r['seed_s']:.0f} s; {r['changed']} changed for the repairs run"
        )


# == the child: one platform ===================================================================


def child_main(args) -> int:
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection as db

    call_command("migrate", verbosity=0)
    work = Path(args.result_file).parent
    port = free_port()
    server = start_sandbox(port, work / "gunicorn.log")  # answers once every sandbox is mounted
    try:
        bench = BENCHES[args.platform](args.orders, f"http://127.0.0.1:{port}/sandbox", db)
        result = bench.run(changed=args.changed, baseline=not args.no_baseline)
    finally:
        stop(server)
    Path(args.result_file).write_text(json.dumps(result))
    return 0


class Bench:
    """One platform's run; subclasses say how its orders are made, held, changed and counted."""

    key = ""
    orders_module = ""  # the module whose normalize_order the probe times

    def __init__(self, orders: int, sandbox_url: str, db):
        self.orders, self.sandbox_url, self.db = orders, sandbox_url, db

    def say(self, text: str) -> None:
        print(f"  {text}", flush=True)

    def run(self, *, changed: int, baseline: bool) -> dict:
        from importlib import import_module

        import connections.reconcile as reconcile_module
        from connections.context import platform_context
        from portal.models import Merchant

        started = time.perf_counter()
        self.generate()
        generate_s = time.perf_counter() - started
        self.say(f"generated {self.orders:,} open {self.key} orders in {generate_s:.1f} s")
        self.connection = self.make_connection(Merchant.objects.create(name="Bench Ltd"))
        started = time.perf_counter()
        self.seed()
        seed_s = time.perf_counter() - started
        self.say(f"the portal's copies ingested in {seed_s:.1f} s")
        module = import_module(self.orders_module)
        self.connection.adapter.check(platform_context(self.connection))  # the server's workers warmed up
        runs = {"clean": self.timed(Probe(self.db, module, reconcile_module), expect=(0, 0), label="clean")}
        self.change(changed)
        runs["repairs"] = self.timed(Probe(self.db, module, reconcile_module), expect=(0, changed), label="repairs")
        if baseline:
            runs["baseline"] = self.timed(Probe(self.db, module), expect=None, label="full re-sync (baseline)")
        return {
            "platform": self.key,
            "orders": self.orders,
            "changed": changed,
            "engine": engine_name(self.db),
            "generate_s": generate_s,
            "seed_s": seed_s,
            "runs": runs,
        }

    def seed(self) -> None:
        """The portal holds a copy of each order, as the platform serves it (ingested a page at a time)."""
        from django.db import transaction

        from orders.ingest import ingest_page

        records = self.records()
        for start in range(0, len(records), PAGE):
            with transaction.atomic():
                result = ingest_page(self.connection, records[start : start + PAGE])
            if result.created != len(records[start : start + PAGE]):
                raise SystemExit(f"Seeding created {result.created} of a page: {result.skipped_reasons}")

    def timed(self, probe: Probe, *, expect: tuple[int, int] | None, label: str) -> dict:
        from connections import reconcile, sync
        from connections.models import SyncRun

        if expect is None:  # the baseline: a full re-sync
            run, _ = sync.request_sync(self.connection, trigger=SyncRun.Trigger.COMMAND, full=True, enqueue=False)
            execute = sync.execute
        else:
            run, _ = reconcile.request_reconcile(self.connection, trigger=SyncRun.Trigger.COMMAND, enqueue=False)
            execute = reconcile.execute
        gc.collect()
        rss_start = reset_rss_peak()
        probe.reset()
        with probe.installed(), self.points() as points:
            started = time.perf_counter()
            execute(run.pk)
            wall_s = time.perf_counter() - started
        rss_peak = read_proc_status("VmHWM")
        run.refresh_from_db()
        if run.status != SyncRun.Status.SUCCEEDED:
            raise SystemExit(f"The {label} run did not succeed: {run.error}")
        if expect is not None and (run.created, run.updated) != expect:
            raise SystemExit(f"The {label} run repaired {run.created} missing, {run.updated} stale; expected {expect}")
        by_id = sum(1 for r in probe.requests if self.is_by_id(r))
        figures = {
            "wall_s": wall_s,
            "orders_seen": run.orders_seen,
            "requests": len(probe.requests),
            "listing": len(probe.requests) - by_id,
            "by_id": by_id,
            "pages": run.pages,
            "queries_per_page": probe.queries / max(1, run.pages),
            "ingest_queries_per_page": probe.ingest_queries / max(1, run.pages),
            "http_s": probe.http_s,
            "ingest_s": probe.ingest_s,
            "rss_growth": rss_peak - rss_start if rss_peak is not None and rss_start is not None else None,
            "found": run.findings if run.is_reconciliation else f"{run.unchanged:,} unchanged",
            "points": points.get("points", 0),
        }
        figures["at_limit"] = self.at_limit(figures, reconciling=run.is_reconciliation)
        self.say(
            f"{label}: {figures['found']} in {wall_s:.1f} s; {len(probe.requests):,} requests ({by_id:,} by id), "
            f"{run.pages:,} pages, {figures['queries_per_page']:.2f} queries a page"
        )
        return figures

    # -- what each platform says ----------------------------------------------------------------

    def points(self):
        import contextlib

        return contextlib.nullcontext({})

    def is_by_id(self, request: dict) -> bool:
        raise NotImplementedError

    def at_limit(self, figures: dict, *, reconciling: bool) -> str:
        return ""


class NothsBench(Bench):
    key, orders_module = "noths", "connections.platforms.noths.adapter"

    def generate(self):
        from connections.platforms.noths.sandbox.data import generate_orders
        from sandbox.models import SandboxAccount

        self.account = SandboxAccount.objects.create(
            platform="noths", token=f"noths-bench-{secrets.token_hex(8)}", name="Bench"
        )
        # A minute apart would reach back 35 days: a few seconds apart keeps them in the last two.
        generate_orders(self.account, self.orders, states=("placed", "accepted"), seed=SEED, spacing_seconds=3)

    def make_connection(self, merchant):
        from tests.factories import ConnectionFactory

        return ConnectionFactory(
            merchant=merchant, name="bench", token=self.account.token, base_url_override=f"{self.sandbox_url}/noths"
        )

    def records(self):
        from connections.platforms.base import OrderRecord
        from connections.platforms.noths.orders import normalize_order

        documents = self.account.noths_orders.order_by("noths_id").values_list("noths_id", "document")
        return [OrderRecord(str(i), json.loads(doc), normalize_order) for i, doc in documents]

    def change(self, count):
        from connections.platforms.noths.sandbox.actions import open_enquiry

        for order in self.account.noths_orders.filter(state="placed").order_by("?")[:count]:
            open_enquiry(order, "Could it come before Friday?")

    def is_by_id(self, request):
        return "ids" in request["params"]


class NuorderBench(Bench):
    key, orders_module = "nuorder", "connections.platforms.nuorder.adapter"

    def generate(self):
        from connections.platforms.nuorder.sandbox.data import create_app, generate_orders

        self.app = create_app(shortcode="benchbrand", name="Bench Brand", application_type="wholesale")
        generate_orders(self.app.account, self.orders, statuses=("approved",), seed=SEED, spacing_seconds=3)

    def make_connection(self, merchant):
        from connections.models import Connection, Credential

        connection = Connection.objects.create(
            merchant=merchant,
            platform="nuorder",
            name="bench",
            status=Connection.Status.CONNECTED,
            base_url_override=f"{self.sandbox_url}/nuorder/wholesale",
            import_statuses=["approved"],
        )
        token = self.app.tokens.get()
        credentials = {
            "application_type": "wholesale",
            "consumer_key": self.app.account.token,
            "consumer_secret": self.app.consumer_secret,
            "token": token.token,
            "token_secret": token.token_secret,
        }
        credential = Credential(connection=connection)
        credential.set_values(credentials, connection.adapter.credential_fields)
        credential.save()
        return connection

    def records(self):
        from connections.platforms.base import OrderRecord
        from connections.platforms.nuorder.orders import normalize_order

        documents = self.app.account.nuorder_orders.order_by("pk").values_list("nuorder_id", "document")
        return [OrderRecord(i, json.loads(doc), normalize_order) for i, doc in documents]

    def change(self, count):
        from connections.platforms.nuorder.sandbox.orders import set_status

        for order in self.app.account.nuorder_orders.order_by("?")[:count]:
            set_status(order, "cancelled")

    def is_by_id(self, request):
        return "/api/order/" in request["path"]


class PartnerBench(Bench):
    key, orders_module = "partner", "connections.platforms.partner.adapter"

    def generate(self):
        from connections.platforms.partner.sandbox.data import create_chain, generate_orders
        from connections.platforms.partner.sandbox.models import LOGISTICS_DELIVERY
        from connections.platforms.partner.tests.fixtures import PARTNER_CHAIN_ID, partner_credentials

        token = partner_credentials()["token"]  # the connection's (make_partner_connection)
        self.chain = create_chain("Bench Grocer", chain_id=PARTNER_CHAIN_ID, token=token, vendor_ids=("v-1",))
        # Its 60 a minute lifted too (the portal's own budget keeps under it: reported as time instead).
        type(self.chain).objects.filter(pk=self.chain.pk).update(rate_limit_per_minute=0)
        generate_orders(
            self.chain,
            self.orders,
            days=2,
            statuses=("RECEIVED",),
            transport_types=(LOGISTICS_DELIVERY,),
            seed=SEED,
            notify=False,
        )

    def make_connection(self, merchant):
        from connections.platforms.partner.tests.fixtures import make_partner_connection

        return make_partner_connection(merchant, base_url=f"{self.sandbox_url}/partner")

    def records(self):
        from connections.platforms.base import OrderRecord
        from connections.platforms.partner.orders import normalize_order

        documents = self.chain.orders.order_by("pk").values_list("order_id", "document")
        return [OrderRecord(str(i), json.loads(doc), normalize_order) for i, doc in documents]

    def change(self, count):
        from connections.platforms.partner.sandbox.data import set_status

        for order in self.chain.orders.order_by("?")[:count]:
            set_status(order, "READY_FOR_PICKUP", notify=False)  # its webhook dropped

    def is_by_id(self, request):
        return "/orders/" in request["path"] and "/vendors/" not in request["path"]

    def at_limit(self, figures, *, reconciling):
        from django.conf import settings

        from connections.throttle import WINDOW, window_budget

        share = settings.RECONCILE_BUDGET_SHARE if reconciling else 1.0
        per_window = max(1, int(window_budget(60) * share))
        minutes = figures["requests"] / per_window * WINDOW / 60
        return f"{minutes:.1f} min ({per_window} requests / {WINDOW} s)"


class ShopifyBench(Bench):
    key, orders_module = "shopify", "connections.platforms.shopify.orders"

    def generate(self):
        from connections.platforms.shopify.sandbox.data import create_shop, generate_orders

        # The bucket is lifted: the points each query cost are counted instead, and turned into time.
        self.shop = create_shop("Bench Crafts", domain="bench-crafts.myshopify.com", bucket_size=10**9)
        type(self.shop).objects.filter(pk=self.shop.pk).update(restore_rate=10**9, bucket_available=10**9)
        generate_orders(self.shop, self.orders, days=2, mix=("unfulfilled",), seed=SEED)

    def make_connection(self, merchant):
        from connections.platforms.shopify.tests.fixtures import connect_sandbox_shop

        class Server:
            url = self.sandbox_url.removesuffix("/sandbox")

        return connect_sandbox_shop(Server, merchant, self.shop)

    def records(self):
        from connections.platforms.shopify import orders
        from connections.platforms.shopify.sandbox.render import rest_order

        documents = self.shop.orders.order_by("pk").values_list("document", flat=True)
        zone = self.shop.iana_timezone
        return [orders.record(rest_order(json.loads(doc), zone=zone, redact=False)) for doc in documents]

    def change(self, count):
        from connections.platforms.shopify.sandbox.orders import touch_orders

        touch_orders(self.shop, self.shop.orders.order_by("?")[:count], notify=False)  # its webhook dropped

    def is_by_id(self, request):
        return request["operation"] == "Order"

    def points(self):
        import contextlib

        from connections.platforms.shopify import client

        @contextlib.contextmanager
        def counted():
            figures = {"points": 0.0}
            real_note = client.GraphQL._note_cost

            def note(graphql, document, body):
                figures["points"] += float((client._cost(body) or {}).get("actualQueryCost") or 0)
                return real_note(graphql, document, body)

            client.GraphQL._note_cost = note
            try:
                yield figures
            finally:
                client.GraphQL._note_cost = real_note

        return counted()

    def at_limit(self, figures, *, reconciling):
        return f"{figures['points'] / SHOPIFY_RESTORE_PER_S / 60:.1f} min ({SHOPIFY_RESTORE_PER_S} points/s)"


BENCHES = {b.key: b for b in (NothsBench, NuorderBench, PartnerBench, ShopifyBench)}


if __name__ == "__main__":
    sys.exit(main())
