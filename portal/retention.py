"""Retention: delete what is past its keeping, in short batches (the daily `portal-prune` task).

What is pruned, and after how many days (settings, from the environment):

- finished sync runs (`KEEP_SYNC_RUNS_DAYS`, by when they were queued), except each
  connection's latest run and its last successful run of each kind (fetch, check of open
  orders), which its pages and the scheduler read;
- applied webhook events (`KEEP_WEBHOOK_EVENTS_DAYS`, by when they arrived): never one
  received, processing, failed or not applied, which staff may still reprocess;
- closed problems (`KEEP_PROBLEMS_DAYS`, by when they closed): never an open one;
- audit entries (`KEEP_AUDIT_DAYS`, by when they happened), kept longest;
- the prunes' own records (`PruneRun`, one a day), kept as long as audit entries, removed in
  one statement as each prune is recorded.

No other row references these (tests/unit/test_retention.py checks every foreign key), so a
delete never cascades, into orders or anywhere else. Each batch of `PRUNE_BATCH_SIZE` rows is
its own transaction, walking the primary key upwards, so a prune holds row locks for one
batch at a time and never reads the same rows twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from audit.models import AuditEntry
from connections.models import Problem, SyncRun, WebhookEvent

from .models import PruneRun

log = logging.getLogger(__name__)

# The kinds pruned, in order, with the words the log and the pages use.
KINDS = {
    "sync_runs": "sync runs",
    "webhook_events": "webhook events",
    "problems": "problems",
    "audit_entries": "audit entries",
}
FINISHED_RUNS = (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED, SyncRun.Status.CANCELLED)


def counts_in_words(removed: dict[str, int]) -> str:
    """{"sync_runs": 1200, ...} → "1,200 sync runs, 0 webhook events, ..."."""
    return ", ".join(f"{removed.get(key, 0):,} {words}" for key, words in KINDS.items())


def last_prune_in_words() -> str:
    """What Fleet health says of the last prune."""
    last = PruneRun.objects.first()
    if last is None:
        return "No prune has run yet (daily at 03:00 UTC, or manage.py prune)."
    return (
        f"Last prune {last.started_at:%-d %b %H:%M} UTC: removed {counts_in_words(last.removed)} "
        f"(longest batch {last.longest_batch_ms:,} ms)."
    )


def _cutoff(now, days: int):
    return now - timedelta(days=days)


def _latest_run_ids(runs: QuerySet) -> QuerySet:
    """The newest run id per connection and kind among `runs`, as a subquery.

    Ids follow the order runs were queued in (a connection has one active run at a time).
    """
    return runs.order_by().values("connection", "kind").annotate(latest=Max("id")).values("latest")


def prunable(now=None) -> dict[str, tuple[QuerySet, Q]]:
    """Each kind's rows past their keeping, keep-rules applied, and what a row must still be to go.

    The second is checked again in the DELETE, cheaply, row by row: a run restarted, an event
    reprocessed or a problem reopened since its id was read stays. (A run that was no
    connection's latest when read cannot become it: newer runs are only added.)
    """
    now = now or timezone.now()
    finished = Q(status__in=FINISHED_RUNS)
    runs = SyncRun.objects.filter(finished, queued_at__lt=_cutoff(now, settings.KEEP_SYNC_RUNS_DAYS))
    runs = runs.exclude(pk__in=_latest_run_ids(SyncRun.objects.all()))
    runs = runs.exclude(pk__in=_latest_run_ids(SyncRun.objects.filter(status=SyncRun.Status.SUCCEEDED)))
    applied = Q(state=WebhookEvent.State.PROCESSED)
    events = WebhookEvent.objects.filter(applied, received_at__lt=_cutoff(now, settings.KEEP_WEBHOOK_EVENTS_DAYS))
    closed = Q(closed_at__lt=_cutoff(now, settings.KEEP_PROBLEMS_DAYS))
    return {
        "sync_runs": (runs, finished),
        "webhook_events": (events, applied),
        "problems": (Problem.objects.filter(closed), closed),
        "audit_entries": (AuditEntry.objects.filter(at__lt=_cutoff(now, settings.KEEP_AUDIT_DAYS)), Q()),
    }


@dataclass
class Outcome:
    removed: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    longest_batch: float = 0.0  # seconds
    longest_by_kind: dict[str, float] = field(default_factory=dict)
    batch_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    def __str__(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        words = f"prune: {verb} {counts_in_words(self.removed)}"
        if not self.dry_run:
            words += f" in {self.seconds:.1f} s, {self.batches} batches (longest {self.longest_batch * 1000:.0f} ms)"
        return words


def _delete_in_batches(key: str, queryset: QuerySet, still: Q, batch_size: int, outcome: Outcome) -> int:
    """Delete `queryset`'s rows `batch_size` at a time, each batch its own transaction."""
    removed, after = 0, None
    while True:
        page = queryset.order_by("pk")
        if after is not None:
            page = page.filter(pk__gt=after)
        ids = list(page.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return removed
        started = time.monotonic()
        with transaction.atomic():
            deleted, _ = queryset.model.objects.filter(still, pk__in=ids).delete()
        took = time.monotonic() - started
        outcome.longest_batch = max(outcome.longest_batch, took)
        outcome.longest_by_kind[key] = max(outcome.longest_by_kind.get(key, 0.0), took)
        outcome.batches += 1
        outcome.batch_seconds.append(took)
        removed += deleted
        after = ids[-1]
        if len(ids) < batch_size:
            return removed


def prune(*, dry_run: bool = False, now=None) -> Outcome:
    """Delete (or, dry, count) every kind's rows past their keeping; log and record what went."""
    started_at = timezone.now()
    started = time.monotonic()
    outcome = Outcome(dry_run=dry_run)
    for key, (queryset, still) in prunable(now).items():
        if dry_run:
            outcome.removed[key] = queryset.count()
        else:
            outcome.removed[key] = _delete_in_batches(key, queryset, still, settings.PRUNE_BATCH_SIZE, outcome)
    outcome.seconds = time.monotonic() - started
    log.info("%s", outcome)
    if not dry_run:
        PruneRun.objects.create(
            started_at=started_at,
            finished_at=timezone.now(),
            removed=outcome.removed,
            batches=outcome.batches,
            longest_batch_ms=round(outcome.longest_batch * 1000),
        )
        PruneRun.objects.filter(started_at__lt=_cutoff(now or started_at, settings.KEEP_AUDIT_DAYS)).delete()
    return outcome
