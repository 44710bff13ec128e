"""`python3.11 dev.py run` started as the README says, on a database of the test's own, and stopped."""

from __future__ import annotations

import contextlib
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
        self.left_running: list[int] = []  # after the stop: the processes dev.py started that still run

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def descendants(pid: int) -> set[int]:
    """The processes under `pid`, children's children too (Linux /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            parents[int(stat.parent.name)] = int(stat.read_text().rpartition(")")[2].split()[1])
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        children = {child for child, parent in parents.items() if parent == current}
        todo += children - found
        found |= children
    return found


def alive(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    return False


@contextmanager
def running_demo(tmp_path: Path, *args: str, timeout: float = 180):
    """Yields a DemoRun once the banner is printed; at the end, stops it as Ctrl-C does and notes
    in `left_running` what it started that is still running after 15 seconds."""
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
            started = descendants(process.pid)
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal: its whole process group
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            deadline = time.monotonic() + 15
            while any(alive(pid) for pid in started) and time.monotonic() < deadline:
                time.sleep(0.2)
            demo.left_running = [pid for pid in started if alive(pid)]
            for pid in demo.left_running:  # never leave them to the next test
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
