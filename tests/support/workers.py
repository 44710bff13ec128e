"""Real django-q2 worker processes for end-to-end tests.

The worker is `manage.py qcluster` in its own process group, pointed at the test
database (SQLite file or PostgreSQL test database) and the same broker (ORM or Redis)
as the test process, which stops running tasks inline while the worker is up.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
READY_WORDS = "running."  # django-q2 logs "Q Cluster <name> running." when its workers are up


def database_url() -> str:
    """The URL of the database this test run is using (the test database, not the configured one)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "") + "@" if s.get("USER") else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def worker_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url(),
        Q_SYNC="false",
        Q_WORKERS="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Worker:
    def __init__(self, log_path: Path, env: dict[str, str]):
        self.log_path = log_path
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Worker:
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"qcluster exited early:\n{self.output()}")
            if READY_WORDS in self.output():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"qcluster did not start within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def pause(self) -> None:
        """SIGSTOP the whole cluster: it takes no task and uses no CPU until `resume`."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL the whole cluster, as an out-of-memory killer or a lost host would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # The cluster's main process stops its children; signalling the whole group
            # wedges django-q2's shutdown until its own timeout.
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # no child may outlive the test (and hold the DB)
        self.log.close()


@contextmanager
def running_worker(tmp_path: Path, **env: str):
    """A qcluster process for the duration of the block; tasks go to it, not inline."""
    from django_q.conf import Conf

    inline = Conf.SYNC
    Conf.SYNC = False
    worker = Worker(tmp_path / f"qcluster-{time.monotonic_ns()}.log", worker_env(**env))
    try:
        yield worker.start()
    finally:
        worker.stop()
        Conf.SYNC = inline


def wait_for(predicate, timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
