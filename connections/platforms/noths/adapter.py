"""Not On The High Street (NOTHS) seller API, v1.

Facts and their sources are in the shared `platforms/noths.md`. The points that shape
this module:

* The token rides in the query string of every request (`token=`), POSTs included,
  so the shared client scrubs it from every URL it logs or reports.
* Incremental sync reads `updated_at[from]/[to]` windows with offset paging, on NOTHS's
  own clock, never the portal's: a window starts at the newest `updated_at` the last one
  committed, less SYNC_OVERLAP_SECONDS (a window that saw no order keeps its start), and
  ends at NOTHS's "now" (the Date of its first answer, which is asked without an end)
  less SYNC_SETTLE_SECONDS. The end is then fixed, so the set of matching orders can only
  shrink while we page (an order updated meanwhile moves past the end). When the
  reported total shrinks, the next request steps back by as much, so no order slides
  past us unseen; re-reading a few is harmless because ingest upserts.
* The cursor after each page says where to resume, so a sync killed mid-way resumes
  from its last committed page. Cursors stored before (`since`, the portal's time) are
  read as NOTHS's time they stand for (`_newest_of_old`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings

from ..base import (
    DEFAULT_IMPORT_DAYS,
    OPEN_STATUSES,
    AcceptRequest,
    AccountFacts,
    ActionResult,
    CredentialField,
    InvalidRecord,
    OptionField,
    OrderPage,
    OrderRecord,
    PlatformContext,
    ReconcilePage,
    ShipmentRequest,
    first_help,
)
from ..clock import PlatformClock
from ..dates import business_days_from
from ..errors import PlatformError, TransientError
from ..http import PlatformClient
from ..parts import Acceptance, DispatchNotes, Reconciliation, Shipments
from ..platform import Platform
from ..values import utc_datetime
from . import readings, words
from .orders import STATE_MAP, normalize_order, total_count, unwrap

PAGE_SIZE_MAX = 250
LIST = "/api/v1/orders"


def client(ctx: PlatformContext) -> PlatformClient:
    """NOTHS takes its token in the query string of every request; the client scrubs it from every message."""
    token = ctx.credentials.get("token", "")
    return PlatformClient("NOTHS", ctx, secrets=[token], params={"token": token})


def current_state(client: PlatformClient, external_id: str) -> str:
    order = unwrap(client.get_json(f"/api/v1/orders/{_path_id(external_id)}", readings.ORDER))
    return str(order["state"])


class NothsAcceptance(Acceptance):
    """Accepting a placed order, with the estimated dispatch and delivery dates NOTHS asks for."""

    def request(self, options: dict[str, Any], today: date) -> AcceptRequest:
        dispatch = business_days_from(today, PLATFORM.option_value(options, "estimated_dispatch_days"))
        delivery = business_days_from(dispatch, PLATFORM.option_value(options, "estimated_delivery_days"))
        return AcceptRequest(estimated_dispatch_date=dispatch, estimated_delivery_date=delivery)

    def accept(self, ctx, external_id, request: AcceptRequest, *, retry=False) -> ActionResult:
        api = client(ctx)
        if retry:
            state = current_state(api, external_id)
            if state != "placed":
                if state in ("accepted", "dispatched"):
                    return ActionResult(f"NOTHS already shows the order as {state}.", already_done=True)
                raise PlatformError(f"NOTHS shows the order as {state}; it can no longer be accepted.")
        data = {
            "estimated_dispatch_at": request.estimated_dispatch_date.isoformat(),
            "estimated_delivery_date": request.estimated_delivery_date.isoformat(),
        }
        if request.note:
            data["confirmation_note"] = request.note
        api.post_form(f"/api/v1/orders/{_path_id(external_id)}/accept", data)
        return ActionResult(
            "NOTHS took the acceptance (estimated dispatch "
            f"{request.estimated_dispatch_date:%d %b}, delivery {request.estimated_delivery_date:%d %b}). "
            "NOTHS may take a moment to show it as accepted."
        )


class NothsShipments(Shipments):
    """Dispatching with a tracking number and URL; NOTHS has no carrier field."""

    field_help = {
        "carrier": "Kept here; NOTHS has no carrier field, so give a tracking URL.",
        "estimated_delivery_date": "Left blank, NOTHS is told the date the connection's \u201cEstimated delivery "
        "(working days after dispatch)\u201d gives.",
    }

    def offers(self, flags: dict[str, Any]) -> frozenset[str]:
        return frozenset({"resolve_enquiry"}) if flags.get("unresolved_enquiry") else frozenset()

    def push(self, ctx, external_id, shipment: ShipmentRequest, *, retry=False) -> ActionResult:
        api = client(ctx)
        if retry and current_state(api, external_id) == "dispatched":
            return ActionResult("NOTHS already shows the order as dispatched.", already_done=True)
        delivery = shipment.estimated_delivery_date or business_days_from(
            date.today(), PLATFORM.option_value(ctx.options, "estimated_delivery_days")
        )
        data: dict[str, Any] = {"estimated_delivery_date": delivery.isoformat()}
        if shipment.tracking_number:
            data["tracking_number"] = shipment.tracking_number
        if shipment.tracking_url:
            data["parcel_tracking_url"] = shipment.tracking_url
        if shipment.resolve_enquiry:
            data["resolve_enquiry"] = "true"
        api.post_form(f"/api/v1/orders/{_path_id(external_id)}/dispatch", data)
        tracking = f" with tracking {shipment.tracking_number}" if shipment.tracking_number else ""
        return ActionResult(f"NOTHS marked the order dispatched{tracking}.")


class NothsDispatchNotes(DispatchNotes):
    """The dispatch note PDF; NOTHS dispatches an order only once its note has been viewed."""

    flags_after = {"dispatch_note_viewed": True}

    def fetch(self, ctx, external_id) -> bytes:
        return client(ctx).get_bytes(f"/api/v1/orders/{_path_id(external_id)}/dispatch_note", readings.DISPATCH_NOTE)


OPEN_STATES = ",".join(state for state, status in STATE_MAP.items() if status in OPEN_STATUSES)
CLOSED_STATES = ",".join(state for state, status in STATE_MAP.items() if status not in OPEN_STATUSES)


class NothsReconciliation(Reconciliation):
    """NOTHS lists by state and by `updated_at`, and by ids: every open order (placed, accepted),
    then the closed ones updated since the reconciliation's days (every order placed since then
    among them), in windows that end when the pass starts, so they only shrink while we page, as
    the sync's do; then the open orders the portal holds that neither brought, by `ids`, a page at
    a time. An enquiry does not move `updated_at` (platforms/noths.md §2.1), so only this sees it."""

    @property
    def batch(self) -> int:
        return NothsPlatform.page_size()

    def listing(self, ctx, held, cursor):
        api = client(ctx)
        if cursor is None:
            end = _iso(ctx.clock.now() - timedelta(seconds=settings.SYNC_SETTLE_SECONDS))
            cursor = {"states": OPEN_STATES, "window": _window(None, end), "since": _iso(held.since)}
        if cursor["states"] == OPEN_STATES:
            for orders, invalid, _, after in _window_pages(api, {"state": OPEN_STATES}, cursor["window"]):
                if after is None:
                    cursor = {
                        **cursor,
                        "states": CLOSED_STATES,
                        "window": _window(cursor["since"], cursor["window"]["to"]),
                    }
                    after_page = cursor
                else:
                    after_page = {**cursor, "window": after}
                yield ReconcilePage(records=orders, invalid=invalid, cursor=after_page)
        for orders, invalid, _, after in _window_pages(api, {"state": CLOSED_STATES}, cursor["window"]):
            yield ReconcilePage(
                records=orders, invalid=invalid, cursor=None if after is None else {**cursor, "window": after}
            )

    def read(self, ctx, external_ids):
        wanted = [i for i in external_ids if str(i).isdigit()]
        orders, invalid = [], []
        if wanted:
            params = {"ids": ",".join(wanted), "per_page": len(wanted)}
            body = client(ctx).get_json(LIST, readings.BY_ID, params)
            orders, invalid = _records(body)
        found = {r.external_id for r in orders}
        gone = [i for i in external_ids if i not in found]
        return ReconcilePage(records=orders, invalid=invalid, cursor=None, gone=gone)


class NothsPlatform(Platform):
    key = "noths"
    name = "Not On The High Street"
    short_name = "NOTHS"
    base_url_setting = "NOTHS_BASE_URL"
    credential_fields = (
        CredentialField(
            name="token",
            label="Consumer Key",
            secret=True,
            help_text=(
                "Your NOTHS API token. In your NOTHS admin go to Settings \u2192 API Tokens, click "
                "Generate Token and copy the Token column. Paste it exactly; spaces are removed."
            ),
        ),
    )
    name_help = (
        "Your NOTHS store shortcode: the first part of your NOTHS admin dashboard's address, "
        "also shown as \u201cshortcode\u201d on your NOTHS settings page."
    )
    states = words.STATES
    default_import_statuses = ("placed", "accepted")
    option_fields = (
        OptionField(
            "estimated_dispatch_days",
            "Estimated dispatch (working days after accepting)",
            1,
            0,
            30,
            "Sent to NOTHS when an order is accepted.",
        ),
        OptionField(
            "estimated_delivery_days",
            "Estimated delivery (working days after dispatch)",
            3,
            0,
            30,
            "Sent to NOTHS on acceptance and dispatch.",
        ),
    )
    acceptance = NothsAcceptance()
    shipments = NothsShipments()
    dispatch_notes = NothsDispatchNotes()
    reconciliation = NothsReconciliation()
    auth_help = (
        "NOTHS did not accept this token. In your NOTHS admin go to Settings \u2192 API Tokens, "
        "click Generate Token, and paste the new token into Consumer Key exactly, without spaces. "
        "Check that its Expired column says false."
    )

    # -- helpers ------------------------------------------------------------------
    @staticmethod
    def page_size() -> int:
        return max(1, min(PAGE_SIZE_MAX, settings.NOTHS_PAGE_SIZE))

    # -- verbs ----------------------------------------------------------------------
    def check(self, ctx: PlatformContext) -> AccountFacts:
        body = client(ctx).get_json(LIST, readings.COUNT, {"per_page": 0, "offset": 0})
        total = total_count(body)
        return AccountFacts(
            summary=f"NOTHS accepted the token; the account has {total} order{'s' if total != 1 else ''}.",
            details={"orders_total": total},
        )

    def fetch_orders(self, ctx: PlatformContext, cursor: dict[str, Any] | None) -> Iterator[OrderPage]:
        api = client(ctx)
        cursor = cursor or {}
        window = cursor.get("window") or self._new_window(api, ctx, cursor)
        while True:
            body = api.get_json(LIST, readings.LIST, _list_params(window, {}))
            moved_back = timedelta(0)
            if not window["to"]:
                window = _ended_by_noths(window, ctx.clock)
                moved_back = _moved_back(cursor, ctx.clock)
            total = total_count(body)
            orders, invalid = _records(body)
            records = body["data"]
            next_offset, window = _next_position(window, records, total)
            if moved_back:
                # NOTHS's clock was set back since the last pass: its changes since carry earlier times.
                # Read the window again from as much earlier, to the same end.
                start = _iso(utc_datetime(window["from"]) - moved_back)
                window = {"from": start, "to": window["to"], "offset": 0, "total": None, "newest": window["newest"]}
                next_offset = 0
            if next_offset is None:
                next_cursor = {"newest": _pass_newest(window, records, ctx.clock), "offset": _offset(ctx.clock)}
            else:
                if "newest" in window:
                    window["newest"] = _newest(window["newest"], records, window["to"])
                next_cursor = {"window": window}
            yield OrderPage(records=orders, invalid=invalid, cursor=next_cursor, total=total)
            if "window" not in next_cursor:
                return

    def fetch_order(self, ctx, external_id) -> OrderRecord:
        body = unwrap(client(ctx).get_json(f"/api/v1/orders/{_path_id(external_id)}", readings.ORDER))
        return OrderRecord(str(body.get("id") or external_id), body, normalize_order)

    def explain(self, error: Exception) -> str:
        if isinstance(error, PlatformError) and (help_text := first_help(words.REJECTION_HELP, error)):
            return help_text
        return super().explain(error)

    # -- internals ------------------------------------------------------------------
    def _new_window(self, api: PlatformClient, ctx: PlatformContext, cursor: dict[str, Any]) -> dict[str, Any]:
        """From the newest NOTHS time the last pass committed, less the overlap (the first: from the
        import-from date); its end is NOTHS's "now", set by the Date of the first answer."""
        newest = _committed_newest(api, ctx, cursor)
        if newest is not None:
            start = newest - timedelta(seconds=settings.SYNC_OVERLAP_SECONDS)
        else:
            first_day = ctx.import_from or (ctx.clock.now() - timedelta(days=DEFAULT_IMPORT_DAYS)).date()
            start = datetime.combine(first_day, time.min, tzinfo=UTC)
        held = _iso(newest) if newest is not None else None
        return {"from": _iso(start), "to": None, "offset": 0, "total": None, "newest": held}


def _committed_newest(api: PlatformClient, ctx: PlatformContext, cursor: dict[str, Any]) -> datetime | None:
    """The newest NOTHS `updated_at` the last pass committed (None: nothing yet, or a full fetch)."""
    if "newest" in cursor:
        return utc_datetime(cursor["newest"])
    if not cursor.get("since"):
        return None
    if ctx.clock.offset is None:
        # A cursor of before, and NOTHS's clock unknown: ask once.
        api.get_json(LIST, readings.COUNT, {"per_page": 0, "offset": 0})
    return _newest_of_old(cursor["since"], ctx.clock)


def _newest_of_old(since: str, clock: PlatformClock) -> datetime:
    """A window of before ended at `since`, the portal's time, which NOTHS compared with its own times:
    it read every change up to `since` where NOTHS's clock is ahead, and only up to NOTHS's own time
    then (`since` less how far NOTHS is behind) where it is behind."""
    return utc_datetime(since) + timedelta(seconds=min(0.0, clock.offset or 0.0))


def _moved_back(cursor: dict[str, Any], clock: PlatformClock) -> timedelta:
    """How far NOTHS's clock was set back since the last pass committed (its changes since then carry
    times before that pass's newest), when more than the overlap covers; else nothing."""
    before, now = cursor.get("offset"), clock.offset
    if before is None or now is None or before - now <= settings.SYNC_OVERLAP_SECONDS:
        return timedelta(0)
    return timedelta(seconds=before - now)


def _ended_by_noths(window: dict[str, Any], clock: PlatformClock) -> dict[str, Any]:
    """The window's end, fixed once its first answer came: NOTHS's "now" by that answer's Date (the
    portal's clock where NOTHS sends none), less the settle time."""
    end = clock.now() - timedelta(seconds=settings.SYNC_SETTLE_SECONDS)
    return {**window, "to": _iso(end)}


def _newest(held: str | None, records: list, end: str) -> str | None:
    """The newest `updated_at` among what was committed and this page, never past the window's end
    (an order read beyond it, by the open first request, is read again by the next window)."""
    times = [held] if held else []
    for record in records:
        try:
            moment = utc_datetime(record.get("updated_at")) if isinstance(record, dict) else None
        except ValueError:
            moment = None
        if moment is not None:
            times.append(_iso(min(moment, utc_datetime(end))))
    return max(times, key=utc_datetime) if times else None


def _pass_newest(window: dict[str, Any], records: list, clock: PlatformClock) -> str | None:
    """Where the next pass starts from once this window is done."""
    if "newest" not in window:  # a window of before, resumed: it read up to its end, the portal's time
        return _iso(_newest_of_old(window["to"], clock))
    newest = _newest(window["newest"], records, window["to"])
    if newest is not None and utc_datetime(newest) > utc_datetime(window["to"]):
        newest = window["to"]  # NOTHS's clock went back below it: start again from NOTHS's now
    return newest


def _offset(clock: PlatformClock) -> float | None:
    return round(clock.offset, 1) if clock.offset is not None else None


def _window(start: str | None, end: str) -> dict[str, Any]:
    """A window of `updated_at` (no start: from the beginning) before its first page."""
    return {"from": start, "to": end, "offset": 0, "total": None}


def _window_pages(
    api: PlatformClient, filters: dict[str, str], window: dict[str, Any]
) -> Iterator[tuple[list[OrderRecord], list[InvalidRecord], int, dict[str, Any] | None]]:
    """The orders of an `updated_at` window (and `filters`), oldest placed first, by offset:
    (orders, invalid records, the total, the window to resume from, None after its last page).

    The window's end is fixed, so its orders can only leave it while we page (`_next_position`)."""
    while True:
        body = api.get_json(LIST, readings.LIST, _list_params(window, filters))
        total = total_count(body)
        orders, invalid = _records(body)
        next_offset, window = _next_position(window, body["data"], total)
        yield orders, invalid, total, (None if next_offset is None else window)
        if next_offset is None:
            return


def _list_params(window: dict[str, Any], filters: dict[str, str]) -> dict[str, Any]:
    """One page of an `updated_at` window (either bound may be open) and `filters`, oldest placed first."""
    params = {
        **filters,
        "offset": window["offset"],
        "per_page": NothsPlatform.page_size(),
        "sort": "placed_at",
        "dir": "asc",
    }
    if window["from"]:
        params["updated_at[from]"] = window["from"]
    if window["to"]:
        params["updated_at[to]"] = window["to"]
    return params


def _records(body: dict[str, Any]) -> tuple[list[OrderRecord], list[InvalidRecord]]:
    """The orders of a list page (`readings.ORDER_INDEX`: `data` is a list of objects), and those without an id."""
    orders, invalid = [], []
    for record in body["data"]:
        if record.get("id") not in (None, ""):
            orders.append(OrderRecord(str(record["id"]), record, normalize_order))
        else:
            invalid.append(InvalidRecord(_reference(record), "unreadable NOTHS order: no id"))
    return orders, invalid


def _next_position(window: dict[str, Any], records: list, total: int) -> tuple[int | None, dict[str, Any]]:
    """Where to read next in a window (None when it is done), and the window to store.

    1. The window's end is fixed, so its orders can only leave it while we page. When
       the total shrank by n, up to n orders before our offset left and the rest moved
       up to n places left: step back n, so none slides past unseen.
    2. Orders placed in the same second have no defined order, and NOTHS may list them
       differently on each request. When a page starts with the second the previous
       page ended with, the two pages meet inside such a group: read again from the
       group's start, once, so no member is skipped.
    3. Otherwise, move on past the page.
    Reading an order twice is harmless: ingest recognises it.
    """
    offset = window["offset"]
    previous_total = window.get("total")
    shrunk = previous_total - total if previous_total is not None and total < previous_total else 0
    if not records and offset < total and not shrunk:
        raise TransientError(f"NOTHS reported {total} orders but sent an empty page at offset {offset}; will retry.")
    placed = [r.get("placed_at") if isinstance(r, dict) else None for r in records]
    tail_placed, tail_start = window.get("tail_placed"), window.get("tail_start")
    rereading = False
    if shrunk:
        next_offset = max(0, offset - shrunk)
    elif placed and not window.get("rereading") and tail_placed and placed[0] == tail_placed and tail_start < offset:
        next_offset, rereading = tail_start, True
    else:
        next_offset = offset + len(records)
    # The group of orders placed in this page's last second, and where it starts.
    group = 0
    while group < len(placed) and placed[-1 - group] == placed[-1]:
        group += 1
    whole_page = group == len(placed)  # a page-sized group cannot be read whole: move on
    window = {
        **window,
        "offset": next_offset,
        "total": total,
        "rereading": rereading,
        "tail_placed": None if (shrunk or rereading or whole_page or not placed) else placed[-1],
        "tail_start": None if (shrunk or rereading or whole_page or not placed) else offset + len(records) - group,
    }
    return (None if next_offset >= total else next_offset), window


# -- reading NOTHS orders --------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _reference(record: Any) -> str:
    if isinstance(record, dict):
        return str(record.get("number") or record.get("id") or "?")
    return "?"


def _path_id(external_id: str) -> str:
    if not str(external_id).isdigit():
        raise PlatformError(f"{external_id!r} is not a NOTHS order id.")
    return str(external_id)


PLATFORM = NothsPlatform()
