"""Hypothesis throws arbitrary bodies and headers at the webhook: never a 500, never an unauthenticated event."""

import json
import socket
from http.client import BadStatusLine, HTTPResponse
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from connections.models import WebhookEvent
from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET, make_partner_connection
from connections.platforms.partner.tests.orders import partner_order

# Header values a client can send: printable latin-1, as HTTP carries them.
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), max_size=80)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def order_like():
    """Real orders with fields replaced by arbitrary values: the bodies most likely to reach deep code."""
    keys = st.sampled_from(sorted(partner_order()))
    return st.builds(
        lambda changes, status: {**partner_order(status=status), **changes},
        st.dictionaries(keys, json_values, max_size=4),
        st.sampled_from(["RECEIVED", "READY_FOR_PICKUP", "DISPATCHED", "CANCELLED", "picked_up", "WHATEVER", ""]),
    )


bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    order_like().map(lambda v: json.dumps(v).encode()),
)
# A Content-Length the test client can carry: unreadable ones, and none larger than the body
# (Django's test client asserts on a read past the body; a real server would time out).
extra_headers = st.dictionaries(
    st.sampled_from(["HTTP_X_ANYTHING", "CONTENT_TYPE", "HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR"]),
    header_text,
    max_size=3,
) | st.fixed_dictionaries({"CONTENT_LENGTH": st.sampled_from(["abc", "-1", "0", "", "1e3", "0x10"])})
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def endpoint(db, merchant):
    cache.clear()
    connection = make_partner_connection(merchant)
    return connection, reverse("webhook", args=["partner", connection.webhook_id])


def send(url, body, authorization, headers):
    client = Client(raise_request_exception=False)
    meta = {k: v for k, v in headers.items()}
    if authorization is not None:
        meta["HTTP_AUTHORIZATION"] = authorization
    return client.generic("POST", url, body, content_type=meta.pop("CONTENT_TYPE", "application/json"), **meta)


@FUZZ
@given(body=bodies, authorization=st.none() | header_text, headers=extra_headers)
def test_without_the_secret_nothing_is_stored_and_nothing_is_a_500(endpoint, body, authorization, headers):
    _, url = endpoint
    before = WebhookEvent.objects.count()
    answer = send(url, body, authorization, headers)
    assert answer.status_code < 500
    if authorization != PARTNER_WEBHOOK_SECRET:
        assert answer.status_code == 401
        assert WebhookEvent.objects.count() == before


@FUZZ
@given(body=bodies, headers=extra_headers)
def test_with_the_secret_any_body_is_stored_or_refused_never_a_500(
    endpoint, body, headers, django_capture_on_commit_callbacks
):
    connection, url = endpoint
    before = WebhookEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        answer = send(url, body, PARTNER_WEBHOOK_SECRET, headers)
    assert answer.status_code in (200, 202, 400, 413)
    stored = WebhookEvent.objects.count() - before
    assert stored == (1 if answer.status_code == 202 else 0)
    # Applying what was stored never fails the event with an error of ours.
    assert not WebhookEvent.objects.filter(connection=connection, state=WebhookEvent.State.FAILED).exists()


def test_a_duplicate_inside_an_open_transaction_is_still_acknowledged(endpoint):
    """The test's own transaction stands for any caller's: the duplicate's IntegrityError must
    not break it (the event is saved in its own atomic block, a savepoint here)."""
    _, url = endpoint
    body = json.dumps(partner_order()).encode()
    assert send(url, body, PARTNER_WEBHOOK_SECRET, {}).status_code == 202
    again = send(url, body, PARTNER_WEBHOOK_SECRET, {})
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert WebhookEvent.objects.get().duplicates == 1


def test_a_busy_stores_events_skip_the_connection_lookup_until_it_changes(endpoint, settings, monkeypatch):
    """Each process remembers the connection for WEBHOOK_LOOKUP_SECONDS: no lookup per
    event; its own changes (a rotated secret) at once, others' once the time is up."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from connections import services, webhooks

    settings.WEBHOOK_LOOKUP_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr(webhooks.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(webhooks, "_remembered", {})
    connection, url = endpoint

    def post(status, secret=PARTNER_WEBHOOK_SECRET):
        return send(url, json.dumps(partner_order(status=status)).encode(), secret, {})

    assert post("RECEIVED").status_code == 202
    with CaptureQueriesContext(db) as queries:
        assert post("READY_FOR_PICKUP").status_code == 202
    assert not [q for q in queries if '"webhook_id" = ' in q["sql"]]  # the lookup by webhook id

    # Another process disconnects it: this one still accepts until the time is up, then 404.
    type(connection).objects.filter(pk=connection.pk).update(status="disconnected")
    assert post("DISPATCHED").status_code == 202
    clock[0] += 6
    assert post("CANCELLED").status_code == 404

    # This process's own change is seen at once.
    type(connection).objects.filter(pk=connection.pk).update(status="connected")
    assert post("CANCELLED").status_code == 202
    services.rotate_webhook_secret(connection, "a-brand-new-secret-for-this-hook")
    assert post("CANCELLED", secret="a-brand-new-secret-for-this-hook").status_code == 202


# -- over real HTTP: raw requests to the live server ----------------------------------------------------
#
# The Django test client above cannot send a Content-Length larger than the body, a chunked
# body, a body over the limit with a lying length, or header names of its own choosing. These
# go over a socket to the live server (Django's development server, wsgiref), built byte by byte.

LIMIT = 4096
# Header names HTTP allows (RFC 9110 tokens), and header values (visible ASCII, obs-text,
# inner spaces and tabs); both as the server decodes them, latin-1.
TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
header_names = st.text(st.sampled_from(TCHARS), min_size=1, max_size=20) | st.sampled_from(
    [
        "Content-Type",
        "Content-Encoding",
        "Expect",
        "Accept",
        "Cookie",
        "User-Agent",
        "Range",
        "Upgrade",
        "Trailer",
        "TE",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "X-Http-Method-Override",
        "Proxy-Authorization",
        "Content_Length",  # dropped by the server: underscores could spoof a dash
        "Authorization_",
    ]
)
field_char = st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f") | st.just("\t")
header_values = st.text(field_char, max_size=60) | st.sampled_from(["100-continue", "chunked", "gzip", "close"])
# Names the test sets itself, once (the request's shape depends on them); any case.
OWN = {"host", "authorization", "content-length", "transfer-encoding", "connection"}
extra_raw_headers = st.lists(st.tuples(header_names.filter(lambda n: n.lower() not in OWN), header_values), max_size=6)


def padded_order(size: int) -> bytes:
    """A real order whose JSON is exactly `size` bytes (the comment takes up the room)."""
    body = partner_order()
    body["comment"] = ""
    body["comment"] = "x" * max(0, size - len(json.dumps(body)))
    return json.dumps(body).encode()


raw_bodies = st.one_of(
    bodies,
    st.builds(partner_order, status=st.sampled_from(["RECEIVED", "DISPATCHED", "PICKER_ASSIGNED"])).map(
        lambda v: json.dumps(v).encode()
    ),
    st.integers(LIMIT - 64, LIMIT + 1500).map(padded_order),
)
authorizations = st.one_of(
    st.just([PARTNER_WEBHOOK_SECRET]),
    st.just([PARTNER_WEBHOOK_SECRET]),
    st.just([f" {PARTNER_WEBHOOK_SECRET}\t "]),  # optional whitespace around a field value is not the value
    st.just([]),
    st.sampled_from(
        [
            [f"Bearer {PARTNER_WEBHOOK_SECRET}"],
            [PARTNER_WEBHOOK_SECRET[:-1]],
            [PARTNER_WEBHOOK_SECRET + "x"],
            [PARTNER_WEBHOOK_SECRET.upper()],
            [f"{PARTNER_WEBHOOK_SECRET} {PARTNER_WEBHOOK_SECRET}"],
            [PARTNER_WEBHOOK_SECRET, PARTNER_WEBHOOK_SECRET],  # twice: the server joins them with a comma
            [PARTNER_WEBHOOK_SECRET, "other"],
            [""],
        ]
    ),
    st.lists(header_values, min_size=1, max_size=2),
)
# How the Content-Length relates to the body: its length, none, more or less than it, over the
# limit, or not a length at all. A callable of the body's length, so it can be either side of it.
exact = st.just(lambda n: str(n))
content_lengths = st.one_of(
    exact,
    exact,
    exact,
    st.just(lambda n: None),
    st.integers(1, 40).map(lambda k: lambda n: str(n + k)),
    st.integers(1, 40).map(lambda k: lambda n: str(max(n - k, 0))),
    st.integers(LIMIT + 1, 10**6).map(lambda v: lambda n: str(v)),
    st.sampled_from(
        ["abc", "-1", "-99999", "", " ", "1e3", "0x10", "+12", " 12 ", "1_0", "12abc", "4097.0", "99999999999999999999"]
    ).map(lambda v: lambda n: v),
)
transfer_encodings = st.sampled_from([None, None, "chunked", "gzip, chunked", "identity"])


def exchange(live_server, request: bytes):
    """Send these bytes, end the sending side, and read the first answer: (status, body, whether
    Django answered it); status None when the server answered with no status line (HTTP/0.9).

    The end of the sending side is the end of the body: a Content-Length larger than the body
    is then a short body (a real client would have stalled or closed), never a hang."""
    where = urlsplit(live_server.url)
    with socket.create_connection((where.hostname, where.port), timeout=15) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        answer = HTTPResponse(sock)
        try:
            answer.begin()  # skips a 100 Continue
        except BadStatusLine:
            return None, b"", False
        # Django's security middleware marks every answer of Django's; the server's own have no mark.
        return answer.status, answer.read(), answer.getheader("X-Content-Type-Options") == "nosniff"


def raw_post(live_server, path: str, head: list[tuple[str, str]], body: bytes, version="HTTP/1.1"):
    """POST with these headers (latin-1, as HTTP carries them) and this body; (status, body)."""
    lines = [f"POST {path} {version}", f"Host: {host_of(live_server)}", *(f"{k}: {v}" for k, v in head)]
    request = ("\r\n".join([*lines, "Connection: close"]) + "\r\n\r\n").encode("latin-1") + body
    status, answer, _ = exchange(live_server, request)
    return status, answer


def host_of(live_server) -> str:
    return urlsplit(live_server.url).netloc


def said(answer: bytes) -> str:
    """The answer's words, for Hypothesis's statistics; the raw start of anything not ours."""
    try:
        reply = json.loads(answer)
        return reply.get("detail") or reply["status"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return repr(answer[:60])


def declared_length(value: str | None) -> int | None:
    """The Content-Length as the server and our view read it: leading spaces are not the value, an
    empty one is no length (wsgiref), and the rest is Python's int(), as both read it."""
    value = (value or "").lstrip(" \t")
    try:
        return int(value) if value else 0
    except ValueError:
        return None


@pytest.fixture
def live_endpoint(live_server, transactional_db, merchant, settings):
    cache.clear()
    settings.WEBHOOK_MAX_BYTES = LIMIT
    connection = make_partner_connection(merchant)
    return connection, reverse("webhook", args=["partner", connection.webhook_id])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=raw_bodies,
    authorization=authorizations,
    content_length=content_lengths,
    transfer_encoding=transfer_encodings,
    extra=extra_raw_headers,
    version=st.sampled_from(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0"]),
    order=st.randoms(use_true_random=False),
)
def test_over_http_any_request_is_answered_in_words_and_only_the_secret_stores(
    live_server, live_endpoint, body, authorization, content_length, transfer_encoding, extra, version, order
):
    """Raw requests over a socket: never a 5xx (not even 503: one request at a time cannot find
    the database busy); without exactly the secret, 401 and nothing stored; with it, the answer
    follows from the Content-Length the body came with: its bytes are stored as they came."""
    connection, path = live_endpoint
    length = content_length(len(body))
    head = [("Authorization", value) for value in authorization] + list(extra)
    if length is not None:
        head.append(("Content-Length", length))
    if transfer_encoding:
        head.append(("Transfer-Encoding", transfer_encoding))
    order.shuffle(head)
    note(f"{version} headers {head!r}, body of {len(body)} bytes: {body[:120]!r}")
    before = WebhookEvent.objects.count()

    status, answer = raw_post(live_server, path, head, body, version)

    assert status < 500, answer
    stored = WebhookEvent.objects.count() - before
    authorized = len(authorization) == 1 and authorization[0].strip(" \t") == PARTNER_WEBHOOK_SECRET
    event(f"{'' if authorized else 'not '}authorized: {status} {said(answer)}")  # --hypothesis-show-statistics
    if not authorized:
        assert (status, stored) == (401, 0), answer
        return
    assert status in (200, 202, 400, 413), answer
    assert stored == (1 if status == 202 else 0)
    declared = declared_length(length)
    if declared is None:
        assert status == 400 and b"not a number" in answer
    elif declared > LIMIT:
        assert status == 413
    elif declared <= 0 or declared > len(body):
        assert status == 400, answer  # empty, or shorter than its Content-Length
    elif status == 202:
        kept = WebhookEvent.objects.latest("pk")
        assert kept.body == body[:declared].decode("utf-8", "replace").replace("\x00", "\ufffd")
        assert PARTNER_WEBHOOK_SECRET not in json.dumps(kept.headers)
    assert not WebhookEvent.objects.filter(connection=connection, state=WebhookEvent.State.FAILED).exists()


class Case(NamedTuple):
    lines: list[str]  # the request line and headers; "{path}" and "{host}" are filled in
    answer: int | str  # the status Django answers, or "server": the server answers itself, before Django
    stored: int
    end: str = "\r\n"  # what ends each line


AUTH = f"Authorization: {PARTNER_WEBHOOK_SECRET}"
POST = "POST {path} HTTP/1.1"
HOST = "Host: {host}"
# Requests HTTP does not allow, or that servers read differently. The body's Content-Length and
# Connection: close follow the lines given. The development server (wsgiref) answers some
# itself, with an error page of its own: 431, 505, or no status line at all (HTTP/0.9).
MALFORMED = {
    # A line that is no header ends the headers for the server's parser: the Authorization after it is lost.
    "a line without a colon": Case([POST, HOST, "Bogus line", AUTH], 401, 0),
    "a space before the colon": Case([POST, HOST, f"Authorization : {PARTNER_WEBHOOK_SECRET}"], 401, 0),
    "the secret folded over two lines": Case(
        [POST, HOST, f"Authorization: {PARTNER_WEBHOOK_SECRET[:8]}", f" {PARTNER_WEBHOOK_SECRET[8:]}"], 401, 0
    ),
    "the secret and a NUL": Case([POST, HOST, f"{AUTH}\x00"], 401, 0),
    "the secret and a latin-1 letter": Case([POST, HOST, f"{AUTH}\xe9"], 401, 0),
    # Control characters HTTP forbids in a value, which this server passes on (gunicorn refuses
    # them): the event is kept, each NUL taken out (PostgreSQL refused it: 503 on every retry).
    "a NUL in other headers": Case([POST, HOST, AUTH, "X-Trace: a\x00b", "User-Agent: \x00"], 202, 1),
    "control characters in another header": Case([POST, HOST, AUTH, "X-Trace: a\x01\x1b[2Jb"], 202, 1),
    "a host not allowed": Case([POST, "Host: evil.example", AUTH], 400, 0),  # Django's DisallowedHost
    "two hosts": Case([POST, HOST, "Host: other.example", AUTH], 400, 0),
    "no host": Case([POST, AUTH], 202, 1),  # HTTP/1.1 requires one; neither wsgiref nor Django does
    "bare line feeds": Case([POST, HOST, AUTH], 202, 1, end="\n"),
    "Expect: 100-continue": Case([POST, HOST, AUTH, "Expect: 100-continue"], 202, 1),
    "a header line of 70,000 characters": Case([POST, HOST, AUTH, "X-Long: " + "a" * 70_000], "server", 0),
    "120 headers": Case([POST, HOST, AUTH, *(f"X-{i}: v" for i in range(120))], "server", 0),
    "HTTP/9.9": Case(["POST {path} HTTP/9.9", HOST, AUTH], "server", 0),
    "no HTTP version": Case(["POST {path}", HOST, AUTH], "server", 0),
    "a TLS handshake": Case(["\x16\x03\x01\x02\x00\x01", AUTH], "server", 0),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_requests_http_does_not_allow_are_refused_or_kept_never_a_500(live_server, live_endpoint, case):
    """Never our 500 (the server's own 505 for an unknown HTTP version is not ours), nothing stored
    without the secret as the server read it, and what is stored holds no NUL."""
    case = MALFORMED[case]
    _, path = live_endpoint
    body = json.dumps(partner_order()).encode()
    lines = [line.format(path=path, host=host_of(live_server)) for line in case.lines]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    status, answer, by_django = exchange(live_server, case.end.join(lines).encode("latin-1") + body)
    assert WebhookEvent.objects.count() == case.stored
    if case.answer == "server":
        assert not by_django and status != 500
    else:
        assert (status, by_django) == (case.answer, True), answer
    for kept in WebhookEvent.objects.all():
        assert kept.body == body.decode()
        assert all("\x00" not in value for value in kept.headers.values()), kept.headers
