"""The foodpanda / Delivery Hero Partner API for shops (quick commerce).

Facts and their sources are in the shared `platforms/partner_api.md`. The points that
shape this module:

* One host per brand (foodpanda, foodora, ...), chosen in the credentials; every path
  starts with /v2. `Authorization: Bearer <token>` on every call. Two token models:
  a static Portal token (no expiry), or a client ID and secret from which two-hour
  tokens are fetched, cached encrypted (`partner_tokens`) and renewed before they
  expire or once on a 401.
* The platform blocks more than 60 requests a minute to a host: every request first
  takes a slot from the portal-wide budget (`PlatformContext.throttle`), and a 429
  blocks the host for everybody until its Retry-After.
* Orders arrive by webhook (the full order, no envelope; see `connections.webhooks`).
  `fetch_orders` is the backfill: each store's orders created in a window (at most 60 days
  back), paged, fed to the same ingest path. The windows and the 60 days are on the platform's
  clock (`PlatformContext.clock`), not the portal's. What a dropped webhook changed on an order
  created before that window is the reconciliation's (`PartnerReconciliation`).
* Pelican Picking is read only and pushes only READY_FOR_PICKUP and CANCELLED; Partner
  Picking updates an order with one PUT keyed by status (`partner_picking`).
* GET may spell statuses in lower case (`picked_up`): they are upper-cased here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from ..answers import Reading
from ..base import (
    DEFAULT_IMPORT_DAYS,
    AccountFacts,
    ActionResult,
    CredentialField,
    InvalidRecord,
    OrderPage,
    OrderRecord,
    OrderStatus,
    PlatformContext,
    ReconcilePage,
    Throttle,
    first_help,
)
from ..deliveries import typed_secret_problem
from ..errors import AuthError, PlatformError
from ..http import PlatformClient, parse_retry_after
from ..parts import OrderUpdates, Reconciliation, one_by_one
from ..platform import Platform
from ..tokens import token_or_client_problems
from ..values import utc_datetime
from . import picking, readings, tokens, words
from .orders import known_status, normalize_order, unknown_status_words
from .picking import OrderUpdate
from .picking_form import PickingForm
from .webhooks import PartnerDeliveries

NAME = "Partner API"
PELICAN, PARTNER_PICKING = picking.PELICAN, picking.PARTNER_PICKING
WINDOW_DAYS = 60  # the platform serves orders of the last 60 days only
WINDOW_SLACK = timedelta(minutes=10)  # stay clear of the 60-day edge
EDGE_MARGIN = timedelta(minutes=1)  # a start this close to the edge is moved up before the next request
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
# Statuses a Pelican store never sends first: its orders start at READY_FOR_PICKUP.
NOT_FIRST_FOR_PELICAN = frozenset({"RECEIVED", "ACCEPTED"})
UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
BRANDS = (
    ("foodpanda", "foodpanda"),
    ("foodora", "foodora"),
    ("yemeksepeti", "Yemeksepeti"),
    ("talabat", "talabat"),
    ("hungerstation", "HungerStation"),
    ("glovo", "Glovo"),
    ("pedidosya", "PedidosYa"),
    ("sandbox", "Sandbox (testing)"),
)


class PartnerOrderUpdates(OrderUpdates):
    """Partner Picking: item marks, ready for pickup or dispatched, or a cancellation, by one PUT."""

    template = "partner/picking.html"
    # An order ready for pickup is fulfilled: the platform's rider or ours takes it from there.
    closed_statuses = OrderUpdates.closed_statuses | {OrderStatus.READY}

    def refusal(self, credentials: dict[str, str]) -> str:
        return picking.read_only_words(credentials)

    def form(self, items, flags, data=None) -> PickingForm:
        fulfil = picking.fulfil_statuses(flags.get("transport_type", ""))
        return PickingForm(items, fulfil, data, marks=flags.get("picking") or {})

    def problem(self, flags, payload) -> str:
        return picking.transport_problem(flags.get("transport_type", ""), payload["status"])

    def label(self, payload) -> str:
        return picking.STATUS_LABELS.get(payload["status"], payload["status"])

    def send(self, ctx: PlatformContext, external_id: str, payload) -> ActionResult:
        update = OrderUpdate.of(payload)
        if read_only := picking.read_only_words(ctx.credentials):
            raise PlatformError(read_only)
        chain_id = ctx.credentials.get("chain_id", "")
        path = f"/v2/chains/{chain_id}/orders/{_order_path(external_id)}"
        current = PLATFORM.call(ctx, lambda client: client.get_json(path, readings.ORDER))
        held = str(current.get("status", "")).upper()
        if update.status != picking.UPDATE_CART and held == update.status:
            # A retry whose first attempt arrived (its answer was lost): the PUT is not sent twice.
            shown = PLATFORM.state(held).words.lower()
            return ActionResult(f"The Partner API already shows the order as {shown}.", already_done=True)
        body = picking.request_body(current, update)
        PLATFORM.call(ctx, lambda client: client.request("PUT", path, json_body=body))
        return ActionResult(picking.done_words(update))


class PartnerReconciliation(Reconciliation):
    """The Partner API lists a store's orders by creation time only, and the sync reads each window
    once: an order whose status webhook the platform dropped is not read again by the sync. A
    reconciliation reads every store's orders created in the last RECONCILE_DAYS days (within the
    60 the platform serves), then each open order the portal holds from before them, one at a time;
    one older than the 60 days the platform no longer has (404) is gone.

    Its orders live for hours, not days: the connection's check runs every hour by default."""

    interval_minutes = 60

    def listing(self, ctx, held, cursor):
        now = ctx.clock.now()
        window = _resumed(cursor, now) or _window(held.since, now)
        for records, invalid, after in PLATFORM.window_pages(ctx, window):
            yield ReconcilePage(records=records, invalid=invalid, cursor=after)

    def read(self, ctx, external_ids):
        return one_by_one(lambda external_id: PLATFORM.fetch_order(ctx, external_id), external_ids)


class PartnerPlatform(Platform):
    key = "partner"
    name = "foodpanda / Delivery Hero Partner API"
    short_name = NAME
    base_url_setting = "PARTNER_BASE_URL"
    name_help = "A name you will recognise, for example the chain and the brand."
    credential_fields = (
        CredentialField(
            "api_host",
            "API host",
            secret=False,
            choices=BRANDS,
            help_text="The brand your stores sell on; Sandbox for testing.",
        ),
        CredentialField(
            "chain_id",
            "Chain ID",
            secret=False,
            help_text="The chain's UUID: in the address of Partner Portal \u2192 Shops Integrations, or from your "
            "Account Manager.",
        ),
        CredentialField(
            "vendor_ids",
            "Store (vendor) IDs",
            secret=False,
            help_text="The stores to import, separated by commas: the platform's store ids, or your own if you "
            "set a Vendor Identifier in Shop Integrations \u2192 Settings.",
        ),
        CredentialField(
            "picking_mode",
            "Picking mode",
            secret=False,
            choices=(
                (PARTNER_PICKING, "Partner Picking (we may update orders)"),
                (PELICAN, "Pelican (read only)"),
            ),
            help_text="Pelican: your staff pick in foodpanda's Pelican app; orders arrive when ready for pickup.",
        ),
        CredentialField(
            "token",
            "Bearer token",
            required=False,
            help_text="Partner Portal \u2192 Shops Integrations \u2192 generate a token. Tokens do not expire and are "
            "valid for every store of the chain. Leave blank if your chain uses a client ID and secret.",
        ),
        CredentialField(
            "client_id",
            "Client ID",
            secret=False,
            required=False,
            help_text="Newer chains only: from your Account Manager, with the client secret.",
        ),
        CredentialField("client_secret", "Client secret", required=False, help_text="With the client ID."),
        CredentialField(
            "webhook_secret",
            "Webhook secret",
            required=False,
            inner_spaces=True,
            help_text="Leave blank and the portal makes one and shows it once, to paste into the Portal's webhook "
            "settings; or type the secret you already use there.",
        ),
    )
    states = words.STATES
    default_import_statuses = ("RECEIVED", "ACCEPTED", "READY_FOR_PICKUP", "DISPATCHED", "PICKED_UP", "DELIVERED")
    deliveries = PartnerDeliveries()
    order_updates = PartnerOrderUpdates()
    reconciliation = PartnerReconciliation()
    auth_help = (
        "Check the API host, the Chain ID and the Bearer token (Partner Portal \u2192 Shops Integrations), or the "
        "client ID and secret."
    )

    # -- credentials ------------------------------------------------------------------------
    def default_base_url(self, credentials: dict[str, str]) -> str:
        if settings.PARTNER_BASE_URL:
            return settings.PARTNER_BASE_URL
        brand = credentials.get("api_host") or "foodpanda"
        return settings.PARTNER_BRAND_HOSTS.get(brand, settings.PARTNER_BRAND_HOSTS["foodpanda"])

    def has_complete_credentials(self, credentials: dict[str, str]) -> bool:
        return not self.credential_problems(credentials)

    def credential_problems(self, credentials: dict[str, str]) -> dict[str, str]:
        problems = {}
        chain_id = credentials.get("chain_id") or ""
        if not chain_id:
            problems["chain_id"] = "Enter the Chain ID."
        elif not UUID_PATTERN.match(chain_id):
            problems["chain_id"] = "A Chain ID looks like 3fa85f64-5717-4562-b3fc-2c963f66afa6."
        if not vendor_ids(credentials):
            problems["vendor_ids"] = "Enter at least one store (vendor) ID."
        problems |= token_or_client_problems(
            credentials, "token", "Enter the Bearer token, or the client ID and client secret."
        )
        if problem := typed_secret_problem(credentials.get("webhook_secret") or ""):
            problems["webhook_secret"] = f"{problem} Leave it blank and the portal makes one."
        return problems

    @property
    def requests_per_minute(self) -> int:
        return settings.PARTNER_REQUESTS_PER_MINUTE

    def secret_values(self, ctx: PlatformContext) -> list[str]:
        names = ("token", "client_secret", "webhook_secret", "previous_webhook_secret")
        return [ctx.credentials[n] for n in names if ctx.credentials.get(n)] + tokens.cached_values(ctx)

    def import_statuses_for(self, credentials: dict[str, str], chosen: frozenset[str]) -> frozenset[str]:
        """Pelican stores' orders are created on their first READY_FOR_PICKUP, never before."""
        chosen = chosen or frozenset(s for s, _ in self.statuses)
        if credentials.get("picking_mode") == PELICAN:
            return chosen - NOT_FIRST_FOR_PELICAN
        return chosen

    # -- clients -------------------------------------------------------------------------------
    def client(self, ctx: PlatformContext, *, fresh_token: bool = False) -> PlatformClient:
        session = ThrottledSession(ctx.throttle, _host(ctx.base_url))
        token = ctx.credentials.get("token") or tokens.access_token(
            ctx, self._token_client(ctx, session), renew=fresh_token
        )
        return PlatformClient(
            NAME,
            ctx,
            secrets=[*self.secret_values(ctx), token],
            headers={"Authorization": f"Bearer {token}"},
            session=session,
        )

    def _token_client(self, ctx: PlatformContext, session: requests.Session) -> PlatformClient:
        return PlatformClient(NAME, ctx, secrets=self.secret_values(ctx), session=session)

    def call(self, ctx: PlatformContext, action):
        """`action(client)`, once more with a new token when a two-hour token was refused."""
        try:
            return action(self.client(ctx))
        except AuthError:
            if ctx.credentials.get("token") or not ctx.credentials.get("client_id"):
                raise
            tokens.forget(ctx)
            return action(self.client(ctx, fresh_token=True))

    # -- verbs ------------------------------------------------------------------------------------
    def check(self, ctx: PlatformContext) -> AccountFacts:
        problems = self.credential_problems(ctx.credentials)
        if problems:
            raise PlatformError(" ".join(problems.values()))
        chain_id = ctx.credentials["chain_id"]
        vendors = vendor_ids(ctx.credentials)
        now = ctx.clock.now()
        params = {"start_time": _time(now - timedelta(days=1)), "end_time": _time(now), "page_size": 1, "page": 1}
        body = self.call(ctx, lambda client: self._list(client, chain_id, vendors[0], params, readings.STORE_CHECK))
        count = _total_count(body)
        mode = "Pelican, read only" if ctx.credentials.get("picking_mode") == PELICAN else "Partner Picking"
        recent = (
            f"; {count} order{'s' if count != 1 else ''} in the last day at {vendors[0]}" if count is not None else ""
        )
        return AccountFacts(
            summary=f"The Partner API accepted the token for chain {chain_id} ({mode}){recent}.",
            details={"stores": len(vendors)},
        )

    def fetch_orders(self, ctx: PlatformContext, cursor: dict[str, Any] | None) -> Iterator[OrderPage]:
        """Each store's orders created in the window, page by page; the cursor says where a pass stands."""
        window = _resume_or_new_window(ctx, cursor)
        for records, invalid, after in self.window_pages(ctx, window):
            yield OrderPage(records=records, cursor=after or {"last_until": window["until"]}, invalid=invalid)

    def window_pages(
        self, ctx: PlatformContext, window: dict[str, Any]
    ) -> Iterator[tuple[list[OrderRecord], list[InvalidRecord], dict[str, Any] | None]]:
        """Each store's orders created in the window, from where it stands: (orders, invalid records,
        the window to resume from once they are committed, None after the last page)."""
        chain_id = ctx.credentials.get("chain_id", "")
        vendors = vendor_ids(ctx.credentials)
        size = settings.PARTNER_PAGE_SIZE
        for index in range(window["vendor"], len(vendors)):
            page = window["page"] if index == window["vendor"] else 1
            while True:
                now = ctx.clock.now()  # the platform's, as its last answer dated it
                if utc_datetime(window["since"]) < now - timedelta(days=WINDOW_DAYS) + EDGE_MARGIN:
                    # A pass that outlived its slack: its start is leaving the 60 days, which the platform
                    # refuses. The oldest orders (read first) drop out, so re-read this store from page 1.
                    window, page = {**window, "since": _time(_sixty_day_floor(now))}, 1
                params = {"start_time": window["since"], "end_time": window["until"], "page_size": size, "page": page}
                body = self.call(ctx, lambda client, v=vendors[index], p=params: self._list(client, chain_id, v, p))
                orders, total_pages = _orders_and_pages(body, page, size)
                records, invalid = _records(orders)
                records = self._complete(ctx, chain_id, records)
                done_with_store = page >= total_pages or not orders
                if done_with_store and index == len(vendors) - 1:
                    after = None
                elif done_with_store:
                    after = {**window, "vendor": index + 1, "page": 1}
                else:
                    after = {**window, "vendor": index, "page": page + 1}
                yield records, invalid, after
                if done_with_store:
                    break
                page += 1

    def fetch_order(self, ctx: PlatformContext, external_id: str) -> OrderRecord:
        chain_id = ctx.credentials.get("chain_id", "")
        path = f"/v2/chains/{chain_id}/orders/{_order_path(external_id)}"
        body = self.call(ctx, lambda client: client.get_json(path, readings.ORDER))
        return OrderRecord(str(body["order_id"]), body, normalize_order)

    def explain(self, error: Exception) -> str:
        if isinstance(error, AuthError):
            return first_help(words.AUTH_HELP, error) or self.auth_help
        if isinstance(error, PlatformError):
            return picking.refusal_help(error)
        return super().explain(error)

    # -- internals ----------------------------------------------------------------------------------
    def _list(
        self,
        client: PlatformClient,
        chain_id: str,
        vendor_id: str,
        params: dict[str, Any],
        reading: Reading = readings.STORE_ORDERS,
    ) -> Any:
        """GET a store's orders. The docs show the path with and without /orders: try the other on a 404."""
        base = f"/v2/chains/{chain_id}/vendors/{_path_part(vendor_id)}"
        try:
            return client.get_json(f"{base}/orders", reading, params)
        except PlatformError as exc:
            if exc.status != 404:
                raise
        try:
            return client.get_json(base, reading, params)
        except PlatformError as exc:
            if exc.status == 404:
                raise PlatformError(
                    f"The Partner API does not know store {vendor_id} in chain {chain_id} (HTTP 404): check the "
                    "store (vendor) IDs.",
                    status=404,
                ) from None
            raise

    def _complete(self, ctx: PlatformContext, chain_id: str, records: list[OrderRecord]) -> list[OrderRecord]:
        """A list that gives ids only (one reading of the docs): GET each order whole."""
        return [r if r.raw.get("status") else self.fetch_order(ctx, r.external_id) for r in records]


class ThrottledSession(requests.Session):
    """Takes a slot from the host's budget before each request; a 429 blocks the host for everybody."""

    def __init__(self, throttle: Throttle | None, host: str):
        super().__init__()
        self.throttle = throttle
        self.host = host

    def request(self, method, url, *args, **kwargs):
        if self.throttle is not None:
            self.throttle.acquire(self.host)
        response = super().request(method, url, *args, **kwargs)
        if response.status_code == 429 and self.throttle is not None:
            self.throttle.back_off(self.host, parse_retry_after(response.headers.get("Retry-After")))
        return response


# -- windows and pages ---------------------------------------------------------------------------------


def _resume_or_new_window(ctx: PlatformContext, cursor: dict[str, Any] | None) -> dict[str, Any]:
    """The pass under way, or a new one: from the last pass's end (less an overlap), never before the
    import-from date or the platform's 60 days, to the platform's "now". Every bound is on the
    platform's clock (as its answers dated it), so a platform ahead of the portal's has its newest
    orders in the window and a start it accepts. (Orders changed behind an earlier window, a webhook
    the platform dropped, are the reconciliation's: `PartnerReconciliation`.)"""
    now = ctx.clock.now()
    if window := _resumed(cursor, now):
        return window
    first_day = ctx.import_from or (now - timedelta(days=DEFAULT_IMPORT_DAYS)).date()
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC)
    if cursor and cursor.get("last_until"):
        since = max(since, utc_datetime(cursor["last_until"]) - timedelta(seconds=settings.SYNC_OVERLAP_SECONDS))
    return _window(since, now)


def _window(since: datetime, now: datetime) -> dict[str, Any]:
    """A new pass over the orders created from `since` (never before the 60 days) until now."""
    return {"since": _time(max(since, _sixty_day_floor(now))), "until": _time(now), "vendor": 0, "page": 1}


def _resumed(cursor: dict[str, Any] | None, now: datetime) -> dict[str, Any] | None:
    """The pass a cursor says is under way (None: none, or it lies wholly past the 60 days).

    It is resumed within the 60 days: the platform refuses an older start (HTTP 400), and a pass
    that began near the edge may be resumed hours or days later."""
    if not cursor or not cursor.get("until"):
        return None
    floor = _sixty_day_floor(now)
    window = {key: cursor[key] for key in ("since", "until", "vendor", "page")}
    if utc_datetime(cursor["since"]) >= floor:
        return window
    if utc_datetime(cursor["until"]) > floor:
        # Orders come oldest first: with the oldest gone, the store's pages have moved up,
        # so its page N is no longer where the pass stopped. Read the store again from page 1.
        return {**window, "since": _time(floor), "page": 1}
    return None


def _sixty_day_floor(now: datetime) -> datetime:
    """The oldest start a request may send: the platform's 60 days, less a slack for the pass to take."""
    return now - timedelta(days=WINDOW_DAYS) + WINDOW_SLACK


def _orders_and_pages(body: Any, page: int, size: int) -> tuple[list, int]:
    """`{"orders": [...], "total_pages": n}`, or a bare list (then a full page means there may be more)."""
    if isinstance(body, list):
        return body, page + 1 if len(body) >= size else page
    orders = body["orders"]
    try:
        total_pages = int(body.get("total_pages") or 0)
    except (TypeError, ValueError):
        total_pages = 0
    if not total_pages:
        total_pages = page + 1 if len(orders) >= size else page
    return orders, total_pages


def _total_count(body: Any) -> int | None:
    if isinstance(body, dict):
        for key in ("total_count", "total", "count"):
            if isinstance(body.get(key), int):
                return body[key]
    return None


def _records(orders: list) -> tuple[list[OrderRecord], list[InvalidRecord]]:
    records, invalid = [], []
    for raw in orders:
        if isinstance(raw, str) and raw:
            records.append(OrderRecord(raw, {"order_id": raw}, normalize_order))
        elif isinstance(raw, dict) and raw.get("order_id") and not known_status(raw):
            invalid.append(
                InvalidRecord(
                    str(raw.get("order_code") or raw["order_id"]), unknown_status_words(raw), str(raw["order_id"])
                )
            )
        elif isinstance(raw, dict) and raw.get("order_id"):
            records.append(OrderRecord(str(raw["order_id"]), raw, normalize_order))
        else:
            reference = str(raw.get("order_code") or "?") if isinstance(raw, dict) else "?"
            invalid.append(InvalidRecord(reference, "an order without an order_id"))
    return records, invalid


def vendor_ids(credentials: dict[str, str]) -> list[str]:
    return [v for v in re.split(r"[,;\s]+", credentials.get("vendor_ids") or "") if v]


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def _host(base_url: str) -> str:
    return urlsplit(base_url).netloc or base_url


def _order_path(external_id: str) -> str:
    if not UUID_PATTERN.match(str(external_id)):
        raise PlatformError(f"{external_id!r} is not a Partner API order id (a UUID).")
    return str(external_id)


def _path_part(value: str) -> str:
    if not re.fullmatch(r"[\w.\-]+", value):
        raise PlatformError(f"{value!r} is not a store (vendor) ID the Partner API can use.")
    return value


# -- reading Partner API orders ------------------------------------------------------------------------------


PLATFORM = PartnerPlatform()
