"""Shopify: a merchant's own store, through the GraphQL Admin API.

Facts and their sources are in the shared `platforms/shopify.md`. The points that shape
this package:

* The account is a store, named by its permanent domain (`shop.py`). The token is the
  Admin API access token of a custom app made in the store's admin, or the portal gets
  one for the client ID and secret of the merchant's own Dev Dashboard app (`client.py`).
* Orders are read with the `orders` query (`queries.py`), sorted and filtered by
  `updated_at`, in cursor pages; each pass starts from the newest update time it has
  committed (the platform's clock, not the portal's), less the overlap. Every record
  carries that time as its version, so a webhook's copy and the query's are one.
* Webhooks bring orders within seconds (`webhooks.py`); the scheduled sync is the
  backfill that recovers what a webhook dropped.
* Marking an order shipped goes through its fulfillment orders and `fulfillmentCreate`,
  with the tracking number, URL and company; a retry finds its own fulfillment and does
  not send it twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from ..base import (
    DEFAULT_IMPORT_DAYS,
    AccountFacts,
    ActionResult,
    CredentialField,
    InvalidRecord,
    OrderPage,
    OrderRecord,
    PlatformContext,
    ReconcilePage,
    ShipmentRequest,
    UnreadableRecord,
    first_help,
)
from ..errors import AuthError, PlatformError, cut_short
from ..parts import Reconciliation, Shipments, one_by_one
from ..platform import Platform
from ..tokens import token_or_client_problems
from ..values import utc_datetime
from . import orders, queries, readings, words
from .client import TOKENS, AboveBucket, GraphQL, api_version
from .shop import EXAMPLE, shop_domain
from .webhooks import ShopifyDeliveries

# Line items read per query when an order has more than its page carried.
MORE_LINE_ITEMS = 100
ISO = "%Y-%m-%dT%H:%M:%SZ"
OPEN_TO_SHIP = "status:open fulfillment_status:unfulfilled"


def graphql(ctx: PlatformContext) -> GraphQL:
    return GraphQL(ctx, PLATFORM.secret_values(ctx))


def page_size(budget: float = 1000) -> int:
    """Orders a page: at most 250, and few enough that the page's cost fits `budget` (Shopify's limit
    of 1000 a query, or a store's smaller bucket)."""
    size = max(1, min(250, settings.SHOPIFY_PAGE_SIZE))
    while size > 1 and queries.page_cost(size) > budget:
        size -= 1
    return size


class ShopifyShipments(Shipments):
    """Fulfilling the order's open fulfillment orders, with the tracking; never twice."""

    field_help = {
        "carrier": "Sent to Shopify as the tracking company; a carrier Shopify knows (UPS, Royal Mail, DHL "
        "Express, ...) gets its own tracking link.",
        "estimated_delivery_date": "Kept here; Shopify takes no delivery date.",
    }

    def push(self, ctx, external_id, shipment: ShipmentRequest, *, retry=False) -> ActionResult:
        api = graphql(ctx)
        reading = readings.FULFILLMENT_ORDERS
        order = api.query(queries.FULFILLMENT_ORDERS, {"id": external_id}, reading=reading)["order"]
        if not order:
            raise PlatformError("Shopify does not know this order (it may have been deleted there).", status=404)
        if order.get("cancelledAt"):
            raise PlatformError("The order is cancelled on Shopify, so it cannot be fulfilled.")
        tracking = f" with tracking {shipment.tracking_number}" if shipment.tracking_number else ""
        if _has_tracking(order, shipment.tracking_number):
            return ActionResult(f"Shopify already shows the order fulfilled{tracking}.", already_done=True)
        groups = _open_by_location(order)
        if not groups:
            if order.get("displayFulfillmentStatus") == "FULFILLED":
                return ActionResult("Shopify already shows the order as fulfilled.", already_done=True)
            raise PlatformError(
                "Shopify has nothing left to fulfil on this order: it has no open fulfillment order (it may be on "
                "hold, or assigned to another fulfilment service)."
            )
        for fulfillment_orders in groups.values():  # one fulfillment per location, as Shopify asks
            _create(api, fulfillment_orders, shipment)
        return ActionResult(f"Shopify marked the order fulfilled{tracking}.")


def _has_tracking(order: dict, number: str) -> bool:
    if not number:
        return False
    return any(
        info.get("number") == number
        for fulfillment in order.get("fulfillments") or []
        for info in fulfillment.get("trackingInfo") or []
    )


def _open_by_location(order: dict) -> dict[str, list[str]]:
    """The open fulfillment orders with something left to send, by assigned location."""
    groups: dict[str, list[str]] = {}
    for node in (order.get("fulfillmentOrders") or {}).get("nodes") or []:
        lines = node.get("lineItems") or {}
        remaining = sum(int(line.get("remainingQuantity") or 0) for line in lines.get("nodes") or [])
        more = (lines.get("pageInfo") or {}).get("hasNextPage")
        if node.get("status") in ("OPEN", "IN_PROGRESS") and (remaining > 0 or more):
            location = str((node.get("assignedLocation") or {}).get("name") or "")
            groups.setdefault(location, []).append(node["id"])
    return groups


def _create(api: GraphQL, fulfillment_orders: list[str], shipment: ShipmentRequest) -> None:
    tracking = {
        key: value
        for key, value in (
            ("number", shipment.tracking_number),
            ("url", shipment.tracking_url),
            ("company", shipment.carrier),
        )
        if value
    }
    fulfillment: dict[str, Any] = {
        "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo} for fo in fulfillment_orders],
        "notifyCustomer": True,
    }
    if tracking:
        fulfillment["trackingInfo"] = tracking
    created = api.query(queries.FULFILLMENT_CREATE, {"fulfillment": fulfillment}, reading=None)  # a mutation
    answer = created.get("fulfillmentCreate") or {}
    if errors := answer.get("userErrors"):
        said = cut_short("; ".join(str(error.get("message") or "") for error in errors if isinstance(error, dict)))
        raise PlatformError(f"Shopify refused the fulfilment: {said}.", platform_message=said)
    if not answer.get("fulfillment"):
        raise PlatformError("Shopify answered the fulfilment without making one.")


class ShopifyReconciliation(Reconciliation):
    """Shopify lists orders by state and by creation time, and answers a query with only the fields
    asked for: a reconciliation lists each open order still to ship, then the other orders created in
    the last RECONCILE_DAYS days, as their id and update time alone (a point per order), and reads in
    full only those whose update time is not the one the portal holds (a change the sync's window
    missed: Shopify's search index lags, a webhook was dropped). Then each open order the portal holds
    that no list brought (cancelled, closed or deleted since), one at a time."""

    batch = 10  # orders read in full per page: 10 queries of about 76 points
    # The open orders still to ship; then the other orders of the last days, in two lists that
    # leave out the first (no list may hold `OR`): those no longer open, those open and shipped.
    PHASES = ("open", "recent closed", "recent shipped")

    def listing(self, ctx, held, cursor):
        api = graphql(ctx)
        known = dict(held.versions)  # and each order read in full this pass, which the next listing may show again
        cursor = cursor or {"phase": "open", "after": None, "since": held.since.astimezone(UTC).strftime(ISO)}
        recent = f"created_at:>='{cursor['since']}'"
        searches = {
            "open": OPEN_TO_SHIP,
            "recent closed": f"{recent} NOT status:open",
            "recent shipped": f"{recent} status:open NOT fulfillment_status:unfulfilled",
        }
        for phase in self.PHASES[self.PHASES.index(cursor["phase"]) :]:
            after = cursor["after"] if phase == cursor["phase"] else None
            while True:
                variables = {"first": queries.VERSIONS_PAGE, "after": after, "query": searches[phase]}
                reading, cost = readings.ORDER_VERSIONS, queries.versions_cost()
                found = api.query(queries.ORDER_VERSIONS, variables, reading=reading, cost=cost)["orders"]
                same, differ = _compare(known, found["nodes"])
                info = found.get("pageInfo") or {}
                more = bool(info.get("hasNextPage") and info.get("endCursor"))
                if more:
                    following = {**cursor, "phase": phase, "after": info["endCursor"]}
                elif phase != self.PHASES[-1]:
                    following = {**cursor, "phase": self.PHASES[self.PHASES.index(phase) + 1], "after": None}
                else:
                    following = None
                # The orders that differ, read in full a few a page; a pass resumed inside reads this
                # listing page again, and finds the ones read by then the same.
                chunks = [differ[i : i + self.batch] for i in range(0, len(differ), self.batch)] or [[]]
                for position, chunk in enumerate(chunks):
                    last = position == len(chunks) - 1
                    records = [PLATFORM.fetch_order(ctx, gid) for gid in chunk]
                    known.update((r.external_id, utc_datetime(r.version)) for r in records if r.version)
                    yield ReconcilePage(
                        records=records,
                        same=same if position == 0 else [],
                        cursor=following if last else {**cursor, "phase": phase, "after": after},
                    )
                if not more:
                    break
                after = info["endCursor"]

    def read(self, ctx, external_ids):
        return one_by_one(lambda external_id: PLATFORM.fetch_order(ctx, external_id), external_ids)


def _compare(known: dict[str, datetime | None], nodes: list) -> tuple[list[str], list[str]]:
    """(the orders at the update time held, those to read in full) of a listing page."""
    same, differ = [], []
    for node in nodes:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            continue
        try:
            shown = utc_datetime(node.get("updatedAt"))
        except ValueError:
            shown = None
        held_at = known.get(node["id"])
        if shown is not None and held_at is not None and shown == held_at:
            same.append(node["id"])
        else:
            differ.append(node["id"])
    return same, differ


class ShopifyPlatform(Platform):
    key = "shopify"
    name = "Shopify"
    short_name = "Shopify"
    base_url_setting = "SHOPIFY_BASE_URL"
    name_help = "A name you will recognise, for example the store's name."
    credential_fields = (
        CredentialField(
            "shop",
            "Store",
            secret=False,
            normalize=shop_domain,
            help_text=f"Your store's myshopify.com domain ({EXAMPLE}), or paste the address of your Shopify admin.",
        ),
        CredentialField(
            "access_token",
            "Admin API access token",
            required=False,
            help_text="From a custom app made in your store's admin (Settings \u2192 Apps \u2192 Develop apps): it "
            "starts with shpat_ and is shown once. Leave blank if you give your app's client ID and secret.",
        ),
        CredentialField(
            "client_id",
            "Client ID",
            secret=False,
            required=False,
            help_text="Your own app in Shopify's Dev Dashboard, installed on this store: the portal gets a token "
            "with it every day.",
        ),
        CredentialField("client_secret", "Client secret", required=False, help_text="With the client ID."),
        CredentialField(
            "webhook_secret",
            "API secret key",
            required=False,
            help_text="The key Shopify signs your app's webhooks with. Leave blank when you gave the client secret: "
            "it is the same key.",
        ),
    )
    states = words.STATES
    default_import_statuses = ("unfulfilled", "partially_fulfilled", "on_hold")
    shipments = ShopifyShipments()
    deliveries = ShopifyDeliveries()
    reconciliation = ShopifyReconciliation()
    auth_help = words.AUTH

    # -- credentials --------------------------------------------------------------------------
    def default_base_url(self, credentials: dict[str, str]) -> str:
        return settings.SHOPIFY_BASE_URL.format(shop=credentials.get("shop") or "")

    def has_complete_credentials(self, credentials: dict[str, str]) -> bool:
        return not self.credential_problems(credentials)

    def credential_problems(self, credentials: dict[str, str]) -> dict[str, str]:
        problems = {}
        if not credentials.get("shop"):
            problems["shop"] = f"Enter the store's domain ({EXAMPLE})."
        return problems | token_or_client_problems(
            credentials, "access_token", "Enter the Admin API access token, or your app's client ID and secret."
        )

    def completed_credentials(self, credentials: dict[str, str]) -> dict[str, str]:
        """A Dev Dashboard app signs its webhooks with its client secret: that is the webhook secret."""
        if credentials.get("client_id") and credentials.get("client_secret"):
            return {**credentials, "webhook_secret": credentials["client_secret"]}
        return credentials

    def secret_values(self, ctx: PlatformContext) -> list[str]:
        names = ("access_token", "client_secret", "webhook_secret", "previous_webhook_secret")
        return [ctx.credentials[n] for n in names if ctx.credentials.get(n)] + TOKENS.cached_values(ctx)

    # -- verbs ----------------------------------------------------------------------------------
    def check(self, ctx: PlatformContext) -> AccountFacts:
        problems = self.credential_problems(ctx.credentials)
        if problems:
            raise PlatformError(" ".join(problems.values()))
        shop = graphql(ctx).query(queries.SHOP, reading=readings.SHOP)["shop"]
        plan = shop.get("plan") or {}
        version = api_version(ctx)
        given = "token" if ctx.credentials.get("access_token") else "client ID and secret"
        return AccountFacts(
            summary=f"Shopify accepted the {given} "
            f"for {shop.get('name') or 'the store'} ({shop.get('myshopifyDomain') or ctx.credentials.get('shop')}): "
            f"{plan.get('displayName') or 'plan unknown'}, {shop.get('currencyCode') or '?'}, "
            f"{shop.get('ianaTimezone') or '?'}; Admin API {version}.",
            details={
                "shop_name": shop.get("name") or "",
                "plan": plan.get("displayName") or "",
                "currency": shop.get("currencyCode") or "",
                "timezone": shop.get("ianaTimezone") or "",
                "api_version": version,
            },
        )

    def fetch_orders(self, ctx: PlatformContext, cursor: dict[str, Any] | None) -> Iterator[OrderPage]:
        """The orders updated since the last pass's newest (less the overlap), oldest change first, by page."""
        api = graphql(ctx)
        run = (cursor or {}).get("pass") or _new_pass(ctx, cursor)
        search = f"updated_at:>='{run['from']}'"
        if ctx.import_from:
            search += f" created_at:>='{ctx.import_from.isoformat()}'"
        size = page_size()
        while True:
            variables = {
                "first": size,
                "after": run["after"],
                "query": search,
                "lineItems": queries.LINE_ITEMS,
                "lineItemsAfter": None,
            }
            try:
                cost = queries.page_cost(size)
                found = api.query(queries.ORDERS, variables, reading=readings.ORDERS, cost=cost)["orders"]
            except AboveBucket as small:
                if size == 1:
                    raise
                size = page_size(small.maximum)  # a store with a smaller bucket: smaller pages
                continue
            nodes = found["nodes"]
            records, invalid = [], []
            for node in nodes:
                try:
                    records.append(orders.record(_with_every_line_item(api, node)))
                except UnreadableRecord as exc:
                    invalid.append(InvalidRecord(str(node.get("name") or node.get("id") or "?"), str(exc)))
            run = {**run, "newest": _newest(run["newest"], nodes)}
            info = found.get("pageInfo") or {}
            if info.get("hasNextPage") and info.get("endCursor"):
                run = {**run, "after": info["endCursor"]}
                yield OrderPage(records=records, cursor={"pass": run}, invalid=invalid)
                continue
            yield OrderPage(records=records, cursor={"since": run["newest"] or run["since"]}, invalid=invalid)
            return

    def fetch_order(self, ctx: PlatformContext, external_id: str) -> OrderRecord:
        api = graphql(ctx)
        variables = {"id": external_id, "lineItems": MORE_LINE_ITEMS, "lineItemsAfter": None}
        node = api.query(queries.ORDER, variables, reading=readings.ORDER)["order"]
        if not isinstance(node, dict):
            raise PlatformError("Shopify does not know this order (it may have been deleted there).", status=404)
        return orders.record(_with_every_line_item(api, node))

    def explain(self, error: Exception) -> str:
        if isinstance(error, AuthError):
            return first_help(words.AUTH_HELP, error) or self.auth_help
        if isinstance(error, PlatformError) and (help_text := first_help(words.REFUSAL_HELP, error)):
            return help_text
        return super().explain(error)


def _new_pass(ctx: PlatformContext, cursor: dict[str, Any] | None) -> dict[str, Any]:
    """A pass from the newest update the last one committed (the platform's clock), less the overlap;
    the first from the import-from date (a full resync too)."""
    since = None if ctx.full else (cursor or {}).get("since")
    if since:
        start = utc_datetime(since) - timedelta(seconds=settings.SYNC_OVERLAP_SECONDS)
    else:
        first_day = ctx.import_from or (timezone.now() - timedelta(days=DEFAULT_IMPORT_DAYS)).date()
        start = datetime.combine(first_day, time.min, tzinfo=UTC)
    return {"from": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "after": None, "newest": None, "since": since}


def _newest(held: str | None, nodes: list[dict]) -> str | None:
    """The newest update time among what was committed and this page (ISO, UTC)."""
    times = [orders.version(node) for node in nodes]
    times = [t for t in (held, *times) if t]
    return max(times, key=utc_datetime) if times else None


def _with_every_line_item(api: GraphQL, node: dict) -> dict:
    """The node with all its line items: an order with more than a page carried is read again for the rest."""
    lines = node.get("lineItems") if isinstance(node.get("lineItems"), dict) else None
    if not lines or not (lines.get("pageInfo") or {}).get("hasNextPage"):
        return node
    collected = list(lines.get("nodes") or [])
    after = (lines.get("pageInfo") or {}).get("endCursor")
    while after:
        variables = {"id": node["id"], "lineItems": MORE_LINE_ITEMS, "lineItemsAfter": after}
        more = api.query(queries.ORDER, variables, reading=readings.MORE_LINE_ITEMS)["order"]["lineItems"]
        collected += more["nodes"]
        info = more["pageInfo"]
        after = info.get("endCursor") if info.get("hasNextPage") else None
    return {**node, "lineItems": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": collected}}


PLATFORM = ShopifyPlatform()
