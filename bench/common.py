"""What the benchmarks share: scratch databases, one child process per size, the sandbox
served by gunicorn, the stage timers, memory figures and the report's number formats.

Imported by `ingest.py`, `nuorder_bucket.py` and `webhook.py` (run as scripts, so this
directory is on sys.path). Nothing here imports Django at module level: the parent process
of a benchmark never sets Django up; only its children do.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent


# == the parent: scratch databases and one child process per size ===========================


def run_children(
    script: str | Path,
    sizes: list[int],
    database_url: str | None,
    scratch_name: str,
    child_args: list[str],
    *,
    prefix: str,
    unit: str = "orders",
) -> list[dict]:
    """For each size: a scratch database, `script --child --orders N ...` in a process of its own.

    `unit` only names the size in the progress line ("10,000 orders on ...").

    The child writes its figures as JSON to --result-file; they are returned in order,
    each with "database" set to the engine and where the database was.
    """
    results = []
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        for count in sizes:
            work = Path(tmp) / str(count)
            work.mkdir()
            url, describe, drop = scratch_database(database_url, work, scratch_name)
            try:
                result_file = work / "result.json"
                command = [sys.executable, str(Path(script).resolve()), "--child", "--orders", str(count)]
                command += ["--result-file", str(result_file), *child_args]
                print(f"\n== {count:,} {unit} on {describe}", flush=True)
                subprocess.run(command, env=bench_env(url), cwd=BASE_DIR, check=True)
                result = json.loads(result_file.read_text())
                result["database"] = f"{result['engine']} ({describe})"
                results.append(result)
            finally:
                drop()
    return results


def scratch_database(database_url: str | None, work: Path, name: str):
    """(url, description, drop) of an empty database for one size.

    SQLite: a file in `work`. PostgreSQL: the database `name` on the server the URL
    names, created here and dropped by `drop()`; the database the URL names is only
    connected to, to create and drop it.
    """
    if not database_url:
        path = work / "bench.sqlite3"
        return f"sqlite:///{path}", "temporary file", lambda: None
    import psycopg

    parts = urlsplit(database_url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"--database-url must be a postgres:// URL, not {parts.scheme}://")
    if parts.path.strip("/") == name:
        raise SystemExit(f"--database-url must name another database than the scratch {name!r}")
    # Connected to the database the URL names only to create and drop our own scratch
    # database; nothing in it is read or written.
    admin_url = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    return url, f"scratch database {name}", drop


def bench_env(database_url: str) -> dict[str, str]:
    """The environment of the child and of the sandbox server: settings come only from here."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "FERNET_KEYS": secrets.token_urlsafe(32),
        "SANDBOX_ENABLED": "true",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SYNC_SETTLE_SECONDS": "0",
        "PLATFORM_READ_TIMEOUT": "60",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
        "NOTHS_PAGE_SIZE": "250",
        # The benchmarks point connections at the sandbox server on this machine, over http.
        "OUTBOUND_ALLOW_HTTP": "true",
        "OUTBOUND_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BASE_DIR), os.environ.get("PYTHONPATH")])),
    }


# == the child: the sandbox server ==========================================================


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sandbox(
    port: int,
    log_path: Path,
    ready_path: str = "/sandbox/noths/api/v1/orders",
    *,
    workers: int = 2,
    ready_status: int = 401,
) -> subprocess.Popen:
    """gunicorn serving the portal (and so the sandbox) from the same database, in its own processes.

    `workers` sync workers (settings from this process's environment). It is up when a GET of
    `ready_path` without credentials answers `ready_status`.
    """
    import requests

    log = log_path.open("w")
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "portal.wsgi", "--chdir", str(BASE_DIR)),
            *("-b", f"127.0.0.1:{port}", "-w", str(workers), "--timeout", "120", "--log-level", "warning"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        # A first request slower than the timeout (a busy machine) is waited for again, not fatal.
        with contextlib.suppress(requests.ConnectionError, requests.Timeout):
            if requests.get(f"http://127.0.0.1:{port}{ready_path}", timeout=5).status_code == ready_status:
                return server
        time.sleep(0.2)
    stop(server)
    raise SystemExit(f"The sandbox server did not start; its log:\n{log_path.read_text()[-3000:]}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def engine_name(db) -> str:
    if db.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with db.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


# == the child: stage timers ================================================================


class Probe:
    """Counts statements and times the stages of one sync, in this process only.

    Installed only for the timed runs; each wrapper costs about a microsecond a call.
    `platform_module` is the adapter module whose `normalize_order` is timed; `engine` the module
    whose `ingest_page` is (the sync engine's by default; `connections.reconcile` for a reconciliation).

    * http_s: PlatformClient.request (the request, the platform's answer, the body read);
      `requests` lists each HTTP exchange: seconds, seconds until the response headers
      came (requests' `elapsed`), the body's size, the query's parameter names and a GraphQL
      request's operation;
    * get_json_s: PlatformClient.get_json (request and decode, for adapters that use it);
    * json_s: Reply.json, the JSON decoding itself, whichever way the adapter calls it;
    * ingest_s, commit_s, normalize_s; gc_s, the cyclic garbage collector's time, and
      gc_full and gc_full_s, how many full (generation 2) collections and their time;
    * queries, ingest_queries.
    """

    def __init__(self, db, platform_module, engine=None):
        self.db = db
        self.platform_module = platform_module
        self.engine = engine
        self.reset()

    def reset(self) -> None:
        self.queries = self.ingest_queries = 0
        self.in_ingest = self.commit_pending = False
        self.ingest_s = self.commit_s = self.http_s = self.get_json_s = self.normalize_s = self.gc_s = 0.0
        self.json_s = self.gc_full_s = 0.0
        self.gc_full = 0
        self.requests: list[dict] = []
        self.gc_started = 0.0

    def on_gc(self, phase, info):
        if phase == "start":
            self.gc_started = time.perf_counter()
            return
        seconds = time.perf_counter() - self.gc_started
        self.gc_s += seconds
        if info["generation"] == 2:  # a full collection: it visits every tracked object alive
            self.gc_full += 1
            self.gc_full_s += seconds

    def count(self, execute, sql, params, many, context):
        self.queries += 1
        if self.in_ingest:
            self.ingest_queries += 1
        return execute(sql, params, many, context)

    @contextlib.contextmanager
    def installed(self):
        import requests

        import connections.sync as sync_module
        from connections.platforms.http import PlatformClient, Reply

        engine = self.engine or sync_module
        probe, clock, platform = self, time.perf_counter, self.platform_module
        real_ingest, real_normalize = engine.ingest_page, platform.normalize_order
        real_request, real_get_json = PlatformClient.request, PlatformClient.get_json
        real_reply_json, real_session_request = Reply.json, requests.Session.request
        real_commit = self.db.commit

        def ingest_page(*args, **kwargs):
            probe.in_ingest = True
            started = clock()
            try:
                return real_ingest(*args, **kwargs)
            finally:
                probe.ingest_s += clock() - started
                probe.in_ingest = False
                probe.commit_pending = True  # the page's transaction commits next

        def commit():
            if not probe.commit_pending:
                return real_commit()
            started = clock()
            try:
                return real_commit()
            finally:
                probe.commit_s += clock() - started
                probe.commit_pending = False

        def normalize_order(raw):
            started = clock()
            try:
                return real_normalize(raw)
            finally:
                probe.normalize_s += clock() - started

        def request(client, *args, **kwargs):
            started = clock()
            try:
                return real_request(client, *args, **kwargs)
            finally:
                probe.http_s += clock() - started

        def get_json(client, *args, **kwargs):
            started = clock()
            try:
                return real_get_json(client, *args, **kwargs)
            finally:
                probe.get_json_s += clock() - started

        def reply_json(reply):
            started = clock()
            try:
                return real_reply_json(reply)
            finally:
                probe.json_s += clock() - started

        def session_request(session, method, url, *args, **kwargs):
            started = clock()
            response = real_session_request(session, method, url, *args, **kwargs)
            body = kwargs.get("json")
            probe.requests.append(
                {
                    "method": method,
                    "path": urlsplit(url).path,
                    "params": sorted(kwargs.get("params") or ()),
                    # A GraphQL request's operation: the word after `query` or `mutation`.
                    "operation": body["query"].split("(")[0].split()[-1] if isinstance(body, dict) else "",
                    "seconds": clock() - started,
                    "to_headers_s": response.elapsed.total_seconds(),
                    "bytes": len(response.content),
                }
            )
            return response

        engine.ingest_page, platform.normalize_order = ingest_page, normalize_order
        PlatformClient.request, PlatformClient.get_json = request, get_json
        Reply.json, requests.Session.request = reply_json, session_request
        self.db.commit = commit
        gc.callbacks.append(self.on_gc)
        try:
            with self.db.execute_wrapper(self.count):
                yield self
        finally:
            gc.callbacks.remove(self.on_gc)
            engine.ingest_page, platform.normalize_order = real_ingest, real_normalize
            PlatformClient.request, PlatformClient.get_json = real_request, real_get_json
            Reply.json, requests.Session.request = real_reply_json, real_session_request
            del self.db.commit


def traced_peak(call: Callable[..., Any], *args) -> tuple[Any, int, float]:
    """(what call(*args) returned, tracemalloc's peak during it above what was allocated
    when it started, wall seconds). tracemalloc must be tracing already."""
    import tracemalloc

    tracemalloc.reset_peak()
    at_start = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    value = call(*args)
    wall_s = time.perf_counter() - started
    return value, tracemalloc.get_traced_memory()[1] - at_start, wall_s


def median_of(figures: list[dict]) -> dict:
    """Each figure's median over the rounds (None where a round had none)."""
    merged = {}
    for key in figures[0]:
        values = [f[key] for f in figures if f[key] is not None]
        merged[key] = statistics.median(values) if values else None
    return merged


# -- resident memory (Linux) ------------------------------------------------------------------


def reset_rss_peak() -> int | None:
    """Reset the process's RSS high-water mark (Linux clear_refs 5); return the RSS now."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand freed heap back, so RSS starts from what is live
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return read_proc_status("VmRSS")


def read_proc_status(field: str) -> int | None:
    """A size from /proc/self/status, in bytes."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


# -- the report's formats ---------------------------------------------------------------------


def seconds_list(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values) + " s"


def rates(values: list[float]) -> str:
    return ", ".join(f"{v:,.0f}" for v in values)


def share(run: dict, key: str) -> str:
    seconds = run[key]
    return f"{seconds:.2f} s {seconds / run['wall_s']:4.0%}"


def mib(size: float | None) -> str:
    return "n/a" if size is None else f"{size / 2**20:.1f} MiB"


def print_table(heads: list[str], rows: list[tuple[str, list[str]]]) -> None:
    width = max(len(label) for label, _ in rows) + 2
    col = max(16, *(len(h) + 2 for h in heads))
    print(" " * width + "".join(h.rjust(col) for h in heads))
    for label, values in rows:
        print(label.ljust(width) + "".join(v.rjust(col) for v in values))
