"""Issue 15's measure: every page and the scheduler's tick on a million orders (PostgreSQL).

    .venv/bin/python bench/scale.py                      # full size: 1,000,000 orders (minutes to build)
    .venv/bin/python bench/scale.py --orders 20000       # everything in proportion, about a minute
    .venv/bin/python bench/scale.py --orders 20000 --keep          # keep the database scale_bench
    .venv/bin/python bench/scale.py --reuse scale_bench --skip-tick  # measure it again: migrate, no build

Builds the data set (bench/scale_data.py) in a scratch database `scale_bench` on the server
--database-url names (that database is only connected to, to create and drop the scratch one),
runs VACUUM (ANALYZE), serves the portal with gunicorn as deploy/ does (deploy/gunicorn.conf.py, 2
workers, DEBUG off, 2FA for staff) with one middleware more that counts each request's queries
(bench/scale_settings.py), signs in as the big merchant's owner and as staff (a TOTP device
the build enrolled; codes computed here), times each page over HTTP (a first request to warm
up, then --repeat more: median and max), times `portal.tasks.tick` in a process of its own at
the fleet's size and ten times it, prints the table with PASS/FAIL per target and drops the
database unless --keep. The exit status is 1 if a target fails.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from common import BASE_DIR, bench_env, free_port, scratch_database, stop

SCRATCH = "scale_bench"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"
MERCHANT = "merchant: median < 50 ms, max < 100 ms"
ADMIN = "admin: median < 300 ms"
# Matches customer1@, customer10-19@, customer100-199@, ... (scale_data: the email is "customer<n>@" with n
# counting up to the newest order): on the big merchant only its older half, so page 1 of this search
# skips every newer order first, the worst shape for a list walked newest first.
OLD_ONLY_TERM = "customer1"
SLOW_S = 5.0  # a page slower than this once is timed twice, not --repeat times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders in all; the rest in proportion")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="the PostgreSQL server (its database is not used)")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {SCRATCH} afterwards")
    parser.add_argument("--reuse", metavar="NAME", help="measure a database kept by --keep; no build")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page after the warm-up")
    parser.add_argument("--skip-tick", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--child", choices=["build", "tick"], help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    return parent(args)


# == the parent ============================================================================


def parent(args) -> int:
    failed = False
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        work = Path(tmp)
        if args.reuse:
            url = urlunsplit(urlsplit(args.database_url)._replace(path=f"/{args.reuse}"))
            drop = None
            facts = read_facts(url)
            env = {**bench_env(url), **facts["keys"]}
            print(f"== reusing {args.reuse}: {facts['counts']}", flush=True)
            migrate(env)  # a kept database follows the code's migrations since it was built
        else:
            url, describe, drop = scratch_database(args.database_url, work, SCRATCH)
            env = bench_env(url)
        try:
            if not args.reuse:
                print(f"== building {args.orders:,} orders on {describe}", flush=True)
                started = time.perf_counter()
                run_child(env, "build", work, ["--orders", str(args.orders)])
                build_s = time.perf_counter() - started
                facts = read_facts(url)
                print(f"built in {build_s:.0f} s (migrate, build, VACUUM ANALYZE): {facts['counts']}", flush=True)
            rows = [] if args.skip_pages else pages(env, facts, work, args.repeat)
            ticks = [] if args.skip_tick else run_child(env, "tick", work, [])["ticks"]
        finally:
            if drop and not args.keep:
                drop()
                print(f"dropped {SCRATCH}")
            elif drop:
                print(f"kept {SCRATCH}: --reuse {SCRATCH} to measure it again")
    print()
    print(f"Data set: {json.dumps(facts['counts'])}; database {facts['database_size']}")
    if not args.reuse:
        print(f"Build: {build_s:.0f} s")
    if rows:
        failed |= print_pages(rows)
    if ticks:
        failed |= print_ticks(ticks, facts)
    return 1 if failed else 0


def run_child(env: dict, what: str, work: Path, extra: list[str]) -> dict:
    result = work / f"{what}.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", what, "--result-file", str(result), *extra]
    subprocess.run(command, env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"}, cwd=BASE_DIR, check=True)
    return json.loads(result.read_text())


def migrate(env: dict) -> None:
    command = [sys.executable, "manage.py", "migrate", "--verbosity", "0"]
    subprocess.run(command, env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings"}, cwd=BASE_DIR, check=True)


def read_facts(url: str) -> dict:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        return conn.execute("SELECT facts FROM bench_facts").fetchone()[0]


# -- serving and timing the pages ---------------------------------------------------------------


def server_env(env: dict, port: int) -> dict:
    """deploy/'s production settings, on plain HTTP at 127.0.0.1 (no nginx, so no TLS)."""
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "bench.scale_settings",
        "DEBUG": "false",
        "SANDBOX_ENABLED": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "SSL_REDIRECT": "false",
        "BEHIND_TLS_PROXY": "false",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_TIMEOUT": "600",
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_LOG_LEVEL": "warning",
    }


def start_portal(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    import requests

    # As deploy/ does before it starts: production serves the collected, hashed static files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=server_env(env, port),
        check=True,
    )
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "portal.wsgi"],
        cwd=BASE_DIR,
        env=server_env(env, port),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/signin/", timeout=5).status_code == 200:
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    stop(server)
    raise SystemExit(f"gunicorn did not start; its log:\n{log_path.read_text()[-3000:]}")


def totp(key_hex: str, at: float | None = None) -> str:
    """RFC 6238 as django-otp's TOTPDevice checks it: 30 s steps, 6 digits, SHA-1."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def api_session(token: str):
    """A session that calls the API with this token."""
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def sign_in(base: str, username: str, password: str, totp_key: str | None = None):
    import requests

    session = requests.Session()
    session.get(f"{base}/signin/", timeout=60)
    answer = session.post(
        f"{base}/signin/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{base}/signin/"},
        timeout=60,
    )
    if "sessionid" not in session.cookies:
        raise SystemExit(f"signing in as {username} failed ({answer.status_code})")
    if totp_key:
        session.get(f"{base}/account/two-factor/verify/", timeout=60)
        answer = session.post(
            f"{base}/account/two-factor/verify/",
            data={"code": totp(totp_key), "csrfmiddlewaretoken": session.cookies["csrftoken"]},
            headers={"Referer": f"{base}/account/two-factor/verify/"},
            timeout=60,
        )
        check = session.get(f"{base}/admin/", timeout=60, allow_redirects=False)
        if check.status_code != 200:
            raise SystemExit(f"staff second factor refused ({answer.status_code}, then /admin/ {check.status_code})")
    return session


def timed(session, url: str, repeat: int, **kwargs) -> dict:
    """A warm-up request, then `repeat` more (2 when the warm-up took over SLOW_S): figures of the timed ones."""

    def once():
        started = time.perf_counter()
        answer = session.get(url, timeout=900, **kwargs)
        size = len(answer.content)
        return time.perf_counter() - started, answer, size

    first, answer, size = once()
    times = [once()[0] for _ in range(2 if first > SLOW_S else repeat)]
    return {
        "status": answer.status_code,
        "median_ms": statistics.median(times) * 1000,
        "max_ms": max(times) * 1000,
        "queries": answer.headers.get("X-Bench-Queries", "?"),
        "bytes": size,
        "html": answer.text if "html" in answer.headers.get("Content-Type", "") else "",
        "json": answer.json() if "json" in answer.headers.get("Content-Type", "") else None,
        "url": url,
    }


def links(html: str) -> list[tuple[str, str]]:
    """(href, text) of each link."""
    found = re.findall(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', html, flags=re.S)
    return [(unescape(href), re.sub(r"<[^>]+>", "", text).strip()) for href, text in found]


def link(html: str, *words: str) -> str | None:
    return next((href for href, text in links(html) if any(w in text for w in words)), None)


def with_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update({k: str(v) for k, v in params.items()})
    return urlunsplit(parts._replace(query=urlencode(query)))


def select_values(html: str, name: str) -> list[str]:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, flags=re.S)
    return [v for v in re.findall(r'<option value="([^"]*)"', match.group(1)) if v] if match else []


def feed_statuses(base: str) -> list[str]:
    """The canonical statuses the API's order feed filters by, as its OpenAPI schema lists them."""
    import requests

    schema = requests.get(urljoin(base, "/api/schema/?format=json"), timeout=60).json()
    (status,) = [p for p in schema["paths"]["/api/v1/orders/"]["get"]["parameters"] if p["name"] == "status"]
    return [code for code in status["schema"]["enum"] if code]


def pages(env: dict, facts: dict, work: Path, repeat: int) -> list[tuple[str, str, dict]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_portal(env, port, work / "gunicorn.log")
    rows: list[tuple[str, str, dict]] = []

    def measure(label: str, target: str, session, url: str, **kwargs) -> dict:
        figures = timed(session, urljoin(base, url), repeat, **kwargs)
        rows.append((label, target, figures))
        print(
            f"  {label}: {figures['median_ms']:,.0f} / {figures['max_ms']:,.0f} ms, {figures['queries']} queries",
            flush=True,
        )
        return figures

    try:
        print("== pages (median / max of the timed requests)", flush=True)
        merchant = sign_in(base, facts["owner"], facts["password"])
        orders = "/orders/"
        first = measure("order list, page 1", MERCHANT, merchant, orders)
        html = first["html"]
        older = link(html, "Older")
        oldest = link(html, "Oldest", "Last")
        per_page = 50
        pages_in_all = -(-facts["sizes"]["big_orders"] // per_page)
        middle_page = max(2, round(pages_in_all * 500 / 8090))
        if older and "page=" in older:
            measure(
                f"order list, page {middle_page:,}",
                MERCHANT,
                merchant,
                with_query(urljoin(orders, older), page=middle_page),
            )
            last = oldest or with_query(urljoin(orders, older), page=pages_in_all)
            measure(f"order list, last page ({pages_in_all:,})", MERCHANT, merchant, urljoin(orders, last))
        elif older:
            url, hops = urljoin(base + orders, older), 0
            while hops < 20:
                answer = merchant.get(url, timeout=300)
                hops += 1
                following = link(answer.text, "Older")
                if not following:
                    break
                url = urljoin(url, following)
            measure(f"order list, {hops + 1} pages down (Older links)", MERCHANT, merchant, url)
            if oldest:
                measure("order list, the oldest page", MERCHANT, merchant, urljoin(base + orders, oldest))
        measure("order list, search a surname (Smith)", MERCHANT, merchant, with_query(orders, q="Smith"))
        measure(
            f"order list, search a number fragment ({facts['number_fragment']})",
            MERCHANT,
            merchant,
            with_query(orders, q=facts["number_fragment"]),
        )
        measure(
            f"order list, search only old orders match ({OLD_ONLY_TERM})",
            MERCHANT,
            merchant,
            with_query(orders, q=OLD_ONLY_TERM),
        )
        # The first digits of the newest orders' customer numbers ("customer40" on the full set): thousands of
        # matches, the newest among them, that PostgreSQL guesses at a hundred (orders/search.py).
        newest_term = f"customer{str(facts['sizes']['big_orders'])[:2]}"
        measure(
            f"order list, search the newest customer numbers ({newest_term})",
            MERCHANT,
            merchant,
            with_query(orders, q=newest_term),
        )
        states = select_values(html, "status")
        if states:
            measure(
                f"order list, status filter ({states[0]})", MERCHANT, merchant, with_query(orders, status=states[0])
            )
            # A search with the list's filters: read from the list's indexes alone too (orders.0018). A state
            # two platforms word alike is two codes, which no index holds in the list's order. scale_data's
            # surnames and states go round together: the big merchant's Smiths are all in one state. With any
            # other nothing matches both, so the walk reads every order of the merchant, the longest a search
            # with a filter can take.
            for term in (OLD_ONLY_TERM, "Smith"):
                for state in states:
                    measure(
                        f"order list, {term} and status filter ({state})",
                        MERCHANT,
                        merchant,
                        with_query(orders, q=term, status=state),
                    )
        measure(
            "order list, the big connection's filter",
            MERCHANT,
            merchant,
            with_query(orders, connection=facts["big_connection"]),
        )
        measure(
            f"order list, {OLD_ONLY_TERM} in the big connection",
            MERCHANT,
            merchant,
            with_query(orders, q=OLD_ONLY_TERM, connection=facts["big_connection"]),
        )
        measure("order page", MERCHANT, merchant, f"/orders/{facts['order']}/")
        measure("Order downloads", MERCHANT, merchant, "/downloads/")
        measure("Manage Connection", MERCHANT, merchant, "/connections/")
        big = f"/connections/{facts['big_connection']}/"
        page = measure("connection page, the big connection", MERCHANT, merchant, big)
        measure(
            "connection page, the webhook connection", MERCHANT, merchant, f"/connections/{facts['hook_connection']}/"
        )
        run = next((href for href, _ in links(page["html"]) if re.search(r"/runs/\d+/$", href)), None)
        if run:
            measure("a sync run's page, the big connection's newest", MERCHANT, merchant, urljoin(big, run))
        measure("the big connection's fetch progress", MERCHANT, merchant, f"{big}progress/")
        measure("the big connection's settings", MERCHANT, merchant, f"{big}edit/")
        measure("Add Connection (the wizard)", MERCHANT, merchant, "/connections/new/")
        measure("orders not imported", MERCHANT, merchant, "/orders/not-imported/")
        measure("dispatch note", MERCHANT, merchant, f"/orders/{facts['order']}/dispatch-note/")
        measure("API tokens", MERCHANT, merchant, "/settings/api-tokens/")

        api = api_session(facts["api_token"])
        feed = measure("API: orders feed, page 1", MERCHANT, api, "/api/v1/orders/")
        url, hops = feed["url"], 0
        while hops < 20 and feed["json"] and feed["json"].get("next"):
            url = feed["json"]["next"]
            feed = {"json": api.get(url, timeout=300).json()}
            hops += 1
        if hops:
            measure(f"API: orders feed, page {hops + 1}", MERCHANT, api, url)
        # The feed runs oldest first: a term with thousands of matches that PostgreSQL guesses rare, and a rare one.
        for term in (newest_term, facts["number_fragment"]):
            measure(f"API: orders feed, search {term}", MERCHANT, api, with_query("/api/v1/orders/", search=term))
        # From 18 months back (the orders span two years), the newest customer numbers: the feed walks up from
        # `updated_since` past some 300,000 of the big merchant's orders before the first match.
        since = (datetime.now(UTC) - timedelta(days=548)).date().isoformat()
        measure(
            f"API: orders feed, updated since 18 months ago, search {newest_term}",
            MERCHANT,
            api,
            with_query("/api/v1/orders/", updated_since=since, search=newest_term),
        )
        # Each canonical status the feed offers, alone and with a surname: the big merchant has orders in four
        # of them, so most are a status it has none of, and "Smith" matches none of its accepted orders.
        for status in feed_statuses(base):
            measure(f"API: orders feed, status {status}", MERCHANT, api, with_query("/api/v1/orders/", status=status))
            measure(
                f"API: orders feed, Smith and status {status}",
                MERCHANT,
                api,
                with_query("/api/v1/orders/", search="Smith", status=status),
            )
        measure("API: an order", MERCHANT, api, f"/api/v1/orders/{facts['order']}/")
        measure("API: connections", MERCHANT, api, "/api/v1/connections/")
        if facts.get("chain_owner"):  # a database built before the chain has none
            chain_pages(measure, sign_in(base, facts["chain_owner"], facts["password"]), facts)
        rows.append(("CSV export of the big merchant", "", export(merchant, base)))
        print(f"  CSV export: {rows[-1][2]['median_ms'] / 1000:.1f} s, {rows[-1][2]['bytes']:,} bytes", flush=True)

        staff = sign_in(base, facts["staff"], facts["password"], facts["totp_key"])
        measure(
            "admin: big connection's change page",
            ADMIN,
            staff,
            f"/admin/connections/connection/{facts['big_connection']}/change/",
        )
        connections = "/admin/connections/connection/"
        measure("admin: connections", ADMIN, staff, connections)
        measure("admin: connections, Show counts", ADMIN, staff, with_query(connections, _facets="True"))
        admin_orders = "/admin/orders/order/"
        measure("admin: orders", ADMIN, staff, admin_orders)
        measure("admin: orders ?p=1000", ADMIN, staff, with_query(admin_orders, p=1000))
        measure("admin: orders, search Smith", ADMIN, staff, with_query(admin_orders, q="Smith"))
        measure(
            "admin: orders, search an order number", ADMIN, staff, with_query(admin_orders, q=facts["order_number"])
        )
        hooks = "/admin/connections/webhookevent/"
        measure("admin: webhook events", ADMIN, staff, hooks)
        measure("admin: webhook events, search", ADMIN, staff, with_query(hooks, q=facts["event_order_id"]))
        measure("admin: sync runs", ADMIN, staff, "/admin/connections/syncrun/")
        measure("admin: outbound actions", ADMIN, staff, "/admin/orders/outboundaction/")
        measure("admin: fleet health", ADMIN, staff, "/admin/fleet-health/")
    finally:
        stop(server)
    return rows


def chain_pages(measure, chain, facts: dict) -> None:
    """The pages that list a merchant's connections, as the owner of a chain of outlets (200 at full size)."""
    label = f"a chain of {facts['sizes']['chain']} outlets"
    measure(f"{label}: Order downloads", MERCHANT, chain, "/downloads/")
    measure(f"{label}: Order downloads, its last page", MERCHANT, chain, "/downloads/?page=999")
    measure(f"{label}: Order downloads, find an outlet", MERCHANT, chain, "/downloads/?q=store-0004")
    measure(f"{label}: Manage Connection", MERCHANT, chain, "/connections/")
    measure(f"{label}: order list", MERCHANT, chain, "/orders/")
    measure(f"{label}: Add Connection", MERCHANT, chain, "/connections/new/")
    measure(f"{label}: orders not imported", MERCHANT, chain, "/orders/not-imported/")
    measure(f"{label}: API connections", MERCHANT, api_session(facts["chain_api_token"]), "/api/v1/connections/")


def export(session, base: str) -> dict:
    """The CSV export, streamed and read to the end: time and bytes, twice."""
    times, size = [], 0
    for _ in range(2):
        started = time.perf_counter()
        with session.get(f"{base}/orders/export.csv", stream=True, timeout=900) as answer:
            size = sum(len(chunk) for chunk in answer.iter_content(65536))
            status = answer.status_code
        times.append(time.perf_counter() - started)
    return {
        "status": status,
        "median_ms": statistics.median(times) * 1000,
        "max_ms": max(times) * 1000,
        "queries": "-",
        "bytes": size,
    }


def verdict(target: str, figures: dict) -> str:
    if figures["status"] != 200:
        return f"FAIL (HTTP {figures['status']})"
    if target == MERCHANT:
        return "PASS" if figures["median_ms"] < 50 and figures["max_ms"] < 100 else "FAIL"
    if target == ADMIN:
        return "PASS" if figures["median_ms"] < 300 else "FAIL"
    return "-"


def print_pages(rows) -> bool:
    width = max(len(label) for label, _, _ in rows) + 2
    print(f"{'page'.ljust(width)}{'median ms':>11}{'max ms':>10}{'queries':>9}{'KB':>9}  target")
    failed = False
    for label, target, figures in rows:
        result = verdict(target, figures)
        failed |= result.startswith("FAIL")
        print(
            f"{label.ljust(width)}{figures['median_ms']:>11,.1f}{figures['max_ms']:>10,.1f}{figures['queries']:>9}"
            f"{figures['bytes'] / 1024:>9,.0f}  {result} {target}"
        )
    return failed


def print_ticks(ticks: list[dict], facts: dict) -> bool:
    print()
    print(f"{'scheduler tick'.ljust(40)}{'due':>7}{'median ms':>11}{'max ms':>10}{'queries':>9}  target")
    failed = False
    biggest = max(t["connections"] for t in ticks)
    for tick in ticks:
        limit = {"steady": 200, "all due": 5000}[tick["phase"]] if tick["connections"] == biggest else None
        result = "-" if limit is None else ("PASS" if tick["median_ms"] < limit else "FAIL")
        failed |= result == "FAIL"
        label = f"{tick['connections']:,} connections, {tick['phase']}"
        target = "" if limit is None else f"median < {limit:,} ms"
        print(
            f"{label.ljust(40)}{tick['due']:>7,}{tick['median_ms']:>11,.1f}{tick['max_ms']:>10,.1f}"
            f"{tick['queries']:>9,}  {result} {target}"
        )
    return failed


# == the children (Django set up on the scratch database) ===================================


def child(args) -> int:
    import django

    sys.path.insert(0, str(BASE_DIR))
    django.setup()
    result = build(args) if args.child == "build" else tick_phases()
    Path(args.result_file).write_text(json.dumps(result))
    return 0


def build(args) -> dict:
    import scale_data
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    facts = scale_data.build(
        scale_data.Sizes.scaled(args.orders),
        log=lambda words: print(f"  {time.perf_counter() - started:6.0f} s  {words}", flush=True),
    )
    scale_data.analyze()
    print(f"  {time.perf_counter() - started:6.0f} s  VACUUM (ANALYZE)", flush=True)
    facts["counts"] = scale_data.counts()
    facts["keys"] = {key: os.environ[key] for key in ("SECRET_KEY", "FERNET_KEYS")}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        facts["database_size"] = cursor.fetchone()[0]
        cursor.execute("CREATE TABLE bench_facts (facts jsonb)")
        cursor.execute("INSERT INTO bench_facts VALUES (%s)", [json.dumps(facts)])
    return facts


def tick_phases() -> dict:
    """The tick at the fleet's size and at ten times it (cheap copies, removed afterwards)."""
    import scale_data
    from django.db import connection

    from connections.models import Connection

    fleet = Connection.objects.count()
    ticks = [*tick_at(fleet)]
    started = time.perf_counter()
    made = scale_data.add_cheap_connections(9 * fleet)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE connections_connection")
    print(f"  {made:,} more connections in {time.perf_counter() - started:.0f} s", flush=True)
    try:
        ticks += tick_at(fleet + made)
    finally:
        Connection.objects.filter(name__contains="-copy").delete()
    return {"ticks": ticks}


def tick_at(size: int) -> list[dict]:
    """A steady tick (one connection in 30 due, as a half-hourly fleet is each minute) three
    times, then every connection due twice; each undone before the next."""
    from django.db import transaction
    from django.utils import timezone
    from django_q.models import OrmQ
    from scale_queries import counted

    from connections.models import Connection, SyncRun
    from portal.tasks import tick

    out = []
    for phase, due, repeat in (("steady", max(1, size // 30), 3), ("all due", size, 2)):
        times, queries = [], []
        for _ in range(repeat):
            now = timezone.now()
            last_run = SyncRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            with transaction.atomic():
                Connection.objects.update(next_sync_at=now + timedelta(hours=1))
                ids = Connection.objects.order_by("?").values_list("pk", flat=True)[:due]
                Connection.objects.filter(pk__in=list(ids)).update(next_sync_at=now - timedelta(minutes=1))
            with counted() as tally:
                started = time.perf_counter()
                said = tick()
                times.append(time.perf_counter() - started)
            queries.append(tally[0])
            SyncRun.objects.filter(pk__gt=last_run).delete()
            OrmQ.objects.all().delete()
        print(f"  tick, {size:,} connections, {phase}: {', '.join(f'{t * 1000:,.0f}' for t in times)} ms; {said}")
        out.append(
            {
                "connections": size,
                "phase": phase,
                "due": due,
                "median_ms": statistics.median(times) * 1000,
                "max_ms": max(times) * 1000,
                "queries": int(statistics.median(queries)),
            }
        )
    return out


if __name__ == "__main__":
    sys.exit(main())
