import sqlite3

from django.apps import AppConfig


def _use_real_sqlite_variable_limit(sender, connection, **kwargs):
    """Django assumes SQLite's historic limit of 999 variables per statement and splits
    bulk writes to fit; SQLite builds since 3.32 allow far more. Reading the real limit
    lets a page of orders be written in one statement, as on PostgreSQL."""
    if connection.vendor == "sqlite":
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        connection.features.max_query_params = max(999, limit)


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from axes.signals import user_locked_out
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401 (registers the checks)
        from .lockout import record_lockout
        from .schedules import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self)
        connection_created.connect(_use_real_sqlite_variable_limit)
        user_locked_out.connect(record_lockout, dispatch_uid="portal.lockout.record_lockout")
