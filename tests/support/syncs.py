"""A scheduled sync as the minute tick starts it, run to its end in the foreground."""

from connections.models import Connection, SyncRun
from connections.sync import execute, request_sync


def scheduled_sync(connection: Connection) -> SyncRun:
    """An incremental sync (the connection's cursor, never a full fetch) that must succeed."""
    run, created = request_sync(
        Connection.objects.get(pk=connection.pk), trigger=SyncRun.Trigger.SCHEDULED, enqueue=False
    )
    assert created
    run = execute(run.pk)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert not run.full_resync
    return run
