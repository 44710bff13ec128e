"""Run one fetch of a connection's orders in the foreground and print the run's summary."""

from django.core.management.base import BaseCommand, CommandError

from connections.models import Connection, SyncRun
from connections.sync import SyncRefused, execute, request_sync


class Command(BaseCommand):
    help = "Fetch one connection's orders now, in this process, and print what happened."

    def add_arguments(self, parser):
        parser.add_argument("connection_id", type=int)
        parser.add_argument("--full", action="store_true", help="Re-read everything from the import-from date.")

    def handle(self, connection_id, full, **options):
        try:
            connection = Connection.objects.get(pk=connection_id)
        except Connection.DoesNotExist:
            raise CommandError(f"No connection with id {connection_id}.") from None
        try:
            run, created = request_sync(connection, trigger=SyncRun.Trigger.COMMAND, full=full, enqueue=False)
        except SyncRefused as exc:
            raise CommandError(str(exc)) from None
        if not created:
            raise CommandError(f"Sync run #{run.pk} of {connection} is already {run.status}; try again when it ends.")
        self.stdout.write(f"Fetching orders of {connection} (run #{run.pk})\u2026")
        finished = execute(run.pk) or SyncRun.objects.get(pk=run.pk)
        self.stdout.write(summary(finished))
        if finished.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"The fetch failed: {finished.error}")


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
    for reason, entry in (run.skipped_reasons or {}).items():
        examples = ", ".join(entry.get("examples", [])[:5])
        lines.append(f"    skipped {entry['count']}: {reason}" + (f" (e.g. {examples})" if examples else ""))
    if run.retries_summary:
        lines.append(f"  {run.retries_summary}")
    if run.error:
        lines.append(f"  error: {run.error}")
    return "\n".join(lines)
