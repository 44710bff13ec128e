"""The log says each thing once, and not every 30 seconds that the worker is idle."""

from __future__ import annotations

import logging

import pytest
import requests

from tests.support.access_logged_server import access_logged_server
from tests.support.log_output import console_output, wait_for_line
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


@pytest.mark.django_db(transaction=True)
def test_a_4xx_is_logged_once():
    """The access line says it; Django's "Not Found: /x" said it a second time."""
    with access_logged_server() as base, console_output() as written:
        assert requests.get(f"{base}/no-such-page/", timeout=30).status_code == 404
        assert requests.get(f"{base}/api/v1/orders/", timeout=30).status_code in (401, 403)
        wait_for_line(written, '"GET /no-such-page/ HTTP/1.1" 404')
        wait_for_line(written, '"GET /api/v1/orders/ HTTP/1.1" 40')
    log = written.getvalue()
    assert log.count("/no-such-page/") == 1, log
    assert log.count("/api/v1/orders/") == 1, log


def test_log_level_holds_for_djangos_loggers_too(tmp_path):
    """Django sets its loggers to INFO; LOG_LEVEL=WARNING (the quiet demo) keeps a 200's access line out, a 404's in."""
    probe = (
        "import django, logging; django.setup(); server = logging.getLogger('django.server');"
        "server.info('\"GET /fine HTTP/1.1\" 200 12'); server.warning('\"GET /gone HTTP/1.1\" 404 12')"
    )
    logged = run_django(tmp_path, "-c", probe, LOG_LEVEL="WARNING", LOG_JSON="false").stderr
    assert "/gone" in logged and "/fine" not in logged, logged
