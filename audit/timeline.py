"""A connection's timeline for staff: sync runs, problems, audit entries and webhook traffic, merged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max
from django.db.models.functions import TruncDate

from connections.models import Connection, Problem, SyncRun, WebhookEvent

from .models import AuditEntry

SHOWN = 100  # the newest this many items; each source contributes at most as many


@dataclass(frozen=True)
class Item:
    at: datetime
    kind: str  # sync, problem, audit, webhooks
    what: str
    who: str


def connection_timeline(connection: Connection, limit: int = SHOWN) -> list[Item]:
    """Newest first: one merged list with the time, the kind, what happened and who did it."""
    items = [
        *_runs(connection, limit),
        *_problems(connection, limit),
        *_audit(connection, limit),
        *_webhooks(connection, limit),
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


def _runs(connection, limit):
    runs = SyncRun.objects.filter(connection=connection).select_related("requested_by").order_by("-queued_at")
    for run in runs[:limit]:
        counts = f"{run.created} created, {run.updated} updated, {run.unchanged} unchanged, {run.skipped} skipped"
        if words := run.outcome_words:  # "all 178 orders were already up to date"
            counts = words[0].lower() + words[1:].rstrip(".")
        what = f"Sync #{run.pk}: {run.get_status_display().lower()}; {counts}"
        if run.retries_summary:
            what += f"; {run.retries_summary}"
        if run.error:
            what += f". {_short(run.error)}"
        who = run.requested_by.get_username() if run.requested_by else run.get_trigger_display()
        yield Item(run.queued_at, "sync", what, who)


def _problems(connection, limit):
    for problem in Problem.objects.filter(connection=connection).order_by("-last_seen_at")[:limit]:
        cause = problem.get_cause_display()
        seen = f" (seen {problem.count} times)" if problem.count > 1 else ""
        yield Item(
            problem.first_seen_at, "problem", f"Problem opened: {cause}. {_short(problem.message)}{seen}", "portal"
        )
        if problem.closed_at:
            yield Item(problem.closed_at, "problem", f"Problem closed: {cause}", "portal")


def _audit(connection, limit):
    for entry in AuditEntry.objects.filter(connection=connection).order_by("-at", "-id")[:limit]:
        what = entry.get_action_display()
        if entry.summary:
            what += f": {_short(entry.summary)}"
        who = entry.actor_label + (f" from {entry.ip}" if entry.ip else "")
        yield Item(entry.at, "audit", what, who)


def _webhooks(connection, limit):
    """One item per day of webhook traffic: how many events, in which states."""
    rows = (
        WebhookEvent.objects.filter(connection=connection)
        .annotate(day=TruncDate("received_at"))
        .values("day", "state")
        .annotate(n=Count("id"), last=Max("received_at"))
        .order_by("-day")
    )
    days: dict = {}
    for row in rows[: limit * len(WebhookEvent.State)]:
        day = days.setdefault(row["day"], {"last": row["last"], "states": {}})
        day["last"] = max(day["last"], row["last"])
        day["states"][row["state"]] = row["n"]
    labels = dict(WebhookEvent.State.choices)
    for day in days.values():
        total = sum(day["states"].values())
        states = ", ".join(f"{n} {labels.get(state, state).lower()}" for state, n in sorted(day["states"].items()))
        yield Item(
            day["last"], "webhooks", f"Webhook events that day: {total} ({states})", connection.adapter.short_name
        )


def _short(text: str, length: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "\u2026"
