"""The one path by which orders enter the database, whatever brought them.

`ingest_page` upserts a page of orders for one connection in a constant number of
queries, whatever the page size: lock the connection, read the stored fingerprints,
one upsert for new and changed orders, one delete and one insert for their items,
one insert for their timeline events. An order is unique per (connection, external
id); an unchanged order is recognised by the fingerprint of the platform's document
and costs neither normalizing nor writing; an order older than the copy we hold
never overwrites it (that order is up to date, and counted as unchanged, not skipped),
nor, when we hold none, creates it if a newer copy was seen and not imported
(`SkippedOrder` remembers it: one more query for a page of orders we do not hold).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NamedTuple

import orjson
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from connections.models import Connection
from connections.platforms.base import InvalidRecord, NormalizedOrder, OrderRecord, OrderStatus, UnreadableRecord

from .models import Order, OrderEvent, OrderItem, SkippedOrder

MAX_EXAMPLES = 10
ORDER_FIELDS_FROM_PLATFORM = (
    "number",
    "status",
    "platform_status",
    "customer_name",
    "customer_email",
    "customer_phone",
    "shipping_address",
    "currency",
    "subtotal",
    "shipping_total",
    "discount_total",
    "total",
    "placed_at",
    "platform_updated_at",
    "notes",
    "flags",
    "raw",
    "content_hash",
    "items_hash",
    "updated_at",
)


@dataclass(frozen=True)
class ImportPolicy:
    """Which orders a connection wants, decided only when an order is first seen."""

    statuses: frozenset[str] = frozenset()  # platform states; empty means all
    import_from: date | None = None

    @classmethod
    def for_connection(cls, connection: Connection) -> ImportPolicy:
        chosen = frozenset(connection.import_statuses or ())
        statuses = connection.adapter.import_statuses_for(connection.stored_credentials(), chosen)
        return cls(statuses=statuses, import_from=connection.import_from)

    def skip_reason(self, order: NormalizedOrder) -> str:
        if self.statuses and order.platform_status not in self.statuses:
            return f"status \u201c{order.platform_status or 'none'}\u201d is not selected for import"
        if self.import_from and order.placed_at and order.placed_at.astimezone(UTC).date() < self.import_from:
            return f"placed before the import-from date ({self.import_from:%d %b %Y})"
        return ""


# The order of canonical statuses along an order's life: an event that would move an order
# back along it, with no newer time to show for it, is not applied.
LIFECYCLE = {
    OrderStatus.DRAFT: 0,
    OrderStatus.PENDING: 1,
    OrderStatus.ACCEPTED: 2,
    OrderStatus.READY: 3,
    OrderStatus.SHIPPED: 4,
    OrderStatus.DELIVERED: 5,
}
OLDER_THAN_HELD = "older than the copy already imported"
# The outcome of a copy older than the one held: the order is up to date, nothing was lost.
UP_TO_DATE = f"unchanged: {OLDER_THAN_HELD}"
OLDER_THAN_SKIPPED = "older than a newer copy that was not imported"
CANCELLED_HELD = "the order is cancelled; later changes are not applied"
BACKWARDS = "would move the order back to an earlier status"


@dataclass
class IngestResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    # {"reason": {"count": n, "examples": [order numbers]}}
    skipped_reasons: dict[str, dict] = field(default_factory=dict)
    created_pending_ids: list[int] = field(default_factory=list)
    # What happened to each order: "created", "updated", "unchanged", UP_TO_DATE or "skipped: <reason>".
    outcomes: dict[str, str] = field(default_factory=dict)
    # Orders we hold no copy of and did not import, with the copy's state when it told us one.
    not_imported: list[NotImported] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.created + self.updated + self.unchanged + self.skipped

    def up_to_date(self, external_id: str) -> None:
        """A copy older than the one held: the order is already up to date, so it is unchanged, not
        skipped (a run that found every order so is not a run that lost them)."""
        self.unchanged += 1
        self.outcomes[external_id] = UP_TO_DATE

    def skip(self, reason: str, reference: str, external_id: str = "", detail: str = "") -> None:
        """Counted under `reason`; the order's own outcome says `detail` when given (its times)."""
        self.skipped += 1
        add_skip(self.skipped_reasons, reason, reference)
        if external_id:
            self.outcomes[external_id] = f"skipped: {detail or reason}"


class NotImported(NamedTuple):
    """An order we hold no copy of, seen and not imported, and the state its copy showed."""

    external_id: str
    number: str
    reason: str
    platform_status: str = ""
    platform_updated_at: datetime | None = None
    # Refused as older than the copy remembered: that copy's state and reason stay.
    older: bool = False


class Remembered(NamedTuple):
    """The newest copy of an order not imported, as `SkippedOrder` keeps it."""

    platform_status: str
    platform_updated_at: datetime | None
    reason: str


def add_skip(reasons: dict[str, dict], reason: str, reference: str, count: int = 1) -> None:
    entry = reasons.setdefault(reason, {"count": 0, "examples": []})
    entry["count"] += count
    if reference and len(entry["examples"]) < MAX_EXAMPLES and reference not in entry["examples"]:
        entry["examples"].append(reference)


def merge_skips(into: dict[str, dict], other: dict[str, dict]) -> dict[str, dict]:
    for reason, entry in other.items():
        add_skip(into, reason, "", entry["count"])
        for example in entry["examples"]:
            add_skip(into, reason, example, 0)
    return into


NUL = b"\\u0000"


def without_nul(document: bytes) -> bytes:
    """A JSON document with every NUL character (`\\u0000`) taken out of its text: PostgreSQL
    refuses NUL in text and JSON. The one rule for every path an order comes by."""
    return document.replace(NUL, b"") if NUL in document else document


def _document(raw: dict) -> bytes:
    return orjson.dumps(raw, option=orjson.OPT_SORT_KEYS, default=str)


def fingerprint(raw: dict) -> str:
    """Hash of the platform's own document: equal hashes mean nothing changed."""
    return hashlib.sha256(_document(raw)).hexdigest()


def _without_nul(record: OrderRecord) -> tuple[OrderRecord, str]:
    """The record and its fingerprint, with any NUL character taken out of its text.

    PostgreSQL refuses NUL in text and JSON; one pasted into a gift message must not
    stop a whole page from being saved, on every retry. The fingerprint is the document's
    hash, or, for a record with a version, the version's: its shapes are one order.
    """
    document = _document(record.raw)
    if NUL in document:
        document = without_nul(document)
        record = record.with_raw(orjson.loads(document))
    if record.version:
        return record, "version:" + hashlib.sha256(record.version.encode()).hexdigest()[:56]
    return record, hashlib.sha256(document).hexdigest()


def ingest_page(
    connection: Connection,
    records: Sequence[OrderRecord | NormalizedOrder],
    invalid: Iterable[InvalidRecord] = (),
    policy: ImportPolicy | None = None,
) -> IngestResult:
    """Upsert one page of orders for `connection`; joins the caller's transaction if any."""
    policy = policy or ImportPolicy.for_connection(connection)
    result = IngestResult()
    for record in invalid:
        result.skip(f"invalid data: {record.reason}", record.reference)
        if record.external_id or record.reference:
            result.not_imported.append(
                NotImported(record.external_id or record.reference, record.reference, f"invalid data: {record.reason}")
            )
    latest = _latest_per_id([r if isinstance(r, OrderRecord) else OrderRecord.of(r) for r in records], result)
    if not latest:
        if result.not_imported:
            _remember_not_imported(connection, result.not_imported, timezone.now(), None)
        return result

    with transaction.atomic(savepoint=False):
        _serialise_ingests(connection)
        stored = {
            row[1]: row
            for row in Order.objects.filter(connection=connection, external_id__in=list(latest)).values_list(
                "pk", "external_id", "content_hash", "platform_updated_at", "status", "items_hash", "platform_status"
            )
        }
        remembered = _remembered(connection, [i for i in latest if i not in stored], result.not_imported)
        now = timezone.now()
        to_write: list[tuple[NormalizedOrder, str, tuple | None]] = []
        for external_id, record in latest.items():
            record, digest = _without_nul(record)
            row = stored.get(external_id)
            if row is not None and row[2] == digest:
                result.unchanged += 1
                result.outcomes[external_id] = "unchanged"
                continue
            try:
                order = record.order()
            except UnreadableRecord as exc:
                result.skip(f"invalid data: {exc}", external_id, external_id)
                if row is None:
                    result.not_imported.append(NotImported(external_id, external_id, f"invalid data: {exc}"))
                continue
            if (
                row is None
                and (newer := remembered.get(external_id))
                and _is_older(order.platform_updated_at, newer.platform_updated_at)
            ):
                # The platform has moved on from this copy: a newer one was seen and not
                # imported (a CANCELLED that came first), so this one must not create the order.
                result.skip(*_older_than_skipped(newer, order, external_id))
                result.not_imported.append(NotImported(external_id, order.number, "", older=True))
                continue
            reason = policy.skip_reason(order) if row is None else _not_applied(order, row[3], row[4])
            if reason == OLDER_THAN_HELD:
                result.up_to_date(external_id)
                continue
            if reason:
                result.skip(reason, order.number, external_id)
                if row is None:
                    result.not_imported.append(
                        NotImported(external_id, order.number, reason, order.platform_status, order.platform_updated_at)
                    )
                continue
            to_write.append((order, digest, row))
        if to_write:
            _write(connection, to_write, now, result)
        if result.not_imported:
            _remember_not_imported(connection, result.not_imported, now, remembered)
    return result


def _remembered(connection: Connection, new_ids: list[str], invalid: list[NotImported]) -> dict[str, Remembered]:
    """The newest copy not imported of each order we hold no copy of: one query per page, none
    when the page brings no order we do not hold (a busy store's updates)."""
    ids = {i[:100] for i in new_ids} | {n.external_id[:100] for n in invalid}
    if not ids:
        return {}
    return {
        external_id: Remembered(status, updated_at, reason)
        for external_id, status, updated_at, reason in SkippedOrder.objects.filter(
            connection=connection, external_id__in=list(ids)
        ).values_list("external_id", "platform_status", "platform_updated_at", "reason")
    }


def _older_than_skipped(newer: Remembered, order: NormalizedOrder, external_id: str) -> tuple[str, str, str, str]:
    """result.skip's arguments: counted by the newer copy's state, told with its time."""
    status = newer.platform_status or "unknown"
    reason = f"{OLDER_THAN_SKIPPED} ({status})"
    detail = f"{OLDER_THAN_SKIPPED} ({status} at {newer.platform_updated_at.astimezone(UTC):%d %b %Y %H:%M:%S} UTC)"
    return reason, order.number, external_id, detail


def _remember_not_imported(
    connection: Connection, skipped: list[NotImported], now, remembered: dict[str, Remembered] | None
) -> None:
    """One upsert per page: each order's latest reason, so "where is my order?" has an answer,
    and the newest copy's state and time, so that no older copy creates the order later.

    `remembered` is what the rows held, read under the ingest lock; None when it was not
    read (a page of only invalid records, which tell no state): the state is then left alone.
    """
    rows = {}
    for entry in skipped:
        external_id = entry.external_id[:100]
        held = remembered.get(external_id) if remembered else None
        status, updated_at, reason = entry.platform_status, entry.platform_updated_at, entry.reason
        if held is not None and (entry.older or not _is_newest(updated_at, held.platform_updated_at)):
            status, updated_at = held.platform_status, held.platform_updated_at
            if entry.older:
                reason = held.reason  # the newer copy's reason is still why the order is not here
        rows[external_id] = SkippedOrder(
            connection=connection,
            external_id=external_id,
            number=(entry.number or "")[:100],
            reason=reason[:300],
            platform_status=status[:50],
            platform_updated_at=updated_at,
            first_skipped_at=now,
            last_skipped_at=now,
        )
    fields = ["number", "reason", "last_skipped_at"]
    SkippedOrder.objects.bulk_create(
        list(rows.values()),
        update_conflicts=True,
        unique_fields=["connection", "external_id"],
        update_fields=fields if remembered is None else [*fields, "platform_status", "platform_updated_at"],
    )


def _is_newest(incoming: datetime | None, held: datetime | None) -> bool:
    """Whether a copy's time makes it the newest seen: a copy with no time never replaces one with a time."""
    return incoming is not None and (held is None or incoming >= held)


def _latest_per_id(records: Sequence[OrderRecord], result: IngestResult) -> dict[str, OrderRecord]:
    """A page may carry one order twice; keep the most recently updated copy.

    Only the duplicates are normalized, to compare their times.
    """
    latest: dict[str, OrderRecord] = {}
    for record in records:
        held = latest.get(record.external_id)
        if held is None:
            latest[record.external_id] = record
            continue
        try:
            newer = not _is_older(record.order().platform_updated_at, held.order().platform_updated_at)
        except UnreadableRecord as exc:
            result.skip(f"invalid data: {exc}", record.external_id)
            continue
        if newer:
            latest[record.external_id] = record
    return latest


def _is_older(incoming: datetime | None, held: datetime | None) -> bool:
    return incoming is not None and held is not None and incoming < held


def _serialise_ingests(connection: Connection) -> None:
    """One ingest of a connection at a time (sync, webhook drain, action refresh), until commit.

    On PostgreSQL a transaction-scoped advisory lock keyed by the connection's id, not a
    row lock on the connection: webhook requests write that row (the drain flag) and must
    not wait for a batch being ingested. SQLite's IMMEDIATE transactions already serialise
    every writer.
    """
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [connection.pk])


def _not_applied(order: NormalizedOrder, held_updated_at: datetime | None, held_status: str) -> str:
    """Why a newer copy of an order we hold must not overwrite it ('' when it may).

    Events arrive late and out of order (webhooks retried, a backfill reading an old
    page): an older copy never wins, nothing revives a cancelled order, and a copy with
    no newer time to show never moves the order back along its life.
    """
    if _is_older(order.platform_updated_at, held_updated_at):
        return OLDER_THAN_HELD
    if held_status == OrderStatus.CANCELLED and order.status != OrderStatus.CANCELLED:
        return CANCELLED_HELD
    newer = order.platform_updated_at is not None and (
        held_updated_at is None or order.platform_updated_at > held_updated_at
    )
    held_rank, rank = LIFECYCLE.get(OrderStatus(held_status or "unknown"), -1), LIFECYCLE.get(order.status, -1)
    if not newer and 0 <= rank < held_rank:
        return BACKWARDS
    return ""


def _write(connection: Connection, to_write, now, result: IngestResult) -> None:
    rows = [_order_row(connection, order, digest, now) for order, digest, _ in to_write]
    Order.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["connection", "external_id"],
        update_fields=list(ORDER_FIELDS_FROM_PLATFORM),
    )
    items, events, replaced_pks = [], [], []
    adapter = connection.adapter
    for (order, _, stored), row in zip(to_write, rows, strict=True):
        pk = stored[0] if stored is not None else row.pk
        # Items are written for a new order, and rewritten only when they changed.
        if stored is None or stored[5] != row.items_hash:
            items.extend(_item_rows(pk, order))
            if stored is not None:
                replaced_pks.append(pk)
        result.outcomes[order.external_id] = "created" if stored is None else "updated"
        if stored is None:
            result.created += 1
            events.append(
                OrderEvent(
                    order_id=pk,
                    kind=OrderEvent.Kind.IMPORTED,
                    at=now,
                    message=f"Imported from {adapter.short_name}: {adapter.state(order.platform_status).words}.",
                )
            )
            if order.status == OrderStatus.PENDING:
                result.created_pending_ids.append(pk)
        else:
            result.updated += 1
            events.append(_update_event(pk, stored, order, adapter, now))
    if replaced_pks:
        OrderItem.objects.filter(order_id__in=replaced_pks).delete()
    OrderItem.objects.bulk_create(items)
    OrderEvent.objects.bulk_create(events)


def _order_row(connection: Connection, order: NormalizedOrder, digest: str, now) -> Order:
    return Order(
        connection_id=connection.pk,
        merchant_id=connection.merchant_id,
        external_id=order.external_id,
        number=order.number[:100],
        status=order.status.value,
        platform_status=order.platform_status[:50],
        customer_name=order.customer_name[:200],
        customer_email=order.customer_email[:254],
        customer_phone=order.customer_phone[:50],
        shipping_address=order.shipping_address,
        currency=order.currency[:3],
        subtotal=order.subtotal,
        shipping_total=order.shipping_total,
        discount_total=order.discount_total,
        total=order.total,
        placed_at=order.placed_at,
        platform_updated_at=order.platform_updated_at,
        notes=[list(note) for note in order.notes],
        flags=order.flags,
        raw=order.raw,
        content_hash=digest,
        items_hash=_items_digest(order),
        first_seen_at=now,
        updated_at=now,
    )


def _items_digest(order: NormalizedOrder) -> str:
    """The normalized items as a hash, every field of them: equal means the stored items need no rewrite."""
    return hashlib.sha256(orjson.dumps(order.items, default=str)).hexdigest()


def _item_rows(order_pk: int, order: NormalizedOrder) -> list[OrderItem]:
    return [
        OrderItem(
            order_id=order_pk,
            position=position,
            external_id=item.external_id[:100],
            sku=item.sku[:100],
            barcode=item.barcode[:100],
            title=item.title[:500],
            quantity=item.quantity,
            unit_price=item.unit_price,
            total=item.total,
            options=[list(option) for option in item.options],
            image_url=item.image_url[:500],
        )
        for position, item in enumerate(order.items)
    ]


def _update_event(pk: int, stored: tuple, order: NormalizedOrder, adapter, now) -> OrderEvent:
    """The timeline's line for an order updated: its state before and after, in the platform's words."""
    old_status, old_state = stored[4], stored[6]
    if old_status != order.status.value or old_state != order.platform_status:
        before, after = adapter.state(old_state).words, adapter.state(order.platform_status).words
        return OrderEvent(
            order_id=pk,
            kind=OrderEvent.Kind.STATUS,
            at=now,
            message=f"Status changed on {adapter.short_name}: {before} \u2192 {after}.",
        )
    return OrderEvent(order_id=pk, kind=OrderEvent.Kind.UPDATED, at=now, message=f"Updated on {adapter.short_name}.")
