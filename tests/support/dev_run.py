"""`python3.11 dev.py run` started as the README says, on a database of the test's own, and stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY_WORDS = "The portal is running at"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DemoRun:
    def __init__(self, log_path: Path, port: int):
        self.log_path = log_path
        self.base = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_demo(tmp_path: Path, *args: str, timeout: float = 180):
    """Yields a DemoRun once the banner is printed; Ctrl-C's signal (SIGINT) stops it at the end."""
    port = free_port()
    demo = DemoRun(tmp_path / "dev-run.log", port)
    # A person's shell, not the tests' environment (tests/settings.py fills it with the tests' own).
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    with open(demo.log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "dev.py", "run", "--port", str(port), *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while READY_WORDS not in demo.output():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dev.py run did not start:\n{demo.output()}")
                time.sleep(0.2)
            yield demo
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
