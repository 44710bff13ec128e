#!/usr/bin/env python3.11
"""The README's two commands, standard library only so they work on a bare machine.

    python3.11 dev.py run     set up, then run the portal, a worker and the sandbox platforms
                              (--verbose: the migrations, the sandbox accounts, every request and task)
    python3.11 dev.py test    set up, then run the linter and the whole test suite

Setting up means: a virtualenv in .venv, the pinned dependencies, a .env with fresh
keys (first time only), migrations, and the demo data.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
REQUIREMENT_FILES = ("requirements.txt", "requirements-dev.txt", "constraints.txt")
CHROMIUM = "/usr/bin/chromium"


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def run(*args, env=None, check=True) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=check)


def ensure_python() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Python 3.11 is required (this is {sys.version.split()[0]}). Run: python3.11 dev.py ...")


def ensure_venv() -> None:
    """Create .venv and install the pinned dependencies when they changed."""
    if not PYTHON.exists():
        say("Creating the virtualenv in .venv")
        run(sys.executable, "-m", "venv", VENV)
    digest = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in REQUIREMENT_FILES)).hexdigest()
    stamp = VENV / ".requirements.sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return
    say("Installing dependencies (pinned in constraints.txt)")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-r", "requirements-dev.txt", "-c", "constraints.txt")
    stamp.write_text(digest)


def ensure_env_file() -> None:
    """A local .env with fresh secrets, written once and never overwritten."""
    path = ROOT / ".env"
    if path.exists():
        return
    say("Writing .env with fresh SECRET_KEY and FERNET_KEYS (local development settings)")
    path.write_text(
        "# Local development settings, written by dev.py. See .env.example for every variable.\n"
        "DEBUG=true\n"
        f"SECRET_KEY={secrets.token_urlsafe(48)}\n"
        f"FERNET_KEYS={secrets.token_urlsafe(32)}\n"
        "SANDBOX_ENABLED=true\n"
        "SECURE_COOKIES=false\n"
    )


def free_port(preferred: int) -> int:
    for port in [preferred, *range(preferred + 1, preferred + 50)]:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    sys.exit(f"No free port near {preferred}.")


def portal_env(port: int, verbose: bool = False) -> dict[str, str]:
    """The demo's environment, over whatever .env says: the portal as production shows it (its own
    error pages, never Django's debug page), on plain HTTP, talking to the sandbox platforms."""
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        {
            "SANDBOX_ENABLED": "true",
            "SANDBOX_PUBLIC_URL": base,
            # Accounts added in the demo talk to the sandbox, not the real platforms.
            "PLATFORMS_USE_SANDBOX": "true",
            "DEBUG": "false",
            # Static files from the source tree (no collectstatic), cookies over HTTP, and the demo's
            # staff signs in to /admin/ with the password alone.
            "STATIC_FROM_SOURCE": "true",
            "SECURE_COOKIES": "false",
            "ADMIN_REQUIRE_2FA": "false",
            # Quiet: warnings and errors only. Verbose: every request, and every task the worker runs.
            "LOG_LEVEL": "INFO" if verbose else "WARNING",
            "LOG_TASKS": "true" if verbose else "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def wait_for_port(port: int, processes: list[subprocess.Popen], seconds: float = 60) -> None:
    """Wait until the portal answers on `port`, so the banner's address works when it is printed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and all(process.poll() is None for process in processes):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)


def banner(port: int, seeded: str, verbose: bool) -> str:
    """What `run` prints once everything is up: the address, then seed_demo's lines (the sign-ins,
    where the sandbox accounts are listed, and with --verbose the accounts)."""
    lines = [f"The portal is running at http://127.0.0.1:{port}/", seeded.rstrip()]
    if not verbose:
        lines.append("(python3.11 dev.py run --verbose prints them here, and every request and task below.)")
    lines.append("Ctrl-C stops the portal, its worker (qcluster) and the sandbox's webhook sender.")
    return "\n".join(lines)


def command_run(args) -> None:
    ensure_venv()
    ensure_env_file()
    port = free_port(args.port)
    env = portal_env(port, args.verbose)
    manage = [PYTHON, "manage.py"]
    verbosity = ["-v", "2" if args.verbose else "1"]
    say("Migrating the database (SQLite: db.sqlite3) and creating the demo data")
    run(*manage, "migrate", "--noinput", *([] if args.verbose else ["-v", "0"]), env=env)
    seeded = subprocess.run(
        [str(a) for a in (*manage, "seed_demo", *verbosity)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # Quiet, the processes' own chatter (runserver's banner, the webhook sender's counts) is dropped;
    # their log (stderr) shows warnings and errors.
    chatter = None if args.verbose else subprocess.DEVNULL
    processes: list[subprocess.Popen] = []

    def stop(*_):
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    # Each in a process group of its own: Ctrl-C reaches dev.py alone, which stops each once (a second
    # signal wedged qcluster's shutdown), and a process that does not stop is killed with its children.
    for command in (["runserver", f"127.0.0.1:{port}", "--noreload"], ["qcluster"], ["sandbox_webhooks", "--loop"]):
        processes.append(
            subprocess.Popen(
                [str(a) for a in (*manage, *command)], cwd=ROOT, env=env, stdout=chatter, start_new_session=True
            )
        )
    wait_for_port(port, processes)
    print(banner(port, seeded, args.verbose), flush=True)
    while all(process.poll() is None for process in processes):
        time.sleep(1)
    say("A process stopped; shutting down the others.")
    stop()


def ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium. Install it where we may (root with apt)."""
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("Installing Debian's chromium for the browser tests")
        quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=quiet, check=False)
        run("apt-get", "install", "-y", "-qq", "chromium", env=quiet, check=False)
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)."
        if os.environ.get("CI"):
            print(f"!! {message} In CI the browser tests will fail.", flush=True)
        else:
            print(f"!! {message} The browser tests will be skipped.", flush=True)


def command_test(args) -> None:
    ensure_venv()
    ensure_chromium()
    (ROOT / "var").mkdir(exist_ok=True)
    say("ruff check")
    run(PYTHON, "-m", "ruff", "check", ".")
    say(
        "pytest"
        + (
            f" (DATABASE_URL={_redacted_url(os.environ['DATABASE_URL'])})"
            if os.environ.get("DATABASE_URL")
            else " (SQLite, ORM broker)"
        )
    )
    result = run(PYTHON, "-m", "pytest", *args.pytest_args, check=False)
    sys.exit(result.returncode)


def _redacted_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def main() -> None:
    ensure_python()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="set up and run the portal, a worker and the sandbox")
    run_parser.add_argument("--port", type=int, default=8000)
    run_parser.add_argument(
        "--verbose",
        action="store_true",
        help="print the migrations, the sandbox accounts with their secrets, and every request and task",
    )
    run_parser.set_defaults(func=command_run)
    test_parser = sub.add_parser("test", help="set up and run ruff and the test suite")
    test_parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")
    test_parser.set_defaults(func=command_test)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
