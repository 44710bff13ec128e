"""The optional parts of a platform: what it can do besides reading orders.

A platform sets the parts it has (`acceptance = MyAcceptance()` in its class); the portal
offers the capability exactly where the part is set: the auto-accept option and the
Accept button, the push-tracking option and its dispatch form's words, the dispatch
note link, the authorization card, the order page's update section, the scheduled
reconciliation. Each part keeps its own words, so the pages never name a platform.
Webhooks are the part in `deliveries`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, ClassVar

from .base import (
    AcceptRequest,
    ActionResult,
    HeldOrders,
    OrderRecord,
    OrderStatus,
    PlatformContext,
    ReconcilePage,
    ShipmentRequest,
)
from .errors import PlatformError


class Acceptance:
    """Accepting a new order on the platform, by a click or by itself for every new order."""

    auto_label: ClassVar[str] = "Accept new orders automatically"
    button: ClassVar[str] = "Accept order"
    # The platform dispatches only accepted orders: the order page offers acceptance alone until then.
    before_dispatch: ClassVar[bool] = True

    def request(self, options: dict[str, Any], today: date) -> AcceptRequest:
        """What to tell the platform when accepting an order today (its estimated dates)."""
        return AcceptRequest(estimated_dispatch_date=today, estimated_delivery_date=today)

    def accept(
        self, ctx: PlatformContext, external_id: str, request: AcceptRequest, *, retry: bool = False
    ) -> ActionResult:
        """Accept one order; `retry`: an earlier attempt may have arrived, so look first."""
        raise NotImplementedError


class Shipments:
    """Telling the platform an order shipped, with its tracking."""

    # The platform's words for a dispatch form field, where it has something to say (a field
    # it does not take, a value it works out itself); {ShipmentRequest field: words}.
    field_help: ClassVar[dict[str, str]] = {}

    def offers(self, flags: dict[str, Any]) -> frozenset[str]:
        """The optional ShipmentRequest fields to ask for on this order (its flags say): e.g. resolve_enquiry."""
        return frozenset()

    def push(
        self, ctx: PlatformContext, external_id: str, shipment: ShipmentRequest, *, retry: bool = False
    ) -> ActionResult:
        """Mark one order shipped; `retry`: an earlier attempt may have arrived, so look first."""
        raise NotImplementedError


class DispatchNotes:
    """A printable note per order, downloaded from the platform."""

    # What the order's flags say once the note has been downloaded (some platforms dispatch only then).
    flags_after: ClassVar[dict[str, Any]] = {}

    def fetch(self, ctx: PlatformContext, external_id: str) -> bytes:
        raise NotImplementedError


class Authorization:
    """Credentials the merchant does not type: staff start a request, the merchant approves it on
    the platform and pastes the code it shows, and the portal exchanges the code."""

    # The values kept (encrypted, with the credentials) while the authorization waits for its code.
    pending_fields: ClassVar[tuple[str, ...]] = ()
    code_label: ClassVar[str] = "Verification code"

    @property
    def missing_words(self) -> str:
        """The connection page before it starts: what is missing, and who does what."""
        raise NotImplementedError

    @property
    def approve_words(self) -> str:
        """Once started: how the merchant approves it on the platform and where the code is."""
        raise NotImplementedError

    @property
    def waiting_words(self) -> str:
        """The connection's account line until the code is exchanged."""
        raise NotImplementedError

    def start(self, ctx: PlatformContext) -> dict[str, str]:
        """Ask the platform for a request to approve; returns the `pending_fields` values."""
        raise NotImplementedError

    def finish(self, ctx: PlatformContext, pending: dict[str, str], code: str) -> dict[str, str]:
        """Exchange the code for the credential values to store."""
        raise NotImplementedError


class OrderUpdates:
    """Changing an order on the platform from its page (picking marks, fulfilment, cancellation).

    The platform defines the form and what its payload means; the portal sends a payload as
    an action, with an attempt log, like a dispatch. An order fulfilled this way is not
    dispatched with the portal's dispatch form.
    """

    # The order page's section: rendered with `order`, `form`, `refusal` and `update_actions`.
    template: ClassVar[str]
    # An order in one of these takes no more updates.
    closed_statuses: ClassVar[frozenset[OrderStatus]] = frozenset(
        {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.ARCHIVED}
    )

    def refusal(self, credentials: dict[str, str]) -> str:
        """Why this account's orders take no updates from the portal ('' when they do)."""
        return ""

    def form(self, items: Iterable[Any], flags: dict[str, Any], data=None):
        """The order page's form for these items; once valid, its `payload()` is what to send."""
        raise NotImplementedError

    def problem(self, flags: dict[str, Any], payload: dict[str, Any]) -> str:
        """Why this update does not fit this order ('' when it does)."""
        return ""

    def label(self, payload: dict[str, Any]) -> str:
        """The update in a few words, for the page's messages ("Ready for pickup")."""
        raise NotImplementedError

    def send(self, ctx: PlatformContext, external_id: str, payload: dict[str, Any]) -> ActionResult:
        """Send one update; sending the same payload again must be harmless (a retry)."""
        raise NotImplementedError


class Reconciliation:
    """Reading again what the portal holds as open, and the last days' orders, to repair what the
    incremental feed missed: a change that did not move the order's update time, a dropped
    webhook, an order that slid past a window.

    The engine calls `pages`: first the platform's `listing` (its open orders and those placed
    since `held.since`, the cheapest way it allows: a list filtered by state or date, in pages),
    then every order of `held.open` the listing did not account for, by id (`read`, in batches of
    `batch`): one that is no longer open there (cancelled, shipped) is updated that way. Each page
    goes through the same ingest path; its cursor is where the pass resumes. A resumed pass is
    given only the open orders it has not checked yet, so it never reads one back twice.
    """

    # Orders read by id per page.
    batch: ClassVar[int] = 50
    # How often a new connection is checked unless the merchant chooses otherwise: once a day.
    interval_minutes: ClassVar[int] = 1440

    def pages(self, ctx: PlatformContext, held: HeldOrders, cursor: dict[str, Any] | None) -> Iterator[ReconcilePage]:
        cursor = cursor or {}
        seen: set[str] = set()
        if not cursor.get("listed"):
            for page in self.listing(ctx, held, cursor.get("listing")):
                seen |= page.ids()
                after = {"listed": True} if page.cursor is None else {"listing": page.cursor}
                yield replace(page, cursor=after)
        left = sorted(held.open - seen)
        for start in range(0, len(left), self.batch):
            yield replace(self.read(ctx, left[start : start + self.batch]), cursor={"listed": True})

    def listing(self, ctx: PlatformContext, held: HeldOrders, cursor: dict[str, Any] | None) -> Iterator[ReconcilePage]:
        """The platform's open orders and those placed since `held.since`, page by page; the last
        page's cursor is None."""
        raise NotImplementedError

    def read(self, ctx: PlatformContext, external_ids: Sequence[str]) -> ReconcilePage:
        """These orders as the platform holds them now; those it does not have are `gone`."""
        raise NotImplementedError


def one_by_one(fetch: Callable[[str], OrderRecord], external_ids: Sequence[str]) -> ReconcilePage:
    """`Reconciliation.read` for a platform that reads orders only one at a time: each fetched, a 404 gone."""
    records, gone = [], []
    for external_id in external_ids:
        try:
            records.append(fetch(external_id))
        except PlatformError as exc:
            if exc.status != 404:
                raise
            gone.append(external_id)
    return ReconcilePage(records=records, cursor=None, gone=gone)
