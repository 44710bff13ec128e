"""The plain data a platform takes and gives: orders, pages, requests, results, fields.

A platform package knows its API and nothing of our models. The sync engine, the
ingest path and the pages talk to every platform through `platform.Platform`, its
optional parts (`parts`, `deliveries`) and these dataclasses only.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from .clock import PlatformClock
from .errors import HostRefused, PlatformFailure
from .faults import FaultLog

# A new connection imports orders placed in this many days before it was added.
DEFAULT_IMPORT_DAYS = 30


class OrderStatus(enum.StrEnum):
    """Our canonical order status; each adapter maps its platform's states onto it."""

    DRAFT = "draft"  # not yet approved on the platform (a wholesale draft or review)
    PENDING = "pending"  # placed or approved, waiting for the merchant to accept or process
    ACCEPTED = "accepted"
    READY = "ready"  # ready for pickup (quick commerce)
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"  # declined, expired or cancelled
    REFUNDED = "refunded"
    ARCHIVED = "archived"
    UNKNOWN = "unknown"


# An order still under way, which the platform may yet change: what a reconciliation reads back.
# (UNKNOWN too: a state the portal could not place is worth asking about again.)
OPEN_STATUSES = frozenset(
    {OrderStatus.DRAFT, OrderStatus.PENDING, OrderStatus.ACCEPTED, OrderStatus.READY, OrderStatus.UNKNOWN}
)


@dataclass(frozen=True)
class CredentialField:
    """One field of the add-account form that the platform needs."""

    name: str
    label: str
    secret: bool = True
    help_text: str = ""
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    # A value sent whole as a header (a webhook secret such as "Basic cGFy..."): its inner
    # spaces are part of it, so a paste loses only its ends, line breaks and invisible characters.
    inner_spaces: bool = False
    # Puts a pasted value in the form the platform keeps (an admin page's address into the
    # account's domain); raises ValueError, in words the merchant reads, when it cannot.
    normalize: Callable[[str], str] | None = None


@dataclass(frozen=True)
class OptionField:
    """A whole-number sync option particular to one platform (kept in platform_options)."""

    name: str
    label: str
    default: int
    min_value: int = 0
    max_value: int = 60
    help_text: str = ""


class Throttle(Protocol):
    """A budget of requests shared by every process that calls one host."""

    def acquire(self, host: str) -> None:
        """Wait for a request slot on `host`, or raise RateLimited when the wait would be long."""

    def back_off(self, host: str, seconds: float) -> None:
        """The host said 429: nobody calls it for `seconds`."""


@dataclass(frozen=True)
class PlatformContext:
    """What an adapter call needs: where, with which credentials and options."""

    base_url: str
    credentials: dict[str, str]
    options: dict[str, Any] = field(default_factory=dict)
    import_from: date | None = None
    import_statuses: tuple[str, ...] = ()  # the platform states the connection imports
    label: str = ""  # for log lines, e.g. "connection 12"
    throttle: Throttle | None = None  # for platforms that limit requests per host
    full: bool = False  # a full resync (from the import-from date), not the recent window
    # The host is staff's override, not the operator's: every request to it is checked first, and
    # connects to the address checked (`outbound`). Set by `connections.context`, which alone builds these.
    check_host: bool = False
    # Where the shared client (and an adapter that retries by itself) reports each passing fault it
    # absorbed by waiting and trying again; set by the sync engine and the pushes, one per run or push.
    faults: FaultLog | None = None
    # The platform's clock as its answers tell it (`clock`): every request of this call measures it.
    clock: PlatformClock = field(default_factory=PlatformClock)


@dataclass(frozen=True)
class AccountFacts:
    """What `check` learned: shown on the connection page after a Test connection."""

    summary: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NormalizedItem:
    external_id: str
    title: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    sku: str = ""
    barcode: str = ""  # UPC / EAN
    options: tuple[tuple[str, str], ...] = ()  # variant and personalisation, in platform order
    image_url: str = ""


@dataclass(frozen=True)
class NormalizedOrder:
    external_id: str
    number: str
    status: OrderStatus
    platform_status: str
    placed_at: datetime | None
    platform_updated_at: datetime | None
    currency: str
    total: Decimal
    subtotal: Decimal = Decimal("0")
    shipping_total: Decimal = Decimal("0")
    discount_total: Decimal = Decimal("0")
    customer_name: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    shipping_address: dict[str, str] = field(default_factory=dict)
    items: tuple[NormalizedItem, ...] = ()
    # Labelled facts shown on the order page (gift message, delivery service, ...): (label, words), or a
    # moment made by `notes.time_note`, which the pages show in the portal's date style.
    notes: tuple[tuple[str, ...], ...] = ()
    # Platform facts that its parts need later (a dispatch note printed, an open enquiry, a delivery type).
    flags: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


class UnreadableRecord(ValueError):
    """A record the platform sent cannot be read as an order (the message says why)."""


class UnknownStatus(Exception):
    """An order event in a status the portal does not know: kept and shown, not applied."""


class OrderRecord:
    """One order as the platform sent it, normalized only when ingest needs it.

    Most orders of a re-sync are unchanged; ingest recognises them by the fingerprint
    of `raw` and never pays for normalizing them. A platform that sends one order in two
    shapes (a webhook's and a query's) gives a `version` instead, which changes whenever
    the order does (its update time): two copies of one version are the same order.
    """

    __slots__ = ("_normalize", "_order", "external_id", "raw", "version")

    def __init__(
        self,
        external_id: str,
        raw: dict[str, Any],
        normalize: Callable[[dict], NormalizedOrder],
        version: str = "",
    ):
        # Without NUL, as ingest takes it out of `raw` (PostgreSQL refuses it): the key and the
        # order written under it are the same on every path.
        self.external_id = external_id.replace("\x00", "")
        self.raw = raw
        self._normalize = normalize
        self._order: NormalizedOrder | None = None
        self.version = version

    @classmethod
    def of(cls, order: NormalizedOrder) -> OrderRecord:
        """A record for an order already normalized (a single fetch, a test)."""
        record = cls(order.external_id, order.raw, lambda raw: order)
        record._order = order
        return record

    def with_raw(self, raw: dict[str, Any]) -> OrderRecord:
        """The same record read from a corrected document."""
        return OrderRecord(self.external_id, raw, self._normalize, self.version)

    def order(self) -> NormalizedOrder:
        """The normalized order; raises UnreadableRecord when the record cannot be read."""
        if self._order is None:
            self._order = self._normalize(self.raw)
        return self._order


@dataclass(frozen=True)
class InvalidRecord:
    """A record the platform sent that could not be read as an order."""

    reference: str
    reason: str
    # The platform's id of the order, when the record has one: what an imported copy is keyed by.
    external_id: str = ""


@dataclass(frozen=True)
class OrderPage:
    """One page of a fetch. `cursor` is what to store once this page is committed."""

    records: list[OrderRecord]
    cursor: dict[str, Any]
    invalid: list[InvalidRecord] = field(default_factory=list)
    total: int | None = None  # the platform's count for the whole fetch, when it says


@dataclass(frozen=True)
class HeldOrders:
    """What the portal holds, for a reconciliation to check against the platform (`parts.Reconciliation`)."""

    # The orders the portal holds as open and this pass has not checked yet: each must be read back.
    open: frozenset[str]
    # The platform's update time of each open or recent copy the portal holds (or saw and did not
    # import): a platform that can list update times alone reads in full only the orders that differ.
    versions: Mapping[str, datetime | None]
    # Orders placed since then are read again too, whatever their state.
    since: datetime


@dataclass(frozen=True)
class ReconcilePage:
    """One page of a reconciliation. `cursor` is where the pass resumes once this page is committed."""

    records: list[OrderRecord]
    cursor: dict[str, Any] | None
    invalid: list[InvalidRecord] = field(default_factory=list)
    # Orders the platform shows at the update time the portal holds: checked, nothing to read.
    same: list[str] = field(default_factory=list)
    # Orders asked for by id that the platform does not have (any more).
    gone: list[str] = field(default_factory=list)

    def ids(self) -> set[str]:
        """Every order this page accounts for."""
        found = {r.external_id for r in self.records} | set(self.same) | set(self.gone)
        return found | {r.external_id for r in self.invalid if r.external_id}


@dataclass(frozen=True)
class ShipmentRequest:
    tracking_number: str = ""
    tracking_url: str = ""
    carrier: str = ""
    estimated_delivery_date: date | None = None
    resolve_enquiry: bool = False


@dataclass(frozen=True)
class AcceptRequest:
    estimated_dispatch_date: date
    estimated_delivery_date: date
    note: str = ""


@dataclass(frozen=True)
class ActionResult:
    """Outcome of an outbound action the platform accepted."""

    message: str
    already_done: bool = False


def first_help(rules, error: PlatformFailure) -> str:
    """The help of the first (pattern, help) rule matching the error's code or words, or ''.

    Never for our own refusal of the host: it holds no word of the platform's, and says the way out."""
    if isinstance(error, HostRefused):
        return ""
    said = f"{error.code} {error.platform_message} {error.message}"
    return next((help_text for pattern, help_text in rules if pattern.search(said)), "")
