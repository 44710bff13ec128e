"""A running sync's heartbeat, kept by a thread of its worker for as long as the run lasts.

The page loop writes the heartbeat when it commits a page, but one page can take minutes:
a slow platform, the request budget's waits (throttle.py), a whole download before the
first page. So while a run lasts, a thread of the worker beats every quarter of
SYNC_LOST_SECONDS, and a heartbeat older than SYNC_LOST_SECONDS means the worker itself is
gone (killed, its host lost, the broker's task timeout reached), not merely waiting: the
pages say "Worker lost at 14:03" and the tick resumes the run from its last saved page.

Each beat is one conditional UPDATE on the run's own row and lease, in autocommit, on the
thread's own database connection, which it closes when it stops. A beat that finds the
lease gone (another worker took the run over, or the run ended) stops the thread, so a
worker that was only frozen never writes a sign of life into a run that is no longer its
own. A beat the database refuses (SQLite's write lock held past its timeout) is logged and
tried again at the next beat: four beats fit in SYNC_LOST_SECONDS, so one lost beat does
not make a run look lost.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from .models import SyncRun

log = logging.getLogger(__name__)

BEATS_PER_LOST = 4
# How long the run's end waits for a beat in flight; the thread is a daemon, so it never
# holds a worker's exit (its last beat can only touch a run that is still ours).
STOP_WAIT_SECONDS = 5


def beat_interval() -> float:
    return settings.SYNC_LOST_SECONDS / BEATS_PER_LOST


def beat(run_id: int, token: uuid.UUID) -> bool:
    """Refresh the run's heartbeat if this lease still holds it. False when it does not."""
    held = SyncRun.objects.filter(pk=run_id, lease_token=token, status=SyncRun.Status.RUNNING)
    return bool(held.update(heartbeat_at=timezone.now()))


class HeartbeatThread(threading.Thread):
    def __init__(self, run_id: int, token: uuid.UUID, interval: float):
        super().__init__(name=f"sync-run-{run_id}-heartbeat", daemon=True)
        self.run_id = run_id
        self.token = token
        self.interval = interval
        self.beats = 0
        self.lease_lost = False
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.wait(self.interval):
                try:
                    held = beat(self.run_id, self.token)
                except DatabaseError as exc:
                    log.warning("Sync run %s: heartbeat not written (%s); trying again.", self.run_id, exc)
                    connections.close_all()  # the next beat opens a fresh connection
                    continue
                if not held:
                    self.lease_lost = True
                    log.info("Sync run %s is no longer held by this worker (ended or taken over).", self.run_id)
                    return
                self.beats += 1
        finally:
            connections.close_all()  # this thread's own connections, not the run's

    def stop(self) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(STOP_WAIT_SECONDS)


@contextmanager
def kept(run_id: int, token: uuid.UUID) -> Iterator[HeartbeatThread]:
    """Keep the run's heartbeat for the duration of the block, whatever ends it."""
    thread = HeartbeatThread(run_id, token, beat_interval())
    thread.start()
    try:
        yield thread
    finally:
        thread.stop()
