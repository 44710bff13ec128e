"""Apply failed webhook events again: one (`--event`), a connection's, or all of them."""

from django.core.management.base import BaseCommand, CommandError

from connections import webhooks
from connections.models import WebhookEvent


class Command(BaseCommand):
    help = "Reprocess failed webhook events (all of them unless --event or --connection narrows it)."

    def add_arguments(self, parser):
        parser.add_argument("--event", type=int, action="append", default=[], help="An event id (repeatable).")
        parser.add_argument("--connection", type=int, help="Only this connection's failed events.")

    def handle(self, *args, event, connection, **options):
        events = WebhookEvent.objects.all()
        if event:
            events = events.filter(pk__in=event)
            missing = set(event) - set(events.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No webhook event {', '.join(map(str, sorted(missing)))}.")
        else:
            events = events.filter(state=WebhookEvent.State.FAILED)
        if connection:
            events = events.filter(connection_id=connection)
        ids = list(events.values_list("pk", flat=True))
        result = webhooks.reprocess(WebhookEvent.objects.filter(pk__in=ids))
        self.stdout.write(str(result))
        for still in WebhookEvent.objects.filter(pk__in=ids, state=WebhookEvent.State.FAILED)[:20]:
            self.stdout.write(f"  event {still.pk} ({still.event_status} for {still.order_external_id}): {still.error}")
        if result.failed:
            raise SystemExit(1)
