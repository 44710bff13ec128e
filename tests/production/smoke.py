"""The production smoke test: the portal started as the README's "Run it in production" says, then used.

    .venv/bin/python tests/production/smoke.py      (`.ci/run` runs it after the two suites)

What it starts, all on loopback: PostgreSQL and Redis (already running), the processes of
deploy/Procfile (gunicorn with deploy/gunicorn.conf.py, the django-q2 cluster) with
DEBUG=false and the documented production environment (deploy/production.env.example),
nginx from Debian with deploy/nginx-site.conf and a self-signed certificate, and, as "the
platforms", a second gunicorn serving the sandbox from its own database (the portal itself
runs without the sandbox, as in production).

What it does, over HTTPS through nginx, timing each step: `check --deploy`, the health
check, a merchant's sign-in, Add Account and a fetch against the sandbox, a signed webhook
applied by the worker, a staff member's admin sign-in with a second factor, /healthz
while 50 idle connections are held open against nginx, and last, with gunicorn stopped, the
webhook and the API answered by nginx in JSON (503, Retry-After). It prints a table of the steps and
fails (exit 1) at the first step that does not do what a user would expect, with the logs.

Needs: root or sudo-less apt for nginx (installed if missing), openssl, PostgreSQL on
127.0.0.1:5432 with trust auth, Redis on 127.0.0.1:6379 (CI_DATABASE_ADMIN_URL and
CI_REDIS_URL override them).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import requests
from django_otp.oath import TOTP

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.production.forms import form_fields, with_values

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PYTHON = ROOT / ".venv" / "bin" / "python"
WORK = ROOT / "var" / "smoke"
ADMIN_DB_URL = os.environ.get("CI_DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CI_REDIS_URL", "redis://127.0.0.1:6379/0")

# The sandbox's fixed demo accounts (sandbox/management/commands/seed_demo.py prints them).
NOTHS_TOKEN = "noths-demo-7f3a9c2e5b8d4f1a"
SHOP = "corner-crafts.myshopify.com"
SHOP_CLIENT_ID = "8f2a6c4e1b9d7f3a5c0e2b4d6f8a1c3e"
SHOP_CLIENT_SECRET = "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"

MERCHANT = ("smoke-merchant", "Smoke-test merchant pass 7!", "Smoke Test Goods")
STAFF = ("smoke-staff", "Smoke-test staff pass 7!")
IDLE_CONNECTIONS = 50
HEALTHZ_BUDGET_MS = 100
HEALTHZ_TIMES = 30
WEBHOOK_MAX_BYTES = 1024 * 1024  # the portal's default, and deploy/render_nginx.py's


class SmokeFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def expect(condition, message: str) -> None:
    if not condition:
        raise SmokeFailed(message)


# -- the stack ---------------------------------------------------------------------------------------------


class Stack:
    """Ports, databases, environments and the processes of one smoke run."""

    def __init__(self):
        self.https, self.http, self.web, self.platforms = (free_port() for _ in range(4))
        run_id = uuid.uuid4().hex[:8]
        self.portal_db, self.platforms_db = f"smoke_portal_{run_id}", f"smoke_platforms_{run_id}"
        self.base = f"https://127.0.0.1:{self.https}"
        self.cert, self.key = WORK / "tls.crt", WORK / "tls.key"
        self.processes: list[tuple[str, subprocess.Popen, Path]] = []
        self.totp_secret = ""  # the staff member's, from `manage.py staff_two_factor`

    def database_url(self, name: str) -> str:
        return ADMIN_DB_URL.rsplit("/", 1)[0] + "/" + name

    def portal_env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "SANDBOX_"))}
        env.update(production_environment())
        env.update(
            {
                "SECRET_KEY": secrets.token_urlsafe(50),
                "FERNET_KEYS": secrets.token_urlsafe(32),
                "DATABASE_URL": self.database_url(self.portal_db),
                "REDIS_URL": REDIS_URL,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CSRF_TRUSTED_ORIGINS": self.base,
                "PORTAL_BASE_URL": self.base,
                "Q_CLUSTER_NAME": f"portal-smoke-{self.web}",
                "CACHE_KEY_PREFIX": f"portal-smoke-{self.web}",
                "GUNICORN_BIND": f"127.0.0.1:{self.web}",
                "GUNICORN_WORKERS": "2",
                # The platforms are the sandbox on loopback: plain HTTP, and allowed by name.
                "PLATFORMS_USE_SANDBOX": "true",
                "SANDBOX_PUBLIC_URL": f"http://127.0.0.1:{self.platforms}",
                "OUTBOUND_ALLOW_HTTP": "true",
                "OUTBOUND_ALLOWED_HOSTS": f"127.0.0.1:{self.platforms}",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def platforms_env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "REDIS_"))}
        env.update(
            {
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "FERNET_KEYS": secrets.token_urlsafe(32),
                "DATABASE_URL": self.database_url(self.platforms_db),
                "ALLOWED_HOSTS": "127.0.0.1",
                "SANDBOX_ENABLED": "true",
                "SANDBOX_PUBLIC_URL": f"http://127.0.0.1:{self.platforms}",
                "SECURE_COOKIES": "false",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = WORK / f"{name}.log"
        handle = log.open("wb")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
        self.processes.append((name, process, log))

    def stop(self) -> None:
        for _, process, _ in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for _, process, _ in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def stop_one(self, name: str) -> None:
        """Stop one started process as its supervisor would (SIGTERM), and wait for it to end."""
        for started, process, _ in self.processes:
            if started == name and process.poll() is None:
                process.terminate()
                process.wait(timeout=40)

    def check_alive(self) -> None:
        for name, process, _ in self.processes:
            expect(process.poll() is None, f"{name} stopped (exit code {process.returncode}); see its log below.")

    def show_logs(self) -> None:
        for name, _, log in self.processes:
            text = log.read_text(errors="replace") if log.exists() else ""
            print(f"----- {name} (last 60 lines of {log}) -----")
            print("\n".join(text.splitlines()[-60:]))
        error_log = WORK / "nginx-error.log"
        if error_log.exists():
            print("----- nginx error log -----")
            print(error_log.read_text(errors="replace")[-4000:])

    def drop_databases(self) -> None:
        with psycopg.connect(ADMIN_DB_URL, autocommit=True) as db:
            for name in (self.portal_db, self.platforms_db):
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_environment() -> dict[str, str]:
    """deploy/production.env.example: what the README tells an operator to set."""
    values = {}
    for line in (DEPLOY / "production.env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def procfile() -> list[tuple[str, list[str]]]:
    """deploy/Procfile's processes: (name, command)."""
    processes = []
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            processes.append((name.strip(), command.split()))
    return processes


def manage(env: dict[str, str], *args: str, input_text: str | None = None) -> str:
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, input=input_text
    )
    if result.returncode != 0:
        raise SmokeFailed(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


def ensure_nginx() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        say("Installing Debian's nginx")
        quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=quiet, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], env=quiet, check=True)
    return nginx


def write_certificate(stack: Stack) -> None:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(stack.key), "-out", str(stack.cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def write_nginx_config(stack: Stack) -> Path:
    site = subprocess.run(
        [
            sys.executable, str(DEPLOY / "render_nginx.py"), "--server-name", "127.0.0.1 localhost",
            "--cert", str(stack.cert), "--key", str(stack.key), "--upstream", f"127.0.0.1:{stack.web}",
            "--https-listen", f"127.0.0.1:{stack.https}", "--http-listen", f"127.0.0.1:{stack.http}",
        ],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    (WORK / "site.conf").write_text(site)
    temp = WORK / "nginx-temp"
    temp.mkdir(exist_ok=True)
    temp.chmod(0o777)
    config = WORK / "nginx.conf"
    config.write_text(
        f"""# The smoke test's nginx: Debian's defaults around deploy/nginx-site.conf, in the foreground.
daemon off;
worker_processes 2;
pid {WORK}/nginx.pid;
error_log {WORK}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    gzip on;
    access_log {WORK}/nginx-access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {WORK}/site.conf;
}}
"""
    )
    return config


def wait_for(what: str, probe, seconds: float, stack: Stack):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        stack.check_alive()
        try:
            result = probe()
            if result:
                return result
        except (requests.RequestException, OSError) as exc:
            last = exc
        time.sleep(0.5)
    raise SmokeFailed(f"{what}: not within {seconds:.0f} s (last error: {last})")


# -- the steps ----------------------------------------------------------------------------------------------


class Steps:
    def __init__(self):
        self.rows: list[tuple[str, float, str]] = []

    @contextmanager
    def step(self, name: str):
        say(name)
        started = time.perf_counter()
        note = {"text": ""}
        yield note
        self.rows.append((name, time.perf_counter() - started, note["text"]))

    def table(self) -> str:
        width = max(len(name) for name, _, _ in self.rows)
        lines = [f"{'step'.ljust(width)}  {'seconds':>8}  result", f"{'-' * width}  {'-' * 8}  ------"]
        lines += [f"{name.ljust(width)}  {seconds:8.2f}  {note}" for name, seconds, note in self.rows]
        return "\n".join(lines)


def session(stack: Stack) -> requests.Session:
    client = requests.Session()
    # REQUESTS_CA_BUNDLE in the environment would win over a session's own `verify`.
    client.trust_env = False
    client.verify = str(stack.cert)
    client.headers["User-Agent"] = "portal-smoke-test"
    return client


def post_form(client: requests.Session, url: str, fields, referer: str) -> requests.Response:
    return client.post(url, data=fields, headers={"Referer": referer}, allow_redirects=False, timeout=30)


def sign_in(client: requests.Session, stack: Stack, username: str, password: str) -> requests.Response:
    url = f"{stack.base}/signin/"
    page = client.get(url, timeout=10)
    expect(page.status_code == 200, f"GET /signin/ answered {page.status_code}")
    fields = with_values(form_fields(page.text, ""), username=username, password=password)
    return post_form(client, url, fields, url)


def add_account(client: requests.Session, stack: Stack, platform: str, **typed: str) -> int:
    url = f"{stack.base}/connections/add/{platform}/"
    page = client.get(url, timeout=10)
    expect(page.status_code == 200, f"GET {url} answered {page.status_code}")
    answer = post_form(client, url, with_values(form_fields(page.text, f"/connections/add/{platform}/"), **typed), url)
    expect(
        answer.status_code == 302 and "/connections/" in answer.headers.get("Location", ""),
        f"Add Account for {platform} answered {answer.status_code}: {_alert(answer.text)}",
    )
    return int(re.search(r"/connections/(\d+)/", answer.headers["Location"]).group(1))


def _alert(html: str) -> str:
    found = re.search(r'class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip()[:300] if found else "(no message on the page)"


def progress(client: requests.Session, stack: Stack, pk: int) -> dict:
    answer = client.get(f"{stack.base}/connections/{pk}/progress/", timeout=10)
    expect(answer.status_code == 200, f"progress of connection {pk} answered {answer.status_code}")
    return answer.json()


def order_search(client: requests.Session, stack: Stack, text: str) -> str:
    answer = client.get(f"{stack.base}/orders/", params={"q": text}, timeout=10)
    expect(answer.status_code == 200, f"the order list answered {answer.status_code}")
    return answer.text


def idle_connections(port: int, count: int, tls_context: ssl.SSLContext | None) -> list[socket.socket]:
    """Connections that say nothing more.

    Against nginx (with `tls_context`) half only connect and half finish the TLS handshake and
    send half a request's headers, as a slow or stalled client does: nginx holds those, never
    a gunicorn thread. Against gunicorn (without) each connection is what nginx itself keeps
    there: one finished request, then an idle kept-alive connection (nginx-site.conf's upstream
    `keepalive`). A brand-new connection that sends nothing is not held that way: gunicorn 27's
    gthread worker gives it a thread for up to 5 s first, which is why gunicorn listens on
    loopback only, behind nginx."""
    held = []
    for number in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if tls_context is None:
            _finish_one_request(sock)
        elif number % 2:
            sock = tls_context.wrap_socket(sock, server_hostname="127.0.0.1")
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        held.append(sock)
    return held


def _finish_one_request(sock: socket.socket) -> None:
    """Send a whole keep-alive /healthz request and read its whole answer, leaving the connection idle."""
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(4096)
    head, _, body = received.partition(b"\r\n\r\n")
    expect(head.startswith(b"HTTP/1.1 200"), f"/healthz on a kept-alive connection answered {head[:40]!r}")
    length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
    while len(body) < length:
        body += sock.recv(4096)


def timed_healthz(client: requests.Session, url: str, times: int) -> list[float]:
    """Milliseconds for each of `times` health checks on one kept-alive connection (after a first, untimed)."""
    client.get(url, timeout=10)
    figures = []
    for _ in range(times):
        started = time.perf_counter()
        answer = client.get(url, timeout=10)
        figures.append((time.perf_counter() - started) * 1000)
        expect(answer.status_code == 200, f"{url} answered {answer.status_code}: {answer.text[:300]}")
    return figures


def healthz_while_held(stack: Stack, port: int, tls: bool) -> list[float]:
    context = ssl.create_default_context(cafile=str(stack.cert)) if tls else None
    url = f"{stack.base}/healthz" if tls else f"http://127.0.0.1:{port}/healthz"
    with ExitStack() as held:
        for sock in idle_connections(port, IDLE_CONNECTIONS, context):
            held.callback(sock.close)
        return timed_healthz(session(stack), url, HEALTHZ_TIMES)


def summary(figures: list[float]) -> str:
    return f"median {statistics.median(figures):.1f} ms, max {max(figures):.1f} ms"


def shopify_order_webhook(stack: Stack, client: requests.Session, webhook_url: str, order_name: str) -> None:
    fixture = ROOT / "connections/platforms/shopify/fixtures/order_webhook.json"
    payload = json.loads(fixture.read_text())
    order_id = 7700000000000 + secrets.randbelow(10**9)
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    payload.update(
        {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "name": order_name,
            "created_at": now,
            "updated_at": now,
            "processed_at": now,
        }
    )
    body = json.dumps(payload).encode()
    signature = base64.b64encode(hmac.new(SHOP_CLIENT_SECRET.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": now,
    }
    bad = requests.post(
        webhook_url, data=body, headers={**headers, "X-Shopify-Hmac-Sha256": "AAAA"}, verify=client.verify, timeout=10
    )
    expect(bad.status_code == 401, f"a webhook with a wrong signature answered {bad.status_code}, not 401")
    good = requests.post(
        webhook_url,
        data=body,
        headers={**headers, "X-Shopify-Hmac-Sha256": signature},
        verify=client.verify,
        timeout=10,
    )
    expect(good.status_code == 202, f"a correctly signed webhook answered {good.status_code}: {good.text[:300]}")


def run(stack: Stack, steps: Steps, stack_guard: ExitStack) -> None:
    env = stack.portal_env()
    nginx = ensure_nginx()

    with steps.step("Prepare: databases, migrations, static files, certificate") as note:
        with psycopg.connect(ADMIN_DB_URL, autocommit=True) as db:
            for name in (stack.portal_db, stack.platforms_db):
                db.execute(f'CREATE DATABASE "{name}"')
        stack_guard.callback(stack.drop_databases)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput", "--clear")
        platforms_env = stack.platforms_env()
        manage(platforms_env, "migrate", "--noinput")
        manage(platforms_env, "seed_demo")
        write_certificate(stack)
        note["text"] = f"PostgreSQL {stack.portal_db}, Redis, self-signed certificate"

    with steps.step("manage.py check --deploy (production environment)") as note:
        output = manage(env, "check", "--deploy", "--fail-level", "WARNING")
        note["text"] = next(line for line in output.splitlines() if "System check" in line)

    with steps.step("Accounts: a merchant member, a staff member with a second factor") as note:
        username, password, merchant = MERCHANT
        manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model\n"
            "from portal.models import Membership, Merchant\n"
            f"user = get_user_model().objects.create_user({username!r}, {username + '@example.com'!r}, {password!r})\n"
            f"Membership.objects.create(user=user, merchant=Merchant.objects.create(name={merchant!r}),"
            " role=Membership.Role.OWNER)\n",
        )
        staff_env = {
            **env,
            "DJANGO_SUPERUSER_USERNAME": STAFF[0],
            "DJANGO_SUPERUSER_PASSWORD": STAFF[1],
            "DJANGO_SUPERUSER_EMAIL": "staff@example.com",
        }
        manage(staff_env, "createsuperuser", "--noinput")
        enrolled = manage(env, "staff_two_factor", STAFF[0])
        uri = re.search(r"otpauth_uri: (\S+)", enrolled)
        expect(uri, f"staff_two_factor printed no otpauth_uri line:\n{enrolled}")
        stack.totp_secret = re.search(r"secret=([A-Z2-7]+)", uri.group(1)).group(1)
        note["text"] = "member, and staff with a TOTP device and recovery codes"

    with steps.step("Start: sandbox platforms, Procfile (gunicorn, qcluster), nginx") as note:
        stack.start(
            "platforms",
            [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{stack.platforms}", "--workers", "2",
             "--worker-class", "gthread", "--threads", "4", "--no-control-socket", "portal.wsgi"],
            platforms_env,
        )  # fmt: skip
        for name, command in procfile():
            stack.start(name, command, env)
        stack.start("nginx", [nginx, "-c", str(write_nginx_config(stack))], env)
        client = session(stack)
        wait_for(
            "the portal answers through nginx", lambda: client.get(f"{stack.base}/signin/", timeout=5).ok, 60, stack
        )
        note["text"] = f"https://127.0.0.1:{stack.https} -> gunicorn 127.0.0.1:{stack.web}"

    with steps.step("Health: /healthz over HTTPS once the scheduler has ticked") as note:
        answer = wait_for(
            "/healthz says ok",
            lambda: (r := client.get(f"{stack.base}/healthz", timeout=5)).status_code == 200 and r,
            120,
            stack,
        )
        checks = answer.json()["checks"]
        plain = requests.get(f"http://127.0.0.1:{stack.http}/healthz", timeout=5, allow_redirects=False)
        expect(plain.status_code == 200, f"plain-HTTP /healthz (for load balancers) answered {plain.status_code}")
        other = requests.get(f"http://127.0.0.1:{stack.http}/signin/", timeout=5, allow_redirects=False)
        expect(other.status_code == 301, f"plain HTTP /signin/ answered {other.status_code}, not a redirect")
        note["text"] = "ok: " + ", ".join(sorted(checks))

    with steps.step("Merchant: sign in over HTTPS") as note:
        answer = sign_in(client, stack, MERCHANT[0], MERCHANT[1])
        expect(answer.status_code == 302, f"signing in answered {answer.status_code}: {_alert(answer.text)}")
        home = client.get(f"{stack.base}/connections/", timeout=10)
        expect(home.status_code == 200, f"Manage Connection answered {home.status_code}")
        headers = home.headers
        expect("max-age=" in headers.get("Strict-Transport-Security", ""), "no HSTS header on HTTPS pages")
        expect("default-src 'self'" in headers.get("Content-Security-Policy", ""), "no Content-Security-Policy")
        cookie = next(c for c in client.cookies if c.name == "sessionid")
        expect(cookie.secure, "the session cookie is not Secure")
        note["text"] = "HSTS, CSP, Secure session cookie"

    with steps.step("Merchant: Add Account (sandbox store) and Fetch Orders") as note:
        pk = add_account(client, stack, "noths", name="Smoke NOTHS", token=NOTHS_TOKEN)
        page = client.get(f"{stack.base}/connections/{pk}/", timeout=10)
        fetch = post_form(client, f"{stack.base}/connections/{pk}/fetch/", form_fields(page.text, "/fetch/"), page.url)
        expect(fetch.status_code in (302, 303), f"Fetch Orders answered {fetch.status_code}")

        def finished():
            run_state = progress(client, stack, pk)["run"]
            return run_state if run_state and not run_state["active"] else None

        result = wait_for("the fetch finished", finished, 180, stack)
        expect(result["status"] == "succeeded", f"the fetch ended {result['status']}: {result}")
        listed = re.search(r"([\d,]+) orders?</span>", client.get(f"{stack.base}/orders/", timeout=10).text)
        expect(listed, "the order list shows no orders after the fetch")
        note["text"] = f"run {result['status']}, {listed.group(1)} orders listed"

    with steps.step("Webhook: a signed Shopify event applied by the worker") as note:
        pk = add_account(
            client, stack, "shopify", name="Smoke Shopify", shop=SHOP, client_id=SHOP_CLIENT_ID,
            client_secret=SHOP_CLIENT_SECRET,
        )  # fmt: skip
        page = client.get(f"{stack.base}/connections/{pk}/", timeout=10).text
        path = re.search(r"/webhooks/shopify/[0-9a-f-]{36}/", page)
        expect(path, "the connection page shows no webhook URL")
        webhook_url = f"{stack.base}{path.group(0)}"
        order_name = f"#SMOKE{secrets.randbelow(10**6)}"
        shopify_order_webhook(stack, client, webhook_url, order_name)
        too_large = requests.post(
            webhook_url,
            data=b"{" + b" " * WEBHOOK_MAX_BYTES + b"}",
            verify=client.verify,
            timeout=30,
        )
        expect(
            too_large.status_code == 413 and "larger than" in too_large.json()["detail"],
            f"a webhook body over the limit answered {too_large.status_code}: {too_large.text[:200]}",
        )
        wait_for(
            "the webhook's order is in the order list",
            lambda: order_name in order_search(client, stack, order_name[1:]),
            60,
            stack,
        )
        note["text"] = f"413 (JSON) over the size limit, 401 for a bad signature, 202, order {order_name} listed"

    with steps.step("A second gunicorn with a wrong FERNET_KEYS refuses to start") as note:
        web = next(line for line in procfile() if line[0] == "web")[1]
        wrong = {**env, "FERNET_KEYS": secrets.token_urlsafe(32), "GUNICORN_BIND": f"127.0.0.1:{free_port()}"}
        refused = subprocess.run(web, cwd=ROOT, env=wrong, capture_output=True, text=True, timeout=60)
        expect(refused.returncode != 0, "gunicorn started with keys that cannot decrypt the stored credentials")
        said = refused.stderr[-2000:]
        expect("FERNET_KEYS" in said, f"gunicorn's refusal does not name FERNET_KEYS:\n{said}")
        note["text"] = f"exit code {refused.returncode}, the log names FERNET_KEYS"

    with steps.step("Staff: /admin/ with password and a TOTP code") as note:
        staff = session(stack)
        login = f"{stack.base}/admin/login/"
        page = staff.get(login, timeout=10)
        fields = form_fields(page.text, "")
        wrong = post_form(
            staff, login, with_values(fields, username=STAFF[0], password=STAFF[1], otp_token="000000"), login
        )
        expect(wrong.status_code == 200, f"the admin let a wrong code in ({wrong.status_code})")
        time.sleep(2.5)  # after a wrong code, django-otp makes the next try wait (1 s, then 2, 4, ...)
        page = staff.get(login, timeout=10)
        code = TOTP(base64.b32decode(stack.totp_secret), step=30, digits=6).token()
        right = with_values(form_fields(page.text, ""), username=STAFF[0], password=STAFF[1], otp_token=f"{code:06d}")
        answer = post_form(staff, login, right, login)
        expect(
            answer.status_code == 302, f"the admin refused the right code ({answer.status_code}): {_alert(answer.text)}"
        )
        index = staff.get(f"{stack.base}/admin/", timeout=10)
        expect(index.status_code == 200 and "Site administration" in index.text, "the admin index did not open")
        note["text"] = "wrong code refused, right code let in"

    with steps.step(f"/healthz with {IDLE_CONNECTIONS} idle connections held open") as note:
        alone = timed_healthz(session(stack), f"{stack.base}/healthz", HEALTHZ_TIMES)
        via_nginx = healthz_while_held(stack, stack.https, tls=True)
        via_gunicorn = healthz_while_held(stack, stack.web, tls=False)
        note["text"] = (
            f"none held: {summary(alone)}; against nginx: {summary(via_nginx)}; "
            f"against gunicorn: {summary(via_gunicorn)} ({HEALTHZ_TIMES} each, budget {HEALTHZ_BUDGET_MS} ms)"
        )
        for where, figures in (("nginx", via_nginx), ("gunicorn", via_gunicorn)):
            worst = max(figures)
            expect(worst < HEALTHZ_BUDGET_MS, f"/healthz took {worst:.0f} ms with idle connections held on {where}")
        stack.check_alive()

    # Last: it stops the portal.
    with steps.step("gunicorn stopped: nginx answers the webhook and the API in JSON") as note:
        stack.stop_one("web")
        webhook = requests.post(
            webhook_url, data=b"{}", headers={"Content-Type": "application/json"}, verify=client.verify, timeout=30
        )
        api = requests.get(f"{stack.base}/api/v1/orders/", verify=client.verify, timeout=30)
        for what, answer in (("the webhook", webhook), ("the API", api)):
            said, kind = answer.text[:200], answer.headers.get("Content-Type", "")
            expect(
                answer.status_code == 503 and kind.startswith("application/json"),
                f"with gunicorn stopped, {what} answered {answer.status_code} ({kind}): {said}",
            )
            expect(answer.headers.get("Retry-After") == "30", f"{what}'s 503 has no Retry-After: {answer.headers}")
            expect("not answering" in answer.json()["detail"], f"{what}'s 503 does not say why: {said}")
        page = client.get(f"{stack.base}/signin/", timeout=30)
        expect(page.status_code == 502, f"with gunicorn stopped, a page answered {page.status_code}")
        note["text"] = "webhook and API: 503, JSON, Retry-After 30; pages: nginx's 502"


def main() -> int:
    WORK.mkdir(parents=True, exist_ok=True)
    WORK.chmod(0o755)
    for parent in (WORK.parent, ROOT):
        parent.chmod(parent.stat().st_mode | 0o005)  # nginx's workers read the static files
    stack, steps = Stack(), Steps()
    with ExitStack() as guard:
        guard.callback(stack.stop)
        try:
            run(stack, steps, guard)
        except (SmokeFailed, subprocess.CalledProcessError) as failure:
            print(steps.table() if steps.rows else "", flush=True)
            details = getattr(failure, "stderr", None) or ""
            print(f"\nSMOKE TEST FAILED: {failure}\n{details}", flush=True)
            stack.show_logs()
            return 1
    print("\n" + steps.table(), flush=True)
    print("\nThe production smoke test passed.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
