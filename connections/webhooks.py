"""Order events a platform pushes to us: receive, store, then apply in a task.

The engine knows no platform: the platform's webhook part (`platforms.deliveries`)
says how a request is authenticated, what the delivery is, and what to ingest.

Receiving (`receive`, called by the DRF view in `webhook_api`) does as little as it
can, in this order: find the connection (404), authenticate in constant time (401,
nothing stored: a shared secret in a header is checked before the body is read, a
signature of the body after; a failure from an address that failed more than
WEBHOOK_FAILURE_LIMIT times is 429, while a correctly signed delivery from it is still
taken), read at most the size limit (413), parse (400), refuse what the drain could never
apply (400: nested too deep, a text or a list too long, an order id longer than ingest can
store; `webhook_limits`), store the raw event under dedupe keys unique per connection (a
duplicate is acknowledged and changes nothing), and ask for a drain: on PostgreSQL in the
same statement as the INSERT (`webhook_inbox`), elsewhere once it is committed.

A shared secret in a header is checked against its digest (`Credential.digests`), so
nothing is decrypted to turn a caller away and a wrong FERNET_KEYS does not stop the
events: they are stored (their headers' values withheld, as they cannot be checked for a
copy of a secret) and wait, with a problem opened, until the key is back. A signature of
the body needs the secret itself: when FERNET_KEYS cannot decrypt it the answer is 503
(send it again), never a 500.

Draining (`drain`, a django-q2 task) applies the stored events of one connection in
batches through the one ingest path, in the same transaction that marks them
processed: a worker killed mid-batch leaves them to be taken again, never half done.
A drain is asked for at most once at a time per connection: with the event (PostgreSQL,
one statement) or once it is committed (SQLite), the request sets
`Connection.webhook_drain_asked_at` if it is not set, and only the request that set it
queues the task, which clears it as it starts (so an event stored after that asks for
another). The flag is a column, not a cache key, because web and worker
processes share no cache in the default setup (local memory). The scheduler's tick
drains whatever an absent worker or a lost task left behind.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

import orjson
from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F, Q
from django.http.request import HttpHeaders
from django.utils import timezone

from orders.actions import accept_new_orders
from orders.ingest import OLDER_THAN_HELD, UP_TO_DATE, ImportPolicy, ingest_page, without_nul
from portal import queueing
from portal.failures import Limit

from . import health, webhook_inbox, webhook_limits
from .models import Connection, WebhookEvent
from .platforms import registry
from .platforms.base import UnknownStatus, UnreadableRecord
from .platforms.deliveries import Deliveries, Delivery, Unauthenticated
from .sealed import CredentialsUnreadable

log = logging.getLogger(__name__)

BATCH = 200
DRAIN_MAX_SECONDS = 10  # a drain that still finds events then hands over to a new one
# An event still unprocessed after this long is drained by the tick; one claimed this
# long ago by a worker that never finished is taken again.
STALE_SECONDS = 60
# Never stored, whatever the platform: beside these, a platform's own secret headers are left out.
HIDDEN_HEADERS = {"authorization", "cookie", "proxy-authorization"}
MAX_HEADER_CHARS = 500
DEDUPE_KEY_CHARS = WebhookEvent._meta.get_field("dedupe_key").max_length
CANNOT_CHECK_SIGNATURE = "The portal cannot check this delivery's signature just now; send it again."
HEADER_WITHHELD = "(not kept: the stored credentials could not be read to check it holds no secret)"
# Wrong secrets and signatures, counted per address: past the limit a failure is 429, not 401.
WRONG_SECRETS = Limit("webhook", "WEBHOOK_FAILURE_LIMIT", "WEBHOOK_FAILURE_WINDOW_SECONDS")


@dataclass(frozen=True)
class Receipt:
    status: int
    body: dict


class Refused(Exception):
    """The request is answered with `status` and `reason` (and Retry-After, if set); nothing was stored."""

    def __init__(self, status: int, reason: str, retry_after: int | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


# -- receiving -------------------------------------------------------------------------------------


# Per process: webhook id -> (until when, the connection with its credentials), so a busy
# store's events skip the lookup and the decryption. A change made in another process (a
# rotated secret, a disconnect) is seen within WEBHOOK_LOOKUP_SECONDS; this process's
# own changes at once (`forget`). Unknown ids are never remembered.
_remembered: dict[str, tuple[float, Connection]] = {}
MAX_REMEMBERED = 5000


def connection_for(platform: str, webhook_id) -> Connection:
    """The live connection of a platform's webhook URL; 404 for any other (disconnected, another platform's)."""
    key, now = f"{platform}/{webhook_id}", time.monotonic()
    hit = _remembered.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    # webhook_id is unique: no ordering (first() would sort by the merchant's name, joining it).
    found = (
        Connection.objects.select_related("credential")
        .exclude(status=Connection.Status.DISCONNECTED)
        .filter(webhook_id=webhook_id, platform=platform)
        .order_by()[:1]
    )
    connection = found[0] if found else None
    if connection is None or connection.adapter.deliveries is None:
        _remembered.pop(key, None)
        raise Refused(404, "No such webhook.")
    if settings.WEBHOOK_LOOKUP_SECONDS > 0:
        if len(_remembered) >= MAX_REMEMBERED:
            _remembered.clear()
        _remembered[key] = (now + settings.WEBHOOK_LOOKUP_SECONDS, connection)
    return connection


def forget(connection: Connection) -> None:
    """This process looks the connection up again on its next event (its secret or state changed)."""
    _remembered.pop(f"{connection.platform}/{connection.webhook_id}", None)


def deliveries_of(connection: Connection) -> Deliveries:
    deliveries = connection.adapter.deliveries
    assert deliveries is not None, "connection_for admits only platforms with webhooks"
    return deliveries


def _accepted(connection: Connection, values: dict[str, str], now=None) -> list[str]:
    """Of `values` (the credentials, or their digests), the webhook secret's, and for a while after a
    rotation the previous one's."""
    field, previous = deliveries_of(connection).secret_fields
    accepted = [values.get(field) or ""]
    until = connection.previous_webhook_secret_until
    if until and until > (now or timezone.now()):
        accepted.append(values.get(previous) or "")
    return [value for value in accepted if value]


def accepted_secrets(connection: Connection, now=None) -> list[str]:
    """The connection's webhook secret, and for a while after a rotation the previous one (decrypted)."""
    return _accepted(connection, connection.stored_credentials(), now)


def accepted_digests(connection: Connection, now=None) -> list[str]:
    """The digests of the accepted secrets, where the scheme checks digests and they are stored
    (a credential saved before they existed, and FERNET_KEYS could not decrypt then, has none)."""
    if not deliveries_of(connection).authentication.checks_digests:
        return []
    return _accepted(connection, connection.stored_digests(), now)


def authenticate(connection: Connection, headers, body: bytes, now=None, address: str | None = None) -> None:
    """The platform's scheme (a secret in a header, a signature of the body) with an accepted secret; 401 if not.

    Against the secrets' digests where the scheme allows (nothing decrypted); else with the secrets
    themselves, and 503 when FERNET_KEYS cannot decrypt them. A failure is counted against the
    request's `address` (if given): past WEBHOOK_FAILURE_LIMIT in the window it is 429 with the
    seconds left. Only failures are counted or limited, and only after the check: a correctly
    signed delivery passes whatever its address did.
    """
    scheme = deliveries_of(connection).authentication
    try:
        if digests := accepted_digests(connection, now):
            scheme.verify_digests(headers, digests)
        else:
            scheme.verify(headers, body, accepted_secrets(connection, now))
    except Unauthenticated as exc:
        wait = WRONG_SECRETS.record_failure(address) if address is not None else 0
        if wait:
            raise Refused(
                429,
                f"Too many wrong secrets or signatures came from your address. {exc} Try again in {wait} seconds.",
                retry_after=wait,
            ) from None
        raise Refused(401, str(exc)) from None
    except CredentialsUnreadable:
        health.log_unreadable(connection, "a webhook delivery, answered 503")
        raise Refused(503, CANNOT_CHECK_SIGNATURE) from None


def authenticates_before_body(connection: Connection) -> bool:
    """Whether the request is authenticated before its body is read (nothing of the body is needed)."""
    return not deliveries_of(connection).authentication.needs_body


def read_body(stream, meta: dict, limit: int) -> bytes:
    """At most `limit` bytes of the body; 413 above it, 400 for an unreadable length.

    A chunked request has no Content-Length: where the server ends the input at the body's
    end (gunicorn sets `wsgi.input_terminated`), it is read to there, up to the limit.
    """
    if not meta.get("CONTENT_LENGTH") and meta.get("wsgi.input_terminated"):
        return _checked(_read_stream(meta["wsgi.input"], limit + 1), limit)
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "The Content-Length header is not a number.") from None
    if length > limit:
        raise Refused(413, f"The body is larger than {limit} bytes.")
    body = _read_stream(stream, length) if length > 0 else b""
    if len(body) < length:
        raise Refused(400, "The body is shorter than its Content-Length.")
    return _checked(body, limit)


def _read_stream(stream, size: int) -> bytes:
    try:
        return stream.read(size)
    except OSError:
        raise Refused(400, "The body could not be read to its end.") from None


def _checked(body: bytes, limit: int) -> bytes:
    if len(body) > limit:
        raise Refused(413, f"The body is larger than {limit} bytes.")
    if not body:
        raise Refused(400, "The body is empty.")
    return body


def parse(body: bytes):
    """The event's JSON with any NUL taken out of its text, as ingest does for every order
    (`orders.ingest.without_nul`): the event's order id, status and dedupe key are then those
    of the order ingest writes. 400 if it is not JSON."""
    try:
        return orjson.loads(without_nul(body))
    except orjson.JSONDecodeError as exc:
        if "depth limit exceeded" in str(exc):  # orjson reads no deeper than webhook_limits.PARSED_DEPTH
            raise Refused(400, webhook_limits.too_deep_to_parse()) from None
        raise Refused(400, "The body is not valid JSON.") from None


def receive(connection: Connection, body: bytes, meta: dict, remote_addr: str | None, headers=None) -> Receipt:
    """Parse and store one authenticated event; a drain is asked for once it is committed."""
    payload = parse(body)
    if beyond := webhook_limits.beyond(payload):
        raise Refused(400, beyond)
    headers = headers if headers is not None else HttpHeaders(meta)
    deliveries = deliveries_of(connection)
    try:
        delivery = deliveries.read(payload, headers, body)
        order_ids = [delivery.order_id, *_applied_order_id(deliveries, payload, delivery)]
    except UnreadableRecord as exc:
        raise Refused(400, f"Not an order: {exc}.") from None
    if beyond := webhook_limits.order_id_beyond(order_ids):
        raise Refused(400, beyond)
    state = WebhookEvent.State.NOT_APPLIED if delivery.not_applied else WebhookEvent.State.RECEIVED
    keys = [stored_key(key) for key in delivery.dedupe_keys]
    values = {
        "connection_id": connection.pk,
        "remote_addr": remote_addr or None,
        "headers": _kept_headers(meta, connection),
        "body": body.decode("utf-8", "replace").replace("\x00", "\ufffd"),
        "dedupe_key": keys[0],
        "alt_dedupe_key": keys[1] if len(keys) > 1 else "",
        "order_external_id": delivery.order_id[:100],
        "event_status": delivery.event[:50],
        "event_updated_at": delivery.event_time,
        "state": state,
        "outcome": delivery.not_applied,
        "processed_at": timezone.now() if delivery.not_applied else None,
    }
    to_apply = state == WebhookEvent.State.RECEIVED
    stored = webhook_inbox.store(values, connection.pk, flag=to_apply)
    if to_apply and (stored.event_id is not None or stored.retried):
        try:
            _after_store(connection.pk, stored)
        except Exception:  # the event is stored, so still 202: the minute tick drains what no task was queued for
            log.exception(
                "Webhook event %s of connection %s is stored but no drain could be asked for",
                stored.event_id,
                connection.pk,
            )
    if stored.event_id is None:
        same = Q(dedupe_key=keys[0]) | Q(alt_dedupe_key=keys[1]) if len(keys) > 1 else Q(dedupe_key=keys[0])
        WebhookEvent.objects.filter(same, connection=connection).update(duplicates=F("duplicates") + 1)
        return Receipt(200, {"status": "duplicate", "detail": "Already received; nothing changed."})
    return Receipt(202, {"status": "accepted", "event": stored.event_id})


def _after_store(connection_id: int, stored: webhook_inbox.Stored) -> None:
    """Queue the drain the stored event needs, once it is committed.

    Where the store set the drain flag with the event (PostgreSQL), queue the drain; where it
    could not (SQLite), ask as usual. After a retried store (a dead connection replaced), the
    first try may have committed the event and the flag without this request knowing: ask anew.
    """
    if stored.retried:
        _ask_anew(connection_id)
    elif not stored.flagged:
        ask_for_drain(connection_id)
    elif stored.drain_asked:
        _queue_or_clear(connection_id)


def stored_key(key: str) -> str:
    """A dedupe key as its column holds it: whole where it fits, else its SHA-256. Cut to fit, two
    deliveries named alike up to the cut would be one, and the second dropped as its duplicate."""
    if len(key) <= DEDUPE_KEY_CHARS:
        return key
    return "sha256-of-key:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _applied_order_id(deliveries: Deliveries, payload, delivery: Delivery) -> list[str]:
    """The id ingest will write the order under, from the record the drain will apply (none for an
    event not to be applied); UnreadableRecord where the drain could not make one."""
    if delivery.not_applied:
        return []
    try:
        return [deliveries.record(payload).external_id]
    except UnknownStatus:  # the drain keeps it, not applied
        return []


def _kept_headers(meta: dict, connection: Connection) -> dict[str, str]:
    """The request's headers less the secret: never a header that carries it, nor any copy of a secret
    value (a credential declared secret, or one the platform keeps beside them); an account's name
    or id (a store's domain) is no secret and is kept."""
    hidden, public = _hidden_meta_keys(connection.platform), _public_credentials(connection.platform)
    try:
        stored = connection.stored_credentials()
    except CredentialsUnreadable:
        stored = None  # FERNET_KEYS cannot decrypt them (the drain reports it): keep no value
    secrets = [value for name, value in (stored or {}).items() if value and len(value) >= 8 and name not in public]
    kept = {}
    for key, value in meta.items():
        if not (key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")) or key in hidden:
            continue
        text = str(value)[:MAX_HEADER_CHARS].replace("\x00", "")  # PostgreSQL's jsonb refuses NUL
        if stored is None:
            text = HEADER_WITHHELD
        elif any(secret in text for secret in secrets):
            text = "(hidden: it holds a secret)"
        kept[key.removeprefix("HTTP_").replace("_", "-").title()] = text
    return kept


@functools.cache
def _hidden_meta_keys(platform: str) -> frozenset[str]:
    """The request META names of the headers never kept: the usual secret carriers, and the one
    the platform's authentication reads its secret from."""
    names = HIDDEN_HEADERS | registry.get(platform).deliveries.authentication.secret_headers
    return frozenset(f"HTTP_{name.upper().replace('-', '_')}" for name in names)


@functools.cache
def _public_credentials(platform: str) -> frozenset[str]:
    """The credentials the platform declares no secret (a store's domain, a client ID)."""
    return frozenset(field.name for field in registry.get(platform).credential_fields if not field.secret)


# -- draining ----------------------------------------------------------------------------------------


def _mark_drain_asked(connection_id: int) -> bool:
    """Whether this caller is the one to queue the drain (nobody asked since the last one started)."""
    return bool(
        Connection.objects.filter(pk=connection_id, webhook_drain_asked_at__isnull=True).update(
            webhook_drain_asked_at=timezone.now()
        )
    )


def queue_drain(connection_id: int) -> None:
    queueing.push("connections.webhooks.drain", connection_id, name=f"webhooks-{connection_id}")


def ask_for_drain(connection_id: int) -> None:
    """Queue a drain unless one is already asked for and not yet started.

    Called once the event is committed. A flag still set then belongs to a drain that has
    not started: it clears the flag before it reads, so it will read this event too. Read
    first and write only when clear, so that requests mostly only read the connection's row.
    """
    pending = _drain_pending(connection_id)
    if not pending and _mark_drain_asked(connection_id):
        _queue_or_clear(connection_id)


def _queue_or_clear(connection_id: int) -> None:
    """Queue the drain this caller marked as asked; if it cannot be, clear the mark again."""
    try:
        queue_drain(connection_id)
    except Exception:
        # The broker is down: let the next event (or the tick) ask again rather than wait on a flag.
        Connection.objects.filter(pk=connection_id).update(webhook_drain_asked_at=None)
        raise


def _ask_anew(connection_id: int) -> None:
    """Queue a drain even if one is marked as asked for (it may be lost, or be the caller)."""
    Connection.objects.filter(pk=connection_id).update(webhook_drain_asked_at=None)
    ask_for_drain(connection_id)


def _drain_pending(connection_id: int) -> bool:
    """Whether the drain flag is set: read once per event, so by SQL written once, not a query the ORM builds."""
    db = connections[router.db_for_read(Connection)]
    with db.cursor() as cursor:
        cursor.execute(_drain_flag_statement(db.alias), [connection_id])
        return cursor.fetchone() is not None


@functools.cache
def _drain_flag_statement(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    flag = quote(Connection._meta.get_field("webhook_drain_asked_at").column)
    return f"SELECT 1 FROM {quote(Connection._meta.db_table)} WHERE {quote('id')} = %s AND {flag} IS NOT NULL"  # noqa: S608 (names from the model)


def drain(connection_id: int, *, gather: float | None = None) -> int:
    """Apply every received event of a live connection; returns how many were handled.

    While events keep arriving, it waits `gather` seconds (WEBHOOK_GATHER_SECONDS)
    between batches, so a busy store's events are applied some at a time rather than one by
    one: a batch's fixed cost (claiming, reading the orders, marking the events) was most of
    the worker's time (bench/webhook.py). The first batch is taken at once. After
    DRAIN_MAX_SECONDS it asks for another drain and ends, so no drain holds a worker for long.
    """
    # Before reading: an event stored from now on asks for another drain.
    Connection.objects.filter(pk=connection_id).update(webhook_drain_asked_at=None)
    # With its credentials (the import policy reads them), unordered (first() would join the merchant).
    found = Connection.objects.live().select_related("credential").filter(pk=connection_id).order_by()[:1]
    connection = found[0] if found else None
    if connection is None:
        return 0  # paused or gone: the events wait, and the tick drains them on resume
    try:
        policy = ImportPolicy.for_connection(connection)
    except CredentialsUnreadable:
        # The events wait as received, applied once the key is back. The flag stays set, so events
        # arriving meanwhile queue no drain that would fail the same way; the tick asks again each minute.
        Connection.objects.filter(pk=connection_id).update(webhook_drain_asked_at=timezone.now())
        health.credentials_unreadable(connection, "draining its webhook events")
        return 0
    if gather is None:
        gather = settings.WEBHOOK_GATHER_SECONDS
    until = time.monotonic() + DRAIN_MAX_SECONDS
    handled = 0
    while batch := _claim(connection_id):
        _apply(connection, batch, policy)
        handled += len(batch)
        wait = gather if len(batch) < BATCH else 0
        if time.monotonic() + wait > until:
            _ask_anew(connection_id)
            break
        if wait > 0:
            time.sleep(wait)
    return handled


def drain_due() -> int:
    """The tick's part: take back events a dead worker held, drain what waits too long.

    Two looks at the whole table, whatever the number of connections: each is a range of a
    partial index that holds only the events not yet applied (`webhookevent_claimed_stale`,
    `webhookevent_received_wait`), so it reads what waits, not every connection's events.
    """
    stale = timezone.now() - timedelta(seconds=STALE_SECONDS)
    WebhookEvent.objects.filter(state=WebhookEvent.State.PROCESSING, claimed_at__lt=stale).update(
        state=WebhookEvent.State.RECEIVED, claim=None
    )
    waiting = WebhookEvent.objects.filter(state=WebhookEvent.State.RECEIVED, received_at__lt=stale)
    due = Connection.objects.live().filter(
        platform__in=registry.webhook_platforms(), pk__in=waiting.values("connection_id")
    )
    drained = 0
    for connection_id in due.order_by("pk").values_list("pk", flat=True):
        _ask_anew(connection_id)
        drained += 1
    return drained


@dataclass(frozen=True)
class Reprocessed:
    """What a reprocess did, in the words staff read (admin message, command output)."""

    applied: int
    failed: int
    waiting: int  # put back but not applied: their connection is paused or disconnected

    @property
    def total(self) -> int:
        return self.applied + self.failed + self.waiting

    def __str__(self) -> str:
        text = f"Reprocessed {self.total} event(s): {self.applied} applied, {self.failed} still failed"
        if self.waiting:
            text += f", {self.waiting} waiting until their connection is resumed"
        return text + "."


def reprocess(events) -> Reprocessed:
    """Staff: put failed (or any) events back to be applied, and apply them now.

    An event of a paused or disconnected connection is put back but waits: the drain applies
    nothing there, and the resumed connection's drain takes it."""
    events = list(events.exclude(state=WebhookEvent.State.PROCESSING))
    ids = [e.pk for e in events]
    WebhookEvent.objects.filter(pk__in=ids).update(state=WebhookEvent.State.RECEIVED, claim=None, error="", outcome="")
    for connection_id in {e.connection_id for e in events}:
        drain(connection_id, gather=0)  # staff wait for the answer
    states = Counter(WebhookEvent.objects.filter(pk__in=ids).values_list("state", flat=True))
    failed = states[WebhookEvent.State.FAILED]
    waiting = states[WebhookEvent.State.RECEIVED] + states[WebhookEvent.State.PROCESSING]
    return Reprocessed(applied=len(ids) - failed - waiting, failed=failed, waiting=waiting)


def _claim(connection_id: int) -> list[WebhookEvent]:
    ids = list(
        WebhookEvent.objects.filter(connection_id=connection_id, state=WebhookEvent.State.RECEIVED)
        .order_by("event_updated_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    if not ids:
        return []
    claim = uuid.uuid4()
    WebhookEvent.objects.filter(pk__in=ids, state=WebhookEvent.State.RECEIVED).update(
        state=WebhookEvent.State.PROCESSING, claim=claim, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    return list(WebhookEvent.objects.filter(pk__in=ids, claim=claim))


def _apply(connection: Connection, events: list[WebhookEvent], policy: ImportPolicy) -> None:
    """Ingest a batch in one transaction with the events' new state; on failure, one by one.

    The events are read and normalised before the transaction: SQLite's write lock, which
    every webhook request needs for its INSERT (and, on PostgreSQL, the connection's ingest
    lock), is then held only while the batch is written.
    """
    try:
        records, by_order = _read(connection, events)
        with transaction.atomic():
            result = ingest_page(connection, records, policy=policy)
            accept_new_orders(connection, result)
            _mark_applied(by_order, result)
            _save_outcomes(events, timezone.now())
    except Exception as exc:
        if len(events) > 1:
            for event in events:
                _apply(connection, [event], policy)
            return
        log.exception("Webhook event %s of connection %s failed", events[0].pk, connection.pk)
        WebhookEvent.objects.filter(pk=events[0].pk, claim=events[0].claim).update(
            state=WebhookEvent.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], processed_at=timezone.now()
        )


def _read(connection: Connection, events: list[WebhookEvent]) -> tuple[list, dict[str, list[WebhookEvent]]]:
    """The events' order records, normalised (a record ingest cannot read stays for ingest to
    report), and the events of each order; an event in a status we do not know is marked
    not applied."""
    deliveries = deliveries_of(connection)
    records, by_order = [], defaultdict(list)
    for event in events:
        try:
            record = deliveries.record(parse(event.body.encode()))
        except UnknownStatus as exc:
            event.state, event.outcome, event.error = WebhookEvent.State.NOT_APPLIED, str(exc), ""
            continue
        with contextlib.suppress(UnreadableRecord):
            record.order()  # kept by the record for ingest
        records.append(record)
        by_order[record.external_id].append(event)
    return records, by_order


def _mark_applied(by_order: dict[str, list[WebhookEvent]], result) -> None:
    """Each order's latest event says what ingest did with it; the others were superseded by it."""
    for external_id, order_events in by_order.items():
        latest = max(order_events, key=lambda e: (e.event_updated_at is not None, e.event_updated_at, e.pk))
        for event in order_events:
            event.state, event.error = WebhookEvent.State.PROCESSED, ""
            if event is latest:
                event.outcome = _words(result.outcomes.get(external_id, "unchanged"))
            else:
                event.outcome = "Superseded by a newer event for the same order, applied with it."


def _save_outcomes(events: list[WebhookEvent], now) -> None:
    """One UPDATE per distinct outcome (a handful per batch), not bulk_update's CASE per row."""
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for event in events:
        groups[(event.state, event.outcome, event.error)].append(event.pk)
    for (state, outcome, error), pks in groups.items():
        WebhookEvent.objects.filter(pk__in=pks).update(state=state, outcome=outcome, error=error, processed_at=now)


def _words(outcome: str) -> str:
    return {
        "created": "Created the order.",
        "updated": "Updated the order.",
        "unchanged": "The order already looked like this; nothing changed.",
        UP_TO_DATE: f"Not applied: {OLDER_THAN_HELD}; the order is already up to date.",
    }.get(outcome, f"Not applied: {outcome.removeprefix('skipped: ')}.")
