"""django-q2 entry points for connections. Tasks take ids, never objects."""

from . import reconcile, sync
from .models import SyncRun


def run_sync(run_id: int) -> str:
    """A queued run, whichever its kind: a fetch, or a reconciliation (handed back to the queue by the
    engine and the tick's recovery under this one name)."""
    kind = SyncRun.objects.filter(pk=run_id).values_list("kind", flat=True).first()
    engine = reconcile if kind == SyncRun.Kind.RECONCILE else sync
    run = engine.execute(run_id)
    return f"{kind or 'sync'} run {run_id}: {run.status if run else 'not ours to run'}"
