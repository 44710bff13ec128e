"""`manage.py prune [--dry-run]`: the retention prune the daily `portal-prune` task runs (portal.retention)."""

from django.core.management.base import BaseCommand

from portal import retention


class Command(BaseCommand):
    help = "Delete sync runs, applied webhook events, closed problems and audit entries past their keeping."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; delete nothing.")

    def handle(self, *args, dry_run=False, **options):
        self.stdout.write(str(retention.prune(dry_run=dry_run)))
