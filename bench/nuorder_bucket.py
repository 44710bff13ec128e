"""NuORDER bucket benchmark: how big a status bucket the NuORDER sync handles, in time and memory.

    .venv/bin/python bench/nuorder_bucket.py [--sizes 1000,5000,20000] [--database-url URL]
                                             [--repeat 3] [--no-memory] [--worker-memory 512]

NuORDER has no paging: a sync reads each chosen status bucket whole, in one request
(`GET /api/orders/{status}/detail`), decodes it as one JSON document and hands it to
ingest in chunks of CHUNK (250) orders. So the time of that one request, the decoding and
above all the memory of the sync grow with the bucket; this benchmark measures by how much.

For each bucket size it makes a scratch database (a temporary SQLite file, or a
`bench_nuorder_bucket` database next to the one --database-url names), migrates it,
serves the sandbox NuORDER from it with gunicorn in separate processes, creates a
Wholesale application and that many approved orders (2 lines of 3 sizes: 6 items each),
and then, in a child process of its own, --repeat rounds (default 3, each on a fresh
connection; the figures are the medians) of:

1. run 1: a first import of the bucket: request_sync(..., enqueue=False) + execute, as
   `fetch_orders` does, through the real adapter, OAuth 1.0a and HTTP;
2. run 2: the same again with nothing changed: the next scheduled sync, which reads the
   whole bucket again (a NuORDER pass always does);

then, once (unless --no-memory):

3. runs 1 and 2 again on another connection under tracemalloc, for peak memory and for
   the memory still held when the last chunk is ingested;
4. the parts of that peak, measured apart: the bucket's JSON body, the decoded documents,
   and the documents normalized (what a first import adds to each record it ingests).

The parent prints one table for all sizes, then how peak memory grows with the bucket
and what bucket a worker of --worker-memory MiB can take. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import subprocess
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
    read_proc_status,
    reset_rss_peak,
    run_children,
    seconds_list,
    share,
    start_sandbox,
    stop,
    traced_peak,
)

SCRATCH_PG_DATABASE = "bench_nuorder_bucket"
DEFAULT_SIZES = (1_000, 5_000, 20_000)
STATUS = "approved"
LINES, SIZES_PER_LINE = 2, 3
ITEMS_PER_ORDER = LINES * SIZES_PER_LINE
SEED = 20240601
SPACING_SECONDS = 60  # orders a minute apart: 20,000 reach back 14 days, inside the default import window
DEFAULT_WORKER_MIB = 512
PRODUCTION_READ_TIMEOUT_S = 30.0  # PLATFORM_READ_TIMEOUT's default (the benchmark runs with 60)


# == the parent: one child per size, the report =============================================


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sync sandbox NuORDER buckets of several sizes and print figures.")
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="bucket sizes (approved orders), comma-separated (default 1000,5000,20000)",
    )
    parser.add_argument(
        "--database-url",
        help="postgres://... to run on PostgreSQL: a scratch database "
        f"{SCRATCH_PG_DATABASE!r} is created on that server and dropped afterwards "
        "(default: a temporary SQLite file)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed rounds (run 1, run 2), each on a fresh connection; figures are medians (default 3)",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the (slow) tracemalloc pass")
    parser.add_argument(
        "--worker-memory",
        type=int,
        default=DEFAULT_WORKER_MIB,
        help=f"a worker's memory in MiB, for the largest-bucket estimate (default {DEFAULT_WORKER_MIB})",
    )
    parser.add_argument("--save", metavar="FILE", help="also write the figures, as JSON, to FILE")
    parser.add_argument("--report", metavar="FILE", help="print the report of figures saved with --save; run nothing")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--orders", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    parser.add_argument("--decode-rss", nargs=2, metavar=("DECODER", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.decode_rss:
        return decode_rss_main(*args.decode_rss)
    if args.child:
        return child_main(args)
    if args.report:
        report(json.loads(Path(args.report).read_text()), args.worker_memory)
        return 0

    try:
        sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes takes whole numbers separated by commas, e.g. 1000,5000,20000")
    if not sizes or sizes[0] <= 0:
        parser.error("--sizes needs at least one positive size")
    child_args = ["--repeat", str(args.repeat)] + (["--no-memory"] if args.no_memory else [])
    results = run_children(
        __file__, sizes, args.database_url, SCRATCH_PG_DATABASE, child_args, prefix="bench-nuorder-bucket-"
    )
    if args.save:
        Path(args.save).write_text(json.dumps(results, indent=1))
    report(results, args.worker_memory)
    return 0


# -- the report ---------------------------------------------------------------------------


def report(results: list[dict], worker_mib: int) -> None:
    first = results[0]
    print(
        f"\n== NuORDER bucket benchmark: the {STATUS!r} bucket, orders of {LINES} lines x {SIZES_PER_LINE} sizes "
        f"({ITEMS_PER_ORDER} items), {first['database']}, chunk {first['chunk']}, Python {first['python']}\n"
    )
    columns = []
    for result in results:
        columns += [(result, "first"), (result, "unchanged")]
    heads = [f"{r['orders']:,} {'run 1' if kind == 'first' else 'run 2'}" for r, kind in columns]

    def run(r, k):
        return r["runs"][k]

    def traced(r, k):
        return r["memory"].get(k, {})

    def per_order(size, r):
        return "n/a" if size is None else f"{size / r['orders'] / 1024:.1f} KiB"

    rows: list[tuple[str, list[str]]] = [
        ("", ["first import" if kind == "first" else "nothing changed" for _, kind in columns]),
        ("wall time", [f"{run(r, k)['wall_s']:.2f} s" for r, k in columns]),
        ("orders/s", [f"{run(r, k)['orders_per_s']:,.0f}" for r, k in columns]),
        ("chunks", [str(run(r, k)["chunks"]) for r, k in columns]),
        (
            "created / updated / unchanged",
            [f"{run(r, k)['created']}/{run(r, k)['updated']}/{run(r, k)['unchanged']}" for r, k in columns],
        ),
        ("bucket JSON body", [f"{mib(run(r, k)['bucket_bytes'])}" for r, k in columns]),
        ("time: bucket request (download)", [share(run(r, k), "http_s") for r, k in columns]),
        ("  of which until headers (server)", [share(run(r, k), "to_headers_s") for r, k in columns]),
        ("time: JSON decode", [share(run(r, k), "decode_s") for r, k in columns]),
        ("time: ingest_page", [share(run(r, k), "ingest_s") for r, k in columns]),
        ("  of which normalizing orders", [share(run(r, k), "normalize_s") for r, k in columns]),
        ("time: chunk commit", [share(run(r, k), "commit_s") for r, k in columns]),
        ("time: rest (records, bookkeeping)", [share(run(r, k), "other_s") for r, k in columns]),
        ("of all that: garbage collector", [share(run(r, k), "gc_s") for r, k in columns]),
        ("  of which full collections", [share(run(r, k), "gc_full_s") for r, k in columns]),
        ("  full collections", [f"{run(r, k)['gc_full']:.0f}" for r, k in columns]),
        ("queries per chunk, ingest stage", [f"{run(r, k)['ingest_queries_per_chunk']:.2f}" for r, k in columns]),
        ("queries per chunk, whole sync", [f"{run(r, k)['queries_per_chunk']:.2f}" for r, k in columns]),
        ("peak memory, tracemalloc", [mib(traced(r, k).get("tracemalloc_peak")) for r, k in columns]),
        ("  per order", [per_order(traced(r, k).get("tracemalloc_peak"), r) for r, k in columns]),
        (
            "  x bucket JSON body",
            [
                f"{traced(r, k)['tracemalloc_peak'] / run(r, k)['bucket_bytes']:.1f}" if traced(r, k) else "n/a"
                for r, k in columns
            ],
        ),
        ("  held as the first chunk starts", [mib(traced(r, k).get("held_at_first_chunk")) for r, k in columns]),
        ("  held as the last chunk starts", [mib(traced(r, k).get("held_at_last_chunk")) for r, k in columns]),
        ("peak RSS growth", [mib(run(r, k)["rss_growth"]) for r, k in columns]),
        ("  per order", [per_order(run(r, k)["rss_growth"], r) for r, k in columns]),
        ("  worst round", [mib(max_or_none(r["each"][k]["rss_growth"])) for r, k in columns]),
        ("  RSS growth as the last chunk starts", [mib(run(r, k)["rss_at_last_chunk"]) for r, k in columns]),
        ("  RSS growth left after the sync", [mib(run(r, k)["rss_left"]) for r, k in columns]),
        ("peak RSS of the process, worst round", [mib(max_or_none(r["each"][k]["rss_peak"])) for r, k in columns]),
    ]
    print_table(heads, rows)

    print(f"\nMedians of {first['rounds']} rounds; each round's figures:")
    for r in results:
        each = r["each"]
        print(
            f"  {r['orders']:,} orders: run 1 {seconds_list(each['first']['wall_s'])}; "
            f"run 2 {seconds_list(each['unchanged']['wall_s'])}; peak RSS growth run 1 "
            f"{mib_list(each['first']['rss_growth'])}, run 2 {mib_list(each['unchanged']['rss_growth'])}"
        )

    print("\nOther figures")
    for r in results:
        traced_note = (
            f"; syncs under tracemalloc took {r['memory']['first']['wall_s']:.1f} s and "
            f"{r['memory']['unchanged']['wall_s']:.1f} s"
            if r["memory"]
            else ""
        )
        print(
            f"  {r['orders']:,} orders: generated in {r['generate_s']:.1f} s; {r['items']:,} items imported "
            f"({r['items'] / r['orders']:.0f} per order); process RSS with Django set up "
            f"{mib(r['rss_after_setup'])}, before a sync (median) {mib(r['runs']['first']['rss_start'])}{traced_note}"
        )

    growth(results)
    limits(results, worker_mib)


def growth(results: list[dict]) -> None:
    """How peak memory grows with the bucket, and what it is made of."""
    if not all(r["memory"] and r["parts"] for r in results):
        print("\n(peak memory by bucket size not shown: run without --no-memory)")
        return
    print(
        "\nPeak memory against bucket size. Traced: tracemalloc, what is allocated; resident: RSS, what the\n"
        "process holds (the decoder reserves more than it touches). Parts measured apart from the sync."
    )
    heads = [
        "orders",
        "JSON body",
        "decode peak",
        "decoded",
        "normalized",
        "run 1 peak",
        "run 2 peak",
        "decode peak",
        "run 1 peak",
        "run 2 peak",
        "run 1 vs smallest",
    ]
    kinds = ["", "", "traced", "traced", "traced", "traced", "traced", "resident", "resident", "resident", "resident"]
    smallest = results[0]["runs"]["first"]["rss_growth"] or 1
    table = []
    for r in results:
        parts = r["parts"]
        table.append(
            [
                f"{r['orders']:,}",
                mib(parts["body"]),
                mib(parts["decode_peak"]),
                mib(parts["decoded"]),
                mib(parts["normalized"]),
                mib(r["memory"]["first"]["tracemalloc_peak"]),
                mib(r["memory"]["unchanged"]["tracemalloc_peak"]),
                mib(parts["decode_rss_peak"]),
                mib(r["runs"]["first"]["rss_growth"]),
                mib(r["runs"]["unchanged"]["rss_growth"]),
                f"x{(r['runs']['first']['rss_growth'] or 0) / smallest:.1f}",
            ]
        )
    widths = [
        max(len(h), len(k), *(len(row[i]) for row in table)) + 2
        for i, (h, k) in enumerate(zip(heads, kinds, strict=True))
    ]
    print("  " + "".join(k.rjust(w) for k, w in zip(kinds, widths, strict=True)))
    print("  " + "".join(h.rjust(w) for h, w in zip(heads, widths, strict=True)))
    for row in table:
        print("  " + "".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))
    largest = results[-1]
    parts, n = largest["parts"], largest["orders"]
    print(
        f"  Per order at {n:,}: JSON {parts['body'] / n / 1024:.1f} KiB; decoded documents "
        f"{parts['decoded'] / n / 1024:.1f} KiB ({parts['decoded'] / parts['body']:.1f} x the JSON); the decoder's "
        f"peak {parts['decode_peak'] / parts['body']:.1f} x the JSON traced, "
        f"{(parts['decode_rss_peak'] or 0) / parts['body']:.1f} x resident (the standard library's json.loads: "
        f"{(parts['stdlib_decode_rss_peak'] or 0) / parts['body']:.1f} x resident); normalizing adds "
        f"{parts['normalized'] / n / 1024:.1f} KiB."
    )
    if len(results) > 1:
        for kind, label in (("first", "run 1"), ("unchanged", "run 2")):
            slope, fixed = fit([(r["orders"], r["memory"][kind]["tracemalloc_peak"]) for r in results])
            rss_slope, rss_fixed = fit([(r["orders"], r["runs"][kind]["rss_growth"] or 0) for r in results])
            print(
                f"  {label}, least squares: traced peak ~ {mib(fixed)} + {slope / 1024:.1f} KiB per order; "
                f"resident ~ {mib(rss_fixed)} + {rss_slope / 1024:.1f} KiB per order"
            )


def limits(results: list[dict], worker_mib: int) -> None:
    """What the figures mean for a worker: memory, the lease, the read timeout."""
    largest = results[-1]
    settings_ = largest["settings"]
    print(f"\nLimits (largest bucket measured: {largest['orders']:,} orders)")
    gap = max(r["runs"][k]["before_first_chunk_s"] for r in results for k in ("first", "unchanged"))
    headers = max(r["runs"][k]["to_headers_s"] for r in results for k in ("first", "unchanged"))
    wall = max(r["runs"][k]["wall_s"] for r in results for k in ("first", "unchanged"))
    print(
        f"  longest time before the first chunk commits (no heartbeat meanwhile): {gap:.1f} s; "
        f"the lease is {settings_['lease_s']} s"
    )
    print(
        f"  longest wait for the bucket's response headers: {headers:.1f} s; the read timeout defaults to "
        f"{PRODUCTION_READ_TIMEOUT_S:g} s (the sandbox builds the whole body first; NuORDER's own time is not known)"
    )
    print(f"  longest sync: {wall:.1f} s; a task may run {settings_['task_timeout_s']} s")
    # Resident growth per order: the worst round of run 1 or run 2 at the largest size (at
    # small sizes a chunk's fixed working set and heap left by earlier rounds blur it).
    growths = [g for k in ("first", "unchanged") for g in largest["each"][k]["rss_growth"]]
    base = largest["rss_after_setup"]
    if any(g is None for g in growths) or base is None:
        print("  (no RSS figures on this system: no memory estimate)")
        return
    per_order_ = max(growths) / largest["orders"]
    limit = worker_mib * 2**20
    print(
        f"  peak RSS growth of a sync, worst round at {largest['orders']:,}: {mib(max(growths))} = "
        f"{per_order_ / 1024:.1f} KiB per order; a process with Django set up holds {mib(base)} before it"
    )
    for share_, label in ((1.0, "the whole"), (0.5, "half of")):
        room = limit * share_ - base
        print(
            f"  a sync process reaches {label} {worker_mib} MiB at a bucket of about "
            f"{max(0, math.floor(room / per_order_)):,} orders"
        )
    print(
        f"  with {settings_['q_workers']} qcluster workers, two NuORDER syncs may run at once, each in its own "
        "process: each needs its own share"
    )


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares (slope, intercept) of y on x."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / var if var else 0.0
    return slope, mean_y - slope * mean_x


def max_or_none(values) -> float | None:
    values = list(values)
    return None if any(v is None for v in values) else max(values)


def mib_list(values: list[float | None]) -> str:
    return ", ".join(mib(v).removesuffix(" MiB") for v in values) + " MiB"


# == the child: one size, in a process of its own ===========================================


def child_main(args) -> int:
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection as db

    call_command("migrate", verbosity=0)
    rss_after_setup = reset_rss_peak()
    work = Path(args.result_file).parent
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/sandbox/nuorder/wholesale"
    # Unsigned: the sandbox NuORDER answers 401 once it is up.
    server = start_sandbox(port, work / "gunicorn.log", f"/sandbox/nuorder/wholesale/api/orders/{STATUS}/list")
    try:
        bench = BucketBench(args.orders, base_url, db, work)
        bench.rss_after_setup = rss_after_setup
        result = bench.run(rounds=max(1, args.repeat), memory=not args.no_memory)
    finally:
        stop(server)
    Path(args.result_file).write_text(json.dumps(result))
    return 0


class BucketBench:
    def __init__(self, orders: int, base_url: str, db, work: Path):
        self.orders = orders
        self.base_url = base_url
        self.db = db
        self.work = work
        self.rss_after_setup: int | None = None

    def say(self, text: str) -> None:
        print(f"  {text}", flush=True)

    def run(self, *, rounds: int, memory: bool) -> dict:
        from django.conf import settings

        import connections.platforms.nuorder.adapter as nuorder_module
        from portal.models import Merchant

        started = time.perf_counter()
        self.credentials = self.make_orders()
        generate_s = time.perf_counter() - started
        self.say(f"generated {self.orders:,} sandbox NuORDER orders in {generate_s:.1f} s")
        self.merchant = Merchant.objects.create(name="Bench Wholesale Ltd")

        probe = Probe(self.db, nuorder_module)
        firsts, unchangeds = [], []
        items = 0
        for number in range(1, rounds + 1):
            self.say(f"round {number} of {rounds}")
            connection = self.connection(f"bench-{number}")
            firsts.append(self.timed_sync(connection, probe, kind="first", label="run 1, first import"))
            if number == 1:
                items = self.check_items(connection)
            unchangeds.append(self.timed_sync(connection, probe, kind="unchanged", label="run 2, nothing changed"))
        figures = self.memory_pass() if memory else {}
        parts = self.parts() if memory else {}
        return {
            "orders": self.orders,
            "items": items,
            "chunk": nuorder_module.CHUNK,
            "python": sys.version.split()[0],
            "engine": engine_name(self.db),
            "generate_s": generate_s,
            "rounds": rounds,
            "runs": {"first": median_of(firsts), "unchanged": median_of(unchangeds)},
            "each": {
                kind: {key: [r[key] for r in rounds_] for key in ("wall_s", "rss_growth", "rss_peak")}
                for kind, rounds_ in (("first", firsts), ("unchanged", unchangeds))
            },
            "rss_after_setup": self.rss_after_setup,
            "memory": figures,
            "parts": parts,
            "settings": {
                "lease_s": settings.SYNC_LEASE_SECONDS,
                "task_timeout_s": settings.Q_CLUSTER["timeout"],
                "q_workers": settings.Q_CLUSTER["workers"],
            },
        }

    def make_orders(self) -> dict[str, str]:
        """A sandbox Wholesale application with the bucket; returns its credentials.

        Orders of exactly LINES x SIZES_PER_LINE items: the generator draws lines from the
        catalogue, where a few one-size products (bags, beanies) would make an order
        smaller, so for the benchmark it draws only from products with enough sizes.
        """
        from connections.platforms.nuorder.sandbox import data as nuorder_data

        app = nuorder_data.create_app(shortcode="benchbrand", name="Bench Brand", application_type="wholesale")
        catalogue = nuorder_data.PRODUCTS
        nuorder_data.PRODUCTS = [p for p in catalogue if len(p["sizes"]) >= SIZES_PER_LINE]
        try:
            nuorder_data.generate_orders(
                app.account,
                self.orders,
                statuses=(STATUS,),
                lines=LINES,
                sizes=SIZES_PER_LINE,
                seed=SEED,
                spacing_seconds=SPACING_SECONDS,
            )
        finally:
            nuorder_data.PRODUCTS = catalogue
        token = app.tokens.get()
        # As tests/conftest.py's nuorder_credentials builds them.
        return {
            "application_type": app.application_type,
            "consumer_key": app.account.token,
            "consumer_secret": app.consumer_secret,
            "token": token.token,
            "token_secret": token.token_secret,
        }

    def connection(self, name: str):
        from datetime import timedelta

        from django.utils import timezone

        from connections.models import Connection, Credential
        from connections.platforms.base import DEFAULT_IMPORT_DAYS

        connection = Connection.objects.create(
            merchant=self.merchant,
            platform="nuorder",
            name=name,
            status=Connection.Status.CONNECTED,
            base_url_override=self.base_url,
            import_statuses=[STATUS],
            import_from=timezone.localdate() - timedelta(days=DEFAULT_IMPORT_DAYS),
            auto_accept=False,
        )
        credential = Credential(connection=connection)
        credential.set_values(self.credentials, connection.adapter.credential_fields)
        credential.save()
        return connection

    def sync(self, connection):
        """One sync as `fetch_orders` runs it: queue without enqueueing, then execute here.

        Not a full re-sync: a NuORDER pass always reads its buckets whole, so the next
        scheduled sync is what run 2 measures.
        """
        from connections.models import SyncRun
        from connections.sync import execute, request_sync

        run, created = request_sync(connection, trigger=SyncRun.Trigger.COMMAND, enqueue=False)
        assert created, "another run was active"
        gc.collect()
        return run.pk, execute

    def check(self, run, *, kind: str) -> None:
        from connections.models import SyncRun

        if run is None or run.status != SyncRun.Status.SUCCEEDED:
            raise SystemExit(f"The sync did not succeed: {run and run.error}")
        wanted = {"created": self.orders} if kind == "first" else {"unchanged": self.orders}
        wanted["pages"] = math.ceil(self.orders / 250)
        for field, value in wanted.items():
            if getattr(run, field) != value:
                raise SystemExit(f"Expected {field}={value}, got {getattr(run, field)} (run {run.pk})")

    def check_items(self, connection) -> int:
        from orders.models import OrderItem

        items = OrderItem.objects.filter(order__connection=connection).count()
        if items != self.orders * ITEMS_PER_ORDER:
            raise SystemExit(f"Expected {self.orders * ITEMS_PER_ORDER} items, got {items}")
        return items

    # -- runs 1 and 2 -----------------------------------------------------------------------

    def timed_sync(self, connection, probe: Probe, *, kind: str, label: str) -> dict:
        run_id, execute = self.sync(connection)
        rss_start = reset_rss_peak()
        probe.reset()
        with probe.installed(), sample_chunks(lambda: read_proc_status("VmRSS")) as rss_samples:
            started = time.perf_counter()
            run = execute(run_id)
            wall_s = time.perf_counter() - started
        rss_peak, rss_end = read_proc_status("VmHWM"), read_proc_status("VmRSS")
        self.check(run, kind=kind)
        buckets = [r for r in probe.requests if r["path"].endswith(f"/api/orders/{STATUS}/detail")]
        if len(buckets) != 1 or len(probe.requests) != 1:
            raise SystemExit(f"Expected one bucket request, saw {[r['path'] for r in probe.requests]}")
        bucket = buckets[0]
        accounted = probe.http_s + probe.json_s + probe.ingest_s + probe.commit_s
        figures = {
            "wall_s": wall_s,
            "orders_per_s": run.orders_seen / wall_s,
            "chunks": run.pages,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "bucket_bytes": bucket["bytes"],
            "http_s": probe.http_s,
            "to_headers_s": bucket["to_headers_s"],
            "decode_s": probe.json_s,
            "normalize_s": probe.normalize_s,
            "ingest_s": probe.ingest_s,
            "commit_s": probe.commit_s,
            "other_s": wall_s - accounted,
            "gc_s": probe.gc_s,
            "gc_full": probe.gc_full,
            "gc_full_s": probe.gc_full_s,
            # From the claim's heartbeat to the first chunk's (the download and decode come first).
            "before_first_chunk_s": probe.http_s + probe.json_s + (probe.ingest_s + probe.commit_s) / run.pages,
            "queries_per_chunk": probe.queries / run.pages,
            "ingest_queries_per_chunk": probe.ingest_queries / run.pages,
            "rss_start": rss_start,
            "rss_peak": rss_peak,
            "rss_growth": rss_peak - rss_start if rss_peak is not None and rss_start is not None else None,
            "rss_at_last_chunk": rss_samples[-1] - rss_start if rss_start is not None and rss_samples[-1] else None,
            "rss_left": rss_end - rss_start if rss_end is not None and rss_start is not None else None,
        }
        self.say(
            f"{label}: {run.orders_seen:,} orders in {wall_s:.2f} s = {figures['orders_per_s']:,.0f}/s; "
            f"bucket {bucket['bytes'] / 2**20:.1f} MiB in {probe.http_s:.2f} s, decoded in {probe.json_s:.2f} s; "
            f"{figures['ingest_queries_per_chunk']:.2f} ingest queries/chunk; "
            f"peak RSS growth {mib(figures['rss_growth'])}"
        )
        return figures

    # -- peak memory -------------------------------------------------------------------------

    def memory_pass(self) -> dict:
        """Runs 1 and 2 again on another connection, under tracemalloc.

        The peak is what execute() allocated at most above what was allocated when it
        started. "Held when the last chunk starts" is what was allocated (above that
        start) when ingest_page was called for the bucket's last chunk: the bucket and
        whatever the chunks already ingested left behind.
        """
        import tracemalloc

        connection = self.connection("bench-memory")
        figures = {}
        tracemalloc.start()
        try:
            for kind in ("first", "unchanged"):
                run_id, execute = self.sync(connection)
                at_start = tracemalloc.get_traced_memory()[0]
                with sample_chunks(lambda: tracemalloc.get_traced_memory()[0]) as samples:
                    run, peak, wall_s = traced_peak(execute, run_id)
                self.check(run, kind=kind)
                held = [sample - at_start for sample in samples]
                figures[kind] = {
                    "tracemalloc_peak": peak,
                    "wall_s": wall_s,
                    "held_at_first_chunk": held[0],
                    "held_at_last_chunk": held[-1],
                }
                self.say(
                    f"{kind} sync under tracemalloc: peak {mib(peak)}; held when the first chunk starts "
                    f"{mib(held[0])}, when the last starts {mib(held[-1])}"
                )
        finally:
            tracemalloc.stop()
        return figures

    def parts(self) -> dict:
        """The parts of the peak, measured apart from the sync: the bucket's JSON body, the
        decoder's transient peak and the documents it leaves, and those documents normalized.

        Under tracemalloc first (what is allocated), then in resident memory, each decoder
        in a fresh process of its own (in this one the heap already has room from the
        syncs, which would hide part of the growth): the decoder (orjson, through
        Reply.json) reserves a working area of many times the body and touches only part
        of it, so the two differ. For comparison, the same body decoded by the standard
        library's json.loads.
        """
        import tracemalloc

        import orjson

        from connections.context import platform_context

        connection = self.connection("bench-parts")
        client = connection.adapter.client(platform_context(connection))
        body = client.request("GET", f"/api/orders/{STATUS}/detail").content
        gc.collect()
        tracemalloc.start()
        try:
            (documents, decode_peak, _), decoded = traced_held(orjson.loads, body)
            (normalized, _, _), normalized_size = traced_held(normalize_all, documents)
        finally:
            tracemalloc.stop()
        if len(normalized) != self.orders:
            raise SystemExit(f"The bucket held {len(normalized)} orders, not {self.orders}")
        del documents, normalized
        figures = {
            "body": len(body),
            "decoded": decoded,
            "decode_peak": decode_peak,
            "normalized": normalized_size,
            **self.decode_rss(body),
        }
        self.say(
            f"parts: JSON body {mib(len(body))}; orjson decode peak {mib(decode_peak)} traced, "
            f"{mib(figures['decode_rss_peak'])} resident, leaving {mib(decoded)}; normalized {mib(normalized_size)} "
            f"more; json.loads decode peak {mib(figures['stdlib_decode_rss_peak'])} resident"
        )
        return figures

    def decode_rss(self, body: bytes) -> dict:
        """The resident peak of decoding `body`, with orjson and with json, each in a fresh process."""
        path = Path(self.work) / "bucket.json"
        path.write_bytes(body)
        figures = {}
        try:
            for key, decoder in (("decode_rss_peak", "orjson"), ("stdlib_decode_rss_peak", "json")):
                command = [sys.executable, str(Path(__file__).resolve()), "--decode-rss", decoder, str(path)]
                answer = subprocess.run(command, capture_output=True, text=True, check=True)
                figures[key] = json.loads(answer.stdout)["rss_peak"]
        finally:
            path.unlink()
        return figures


def decode_rss_main(decoder: str, path: str) -> int:
    """In a fresh process: how far decoding the file raises the resident high-water mark."""
    import json as stdlib_json

    import orjson

    body = Path(path).read_bytes()
    loads = orjson.loads if decoder == "orjson" else stdlib_json.loads
    print(json.dumps({"rss_peak": rss_peak_of(loads, body)}))
    return 0


def normalize_all(documents: list[dict]) -> list:
    from connections.platforms.nuorder.orders import normalize_order

    return [normalize_order(document) for document in documents]


def traced_held(call, *args):
    """(traced_peak's answer, what call(*args) left allocated); tracemalloc is tracing."""
    import tracemalloc

    before = tracemalloc.get_traced_memory()[0]
    answer = traced_peak(call, *args)
    return answer, tracemalloc.get_traced_memory()[0] - before


def rss_peak_of(call, *args) -> int | None:
    """How far call(*args) raised the resident high-water mark above the RSS it started from."""
    start = reset_rss_peak()
    value = call(*args)
    peak = read_proc_status("VmHWM")
    del value
    return peak - start if peak is not None and start is not None else None


@contextlib.contextmanager
def sample_chunks(measure):
    """measure() each time the sync calls ingest_page, that is as each chunk starts."""
    import connections.sync as sync_module

    real_ingest = sync_module.ingest_page
    samples: list[int] = []

    def ingest_page(*args, **kwargs):
        samples.append(measure())
        return real_ingest(*args, **kwargs)

    sync_module.ingest_page = ingest_page
    try:
        yield samples
    finally:
        sync_module.ingest_page = real_ingest


if __name__ == "__main__":
    sys.exit(main())
