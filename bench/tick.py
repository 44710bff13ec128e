"""The scheduler's minute tick at 1,000 and 10,000 connections: a steady tick and an all-due tick.

```sh
.venv/bin/python bench/tick.py                                   # 1,000 and 10,000, temporary SQLite file
.venv/bin/python bench/tick.py --connections 1000                # one size
.venv/bin/python bench/tick.py --database-url postgres://postgres@127.0.0.1:5432/postgres
.venv/bin/python bench/tick.py --connections 10000 --repeat 1 --profile   # where each tick spends (cProfile)
```

For each size it makes a scratch database (a temporary SQLite file; with `--database-url` the
`scale_tick` database on that server, dropped afterwards), migrates it and writes the
connections in bulk: a third on each platform, spread over 50 merchants, every one connected,
syncing every 30 minutes; each webhook connection with a few recent events (a rhythm, so the
silence check has something to read).
The broker is django-q2's ORM broker (the default without `REDIS_URL`), not run synchronously,
so each queued sync costs what it costs in production.

Then, in a process of its own:

1. a first tick (the first silence check of every webhook connection; not timed);
2. **steady**: `--repeat` ticks (default 3) with 2% of the connections due, the runs and broker
   tasks of the round before removed first; the median and the queries of the slowest;
3. **all due**: one tick with every connection due, no run active;
4. **all checks due**: one tick with every reconciling connection's check of open orders due
   (no sync due, no run active), queued in bulk as the syncs are;
5. **no check times**: one tick with no reconciling connection given a time for its check yet
   (as after an upgrade from before there were any), each given its own in one UPDATE.

It prints ms and queries per tick, the runs and broker tasks made, and PASS/FAIL against the
targets of issue 15 (at 10,000 connections: steady under 200 ms, all due queued in under 5 s).
The exit status is 1 if a target fails.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path

from common import run_children

SCRATCH_PG_DATABASE = "scale_tick"
STEADY_TARGET_MS = 200
ALL_DUE_TARGET_MS = 5000
TARGET_SIZE = 10_000
STEADY_SHARE = 0.02
EVENTS_PER_WEBHOOK_CONNECTION = 6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the scheduler tick at many connections; print figures.")
    parser.add_argument("--connections", default="1000,10000", help="comma-separated sizes (default 1000,10000)")
    parser.add_argument("--repeat", type=int, default=3, help="steady ticks timed (default 3)")
    parser.add_argument("--database-url", help="a PostgreSQL server (the scratch database is created on it)")
    parser.add_argument("--profile", action="store_true", help="print where the last steady and all-due ticks spend")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--orders", type=int, help=argparse.SUPPRESS)  # the size, as common.run_children names it
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args)
    sizes = [int(size) for size in args.connections.split(",") if size.strip()]
    results = run_children(
        __file__,
        sizes,
        args.database_url,
        SCRATCH_PG_DATABASE,
        ["--repeat", str(args.repeat)] + ["--profile"] * args.profile,
        prefix="bench-tick-",
        unit="connections",
    )
    return report(results)


def report(results: list[dict]) -> int:
    print(f"\n== Scheduler tick, {results[0]['database']}\n")
    heads = f"{'connections':>12} {'steady ms':>10} {'queries':>8} {'due':>5} {'all due ms':>11} {'queries':>8}"
    print(f"{heads} runs/tasks")
    failed = False
    for r in results:
        print(
            f"{r['connections']:>12,} {r['steady_ms']:>10.0f} {r['steady_queries']:>8,} {r['steady_due']:>5,} "
            f"{r['all_due_ms']:>11.0f} {r['all_due_queries']:>8,} {r['all_due_runs']:,}/{r['all_due_tasks']:,}"
        )
    print()
    for r in results:
        checks = [
            ("steady tick", r["steady_ms"], STEADY_TARGET_MS),
            ("all due queued", r["all_due_ms"], ALL_DUE_TARGET_MS),
        ]
        for label, value, target in checks:
            if r["connections"] < TARGET_SIZE:
                print(f"  {r['connections']:,}: {label} {value:.0f} ms (target is set at {TARGET_SIZE:,})")
                continue
            ok = value < target
            failed |= not ok
            print(f"  {'PASS' if ok else 'FAIL'} {r['connections']:,}: {label} {value:.0f} ms < {target:,} ms")
        if r["all_due_runs"] != r["connections"] or r["all_due_tasks"] != r["connections"]:
            failed = True
            print(f"  FAIL {r['connections']:,}: all due made {r['all_due_runs']:,} runs, {r['all_due_tasks']:,} tasks")
        print(
            f"  {r['connections']:,}: all {r['checks_due']:,} checks of open orders due: {r['checks_ms']:.0f} ms, "
            f"{r['checks_queries']:,} queries"
        )
        if r["checks_runs"] != r["checks_due"] or r["checks_tasks"] != r["checks_due"]:
            failed = True
            made = f"{r['checks_runs']:,} runs, {r['checks_tasks']:,} tasks"
            print(f"  FAIL {r['connections']:,}: checks due made {made}")
        print(
            f"  {r['connections']:,}: {r['unscheduled']:,} connections without a check time: {r['first_ms']:.0f} ms, "
            f"{r['first_queries']:,} queries"
        )
        if r["first_given"] != r["unscheduled"]:
            failed = True
            print(f"  FAIL {r['connections']:,}: {r['first_given']:,} of them were given one")
    return 1 if failed else 0


# == the child: one size =======================================================================


def child_main(args) -> int:
    import django

    django.setup()

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = TickBench(args.orders, profile=args.profile).run(args.repeat)
    Path(args.result_file).write_text(json.dumps(result))
    return 0


class TickBench:
    def __init__(self, size: int, *, profile: bool = False):
        self.size, self.profile = size, profile

    def say(self, text: str) -> None:
        print(f"  {text}", flush=True)

    def run(self, repeat: int) -> dict:
        from django.db import connection as db
        from django.db.models import Q

        from connections.models import Connection
        from portal.tasks import tick

        started = time.perf_counter()
        self.build()
        self.say(f"built {self.size:,} connections in {time.perf_counter() - started:.1f} s")
        self.analyze(db)
        tick()  # the first look at every webhook connection's rhythm
        steady = []
        for _ in range(repeat):
            due = self.make_due(max(1, int(self.size * STEADY_SHARE)))
            steady.append((*self.timed(tick, db), due))
            self.say(f"steady tick, {due:,} due: {steady[-1][0]:.0f} ms, {steady[-1][1]:,} queries")
        due = self.make_due(self.size)
        all_due_ms, all_due_queries = self.timed(tick, db)
        runs, tasks = self.queued()
        self.say(f"all-due tick: {all_due_ms:.0f} ms, {all_due_queries:,} queries, {runs:,} runs, {tasks:,} tasks")
        checking = self.make_checks_due()
        checks_ms, checks_queries = self.timed(tick, db)
        checks_runs, checks_tasks = self.queued()
        self.say(
            f"all-checks-due tick, {checking:,} due: {checks_ms:.0f} ms, {checks_queries:,} queries, "
            f"{checks_runs:,} runs, {checks_tasks:,} tasks"
        )
        unscheduled = self.make_unscheduled()
        first_ms, first_queries = self.timed(tick, db)
        # A time of now (a spread of 0) is due at once: that connection's check is queued, its time cleared.
        given = (
            Connection.objects.filter(
                Q(next_reconcile_at__isnull=False) | Q(sync_runs__isnull=False), pk__in=unscheduled
            )
            .distinct()
            .count()
        )
        self.say(
            f"no-check-times tick, {len(unscheduled):,}: {first_ms:.0f} ms, {first_queries:,} queries, {given:,} given"
        )
        return {
            "engine": db.vendor,
            "connections": self.size,
            "steady_ms": statistics.median(ms for ms, _, _ in steady),
            "steady_queries": max(q for _, q, _ in steady),
            "steady_due": max(d for _, _, d in steady),
            "all_due_ms": all_due_ms,
            "all_due_queries": all_due_queries,
            "all_due_runs": runs,
            "all_due_tasks": tasks,
            "checks_due": checking,
            "checks_ms": checks_ms,
            "checks_queries": checks_queries,
            "checks_runs": checks_runs,
            "checks_tasks": checks_tasks,
            "unscheduled": len(unscheduled),
            "first_ms": first_ms,
            "first_queries": first_queries,
            "first_given": given,
        }

    def build(self) -> None:
        from datetime import timedelta

        from django.utils import timezone

        from portal.models import Merchant
        from tests.support.fleet import make_fleet

        merchants = Merchant.objects.bulk_create([Merchant(name=f"Bench {n}") for n in range(50)])
        make_fleet(merchants, self.size, timezone.now() + timedelta(minutes=10), events=EVENTS_PER_WEBHOOK_CONNECTION)

    def analyze(self, db) -> None:
        with db.cursor() as cursor:
            cursor.execute("ANALYZE")

    def make_due(self, count: int) -> int:
        """`count` connections due now (the first ones), nothing queued: the round before's runs and tasks gone."""
        from datetime import timedelta

        from django.utils import timezone

        from connections.models import Connection

        self.quiet(status=Connection.Status.CONNECTED)
        ids = list(Connection.objects.order_by("pk").values_list("pk", flat=True)[:count])
        past = timezone.now() - timedelta(seconds=1)
        for start in range(0, len(ids), 500):
            Connection.objects.filter(pk__in=ids[start : start + 500]).update(next_sync_at=past)
        return len(ids)

    def quiet(self, **fields) -> None:
        """Nothing queued (`clear_queue`) and no sync due for ten minutes; `fields` set on every connection too."""
        from datetime import timedelta

        from django.utils import timezone

        from connections.models import Connection

        self.clear_queue()
        Connection.objects.update(next_sync_at=timezone.now() + timedelta(minutes=10), **fields)

    def clear_queue(self) -> None:
        """The round before's runs and broker tasks gone, and their tables and the connections' (each
        round rewrites every connection) vacuumed and analysed, as autovacuum does after so many
        changes: otherwise the planner reads the runs table as empty and scans its 10,000 dead rows
        once for each connection (an all-checks-due tick: 3 s, not 1)."""
        from django.db import connection as db
        from django_q.models import OrmQ

        from connections.models import Connection, SyncRun

        SyncRun.objects.all().delete()
        OrmQ.objects.all().delete()
        if db.vendor == "postgresql":
            with db.cursor() as cursor:
                for model in (SyncRun, OrmQ, Connection):
                    cursor.execute(f"VACUUM ANALYZE {db.ops.quote_name(model._meta.db_table)}")

    def reconciling(self):
        """The connections whose open orders are checked again (the tick's reconciliations)."""
        from connections.models import Connection
        from connections.reconcile import reconciling_platforms

        return Connection.objects.filter(platform__in=reconciling_platforms(), reconcile=True)

    def make_checks_due(self) -> int:
        """Every reconciling connection's check of open orders due now, no sync due, nothing queued."""
        from datetime import timedelta

        from django.utils import timezone

        self.quiet(next_reconcile_at=timezone.now() - timedelta(seconds=1))
        return self.reconciling().count()

    def make_unscheduled(self) -> list[int]:
        """No reconciling connection has a time for its check yet; no sync due, nothing queued. Their ids."""
        self.quiet(next_reconcile_at=None)
        return list(self.reconciling().values_list("pk", flat=True))

    def timed(self, call, db) -> tuple[float, int]:
        statements = []

        def count(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append(((time.perf_counter() - started) * 1000, sql))

        profiler = cProfile.Profile() if self.profile else None
        with db.execute_wrapper(count):
            started = time.perf_counter()
            if profiler is not None:
                profiler.runcall(call)
            else:
                call()
            elapsed = (time.perf_counter() - started) * 1000
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            for ms, sql in sorted(statements, reverse=True)[:8]:
                print(f"  {ms:8.1f} ms  {sql[:300]}")
        return elapsed, len(statements)

    def queued(self) -> tuple[int, int]:
        from django_q.models import OrmQ

        from connections.models import SyncRun

        return SyncRun.objects.filter(status=SyncRun.Status.QUEUED).count(), OrmQ.objects.count()


if __name__ == "__main__":
    sys.exit(main())
