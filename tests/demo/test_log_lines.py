"""The log says each thing once, and not every 30 seconds that the worker is idle."""

from __future__ import annotations

import logging

from tests.support.log_output import console_output
from tests.test_deploy_settings import run_django

WORKER = logging.getLogger("django-q")


def test_the_workers_routine_lines_about_each_task_are_left_out():
    """django-q2's own words for a task queued, created from a schedule, started and done."""
    with console_output() as written:
        WORKER.info("Enqueued [portal] 12")
        WORKER.info("Process-1a2b created task fourteen-spring-pasta from schedule [portal-tick]")
        WORKER.info("Process-3c4d processing fourteen-spring-pasta 'portal.tasks.tick' [portal-tick]")
        WORKER.info("Processed 'portal.tasks.tick' (fourteen-spring-pasta)")
        WORKER.info("Q Cluster muppet-dakota [portal] running.")
        WORKER.error("Failed 'portal.tasks.tick' (fourteen-spring-pasta) - the database is locked")
    lines = written.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert "Q Cluster muppet-dakota [portal] running." in lines[0]
    assert "ERROR django-q: Failed 'portal.tasks.tick'" in lines[1]


def test_log_tasks_keeps_them(tmp_path):
    """LOG_TASKS=true (dev.py run --verbose) logs every task again."""
    probe = "import django, logging; django.setup(); logging.getLogger('django-q').info(\"Processed 'f' (x)\")"
    logged = {
        flag: run_django(tmp_path, "-c", probe, LOG_TASKS=flag, LOG_JSON="false").stderr for flag in ("true", "false")
    }
    assert "INFO django-q: Processed 'f' (x)" in logged["true"], logged
    assert "Processed" not in logged["false"], logged
