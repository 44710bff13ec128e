"""Keep django-q2's routine lines about each task out of the log.

django-q2 logs four INFO lines for every task it runs: queued, created from a schedule,
processing, processed. The scheduler's tick runs every 30 seconds, so an idle portal wrote
eight lines a minute. A task's failure is logged at ERROR, and kept, either way.
"""

from __future__ import annotations

import logging
import re

# django-q2's words (django_q/tasks.py, scheduler.py, worker.py, monitor.py).
ROUTINE_TASK_LINE = re.compile(r"^(Enqueued \[|\S+ created task \S+ from schedule \[|\S+ processing \S+ '|Processed ')")


class RoutineTaskLines(logging.Filter):
    """Drops django-q2's INFO lines about a task's progress; anything else passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.INFO and ROUTINE_TASK_LINE.match(record.getMessage()))
