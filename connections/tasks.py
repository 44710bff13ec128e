"""django-q2 entry points for connections. Tasks take ids, never objects."""

from . import sync


def run_sync(run_id: int) -> str:
    run = sync.execute(run_id)
    return f"sync run {run_id}: {run.status if run else 'not ours to run'}"
