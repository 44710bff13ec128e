"""Run one fetch of a connection's orders (or, with --reconcile, one check of its open orders) in the
foreground and print the run's summary."""

from django.core.management.base import BaseCommand, CommandError

from connections import reconcile as reconcile_module
from connections.models import Connection, SyncRun
from connections.sync import SyncRefused, execute, request_sync


class Command(BaseCommand):
    help = "Fetch one connection's orders now, in this process, and print what happened."

    def add_arguments(self, parser):
        parser.add_argument("connection_id", type=int)
        parser.add_argument("--full", action="store_true", help="Re-read everything from the import-from date.")
        parser.add_argument(
            "--reconcile",
            action="store_true",
            help="Read the open and recent orders back instead, and repair what the syncs missed.",
        )

    def handle(self, connection_id, full, reconcile, **options):
        try:
            connection = Connection.objects.get(pk=connection_id)
        except Connection.DoesNotExist:
            raise CommandError(f"No connection with id {connection_id}.") from None
        if reconcile and full:
            raise CommandError("--full and --reconcile are two different runs: choose one.")
        try:
            if reconcile:
                run, created = reconcile_module.request_reconcile(
                    connection, trigger=SyncRun.Trigger.COMMAND, enqueue=False
                )
            else:
                run, created = request_sync(connection, trigger=SyncRun.Trigger.COMMAND, full=full, enqueue=False)
        except SyncRefused as exc:
            raise CommandError(str(exc)) from None
        if not created:
            raise CommandError(f"Sync run #{run.pk} of {connection} is already {run.status}; try again when it ends.")
        what = "Checking the open orders" if reconcile else "Fetching orders"
        self.stdout.write(f"{what} of {connection} (run #{run.pk})\u2026")
        finished = (reconcile_module.execute if reconcile else execute)(run.pk) or SyncRun.objects.get(pk=run.pk)
        self.stdout.write(summary(finished))
        if finished.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"The {'check' if reconcile else 'fetch'} failed: {finished.error}")


def summary(run: SyncRun) -> str:
    lines = [
        f"Run #{run.pk}: {run.get_status_display()}"
        + (f" in {run.duration.total_seconds():.1f} s" if run.duration else ""),
        f"  pages {run.pages}, orders read {run.orders_seen}"
        + (f" of {run.total_expected}" if run.total_expected is not None else ""),
        f"  created {run.created}, updated {run.updated}, unchanged {run.unchanged}, skipped {run.skipped}",
    ]
    if run.outcome_words:
        lines.append(f"  {run.outcome_words}")

    if run.is_reconciliation:
        lines.append(f"  found: {run.findings}")
    for reason, entry in (run.skipped_reasons or {}).items():
        examples = ", ".join(entry.get("examples", [])[:5])
        lines.append(f"    skipped {entry['count']}: {reason}" + (f" (e.g. {examples})" if examples else ""))
    if run.retries_summary:
        lines.append(f"  {run.retries_summary}")
    if run.error:
        lines.append(f"  error: {run.error}")
    return "\n".join(lines)
