"""`GET /healthz`: the database, the task broker, the scheduler and whether FERNET_KEYS decrypt the
stored credentials, for load balancers and monitors.

200 when all four are well, 503 when one is not; the body says which, in a few words,
and names no host, user or secret. No sign-in: monitors call it.
"""

from __future__ import annotations

import logging

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_q.brokers import get_broker

from connections import keys

from .models import Heartbeat

log = logging.getLogger(__name__)


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def _broker() -> dict:
    broker = get_broker()
    kind = type(broker).__name__  # ORM or Redis
    if not broker.ping():
        return {"ok": False, "kind": kind, "error": "the broker does not answer"}
    return {"ok": True, "kind": kind, "queued": broker.queue_size()}


def _scheduler() -> dict:
    heartbeat = Heartbeat.last_tick()
    if heartbeat is None:
        return {"ok": False, "error": "the scheduler has never ticked: is a qcluster worker running?"}
    age = (timezone.now() - heartbeat.at).total_seconds()
    result = {"ok": Heartbeat.is_recent(heartbeat), "last_tick": heartbeat.at.isoformat(), "age_seconds": round(age)}
    if not result["ok"]:
        result["error"] = "the scheduler's minute tick has stopped: is a qcluster worker running?"
    return result


def _credentials() -> dict:
    """The FERNET_KEYS check value and the first and last credentials saved: a few indexed reads, never a scan."""
    result = keys.check()
    answer = {"ok": result.ok, "check_value": result.canary, "sampled": result.checked}
    if not result.ok:
        answer["error"] = (
            f"FERNET_KEYS cannot decrypt {result.failures()}: the key they were encrypted with is not in the list. "
            "Put it back into FERNET_KEYS and restart the portal and its workers."
        )
    return answer


CHECKS = {"database": _database, "broker": _broker, "scheduler": _scheduler, "credentials": _credentials}


@never_cache
@require_GET
def healthz(request):
    checks = {}
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # any failure is an answer here, never a 500
            log.warning("Health check %s failed: %s", name, type(exc).__name__)
            checks[name] = {"ok": False, "error": f"unreachable ({type(exc).__name__})"}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "failing", "checks": checks}, status=200 if healthy else 503)
