"""The adapter contract: plain data in, plain data out.

A platform module knows its API and nothing of our models. The sync engine, the
ingest path and the pages talk to every platform through `Platform` and these
dataclasses only.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from django.conf import settings

from .errors import AuthError, PlatformError, PlatformFailure, RateLimited, TransientError

# A new connection imports orders placed in this many days before it was added.
DEFAULT_IMPORT_DAYS = 30


class OrderStatus(enum.StrEnum):
    """Our canonical order status; each adapter maps its platform's states onto it."""

    DRAFT = "draft"  # not yet approved on the platform (NuORDER draft, review, pending)
    PENDING = "pending"  # placed or approved, waiting for the merchant to accept or process
    ACCEPTED = "accepted"
    READY = "ready"  # ready for pickup (quick commerce)
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"  # declined, expired or cancelled
    REFUNDED = "refunded"
    ARCHIVED = "archived"
    UNKNOWN = "unknown"


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


# A webhook secret the merchant types (rather than one the portal makes) needs this many characters.
MIN_TYPED_WEBHOOK_SECRET = 16


def typed_webhook_secret_problem(secret: str) -> str:
    """Why a webhook secret the merchant typed cannot be used ('' when it can, or none was typed)."""
    if secret and len(secret) < MIN_TYPED_WEBHOOK_SECRET:
        return f"A webhook secret of your own needs at least {MIN_TYPED_WEBHOOK_SECRET} characters."
    return ""


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
    # Labelled facts shown on the order page (gift message, delivery service, ...).
    notes: tuple[tuple[str, str], ...] = ()
    # Platform flags that actions need (e.g. NOTHS dispatch_note_viewed, enquiry state).
    flags: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


class UnreadableRecord(ValueError):
    """A record the platform sent cannot be read as an order (the message says why)."""


class UnknownStatus(Exception):
    """An order event in a status the portal does not know: kept and shown, not applied."""


class OrderRecord:
    """One order as the platform sent it, normalized only when ingest needs it.

    Most orders of a re-sync are unchanged; ingest recognises them by the fingerprint
    of `raw` and never pays for normalizing them.
    """

    __slots__ = ("_normalize", "_order", "external_id", "raw")

    def __init__(self, external_id: str, raw: dict[str, Any], normalize: Callable[[dict], NormalizedOrder]):
        # Without NUL, as ingest takes it out of `raw` (PostgreSQL refuses it): the key and the
        # order written under it are the same on every path.
        self.external_id = external_id.replace("\x00", "")
        self.raw = raw
        self._normalize = normalize
        self._order: NormalizedOrder | None = None

    @classmethod
    def of(cls, order: NormalizedOrder) -> OrderRecord:
        """A record for an order already normalized (a single fetch, a test)."""
        record = cls(order.external_id, order.raw, lambda raw: order)
        record._order = order
        return record

    def with_raw(self, raw: dict[str, Any]) -> OrderRecord:
        """The same record read from a corrected document."""
        return OrderRecord(self.external_id, raw, self._normalize)

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
class ItemUpdate:
    """What picking did to one order line (Partner Picking): found, not found or replaced."""

    item_id: str
    status: str  # IN_CART, NOT_FOUND, REPLACED
    replacement_sku: str = ""
    replacement_name: str = ""
    quantity: int | None = None


@dataclass(frozen=True)
class OrderUpdate:
    """An order update the merchant sends to the platform from the order page."""

    status: str  # the platform's status to set: UPDATE_CART, READY_FOR_PICKUP, DISPATCHED, CANCELLED
    items: tuple[ItemUpdate, ...] = ()
    cancel_reason: str = ""


@dataclass(frozen=True)
class ActionResult:
    """Outcome of an outbound action the platform accepted."""

    message: str
    already_done: bool = False


def first_help(rules, error: PlatformFailure) -> str:
    """The help of the first (pattern, help) rule matching the error's code or words, or ''."""
    said = f"{error.code} {error.platform_message} {error.message}"
    return next((help_text for pattern, help_text in rules if pattern.search(said)), "")


class Platform:
    """Base class of a platform adapter; one instance per platform, stateless."""

    key: ClassVar[str]
    name: ClassVar[str]  # "Not On The High Street"
    short_name: ClassVar[str]  # "NOTHS"
    base_url_setting: ClassVar[str]
    credential_fields: ClassVar[tuple[CredentialField, ...]]
    name_label: ClassVar[str] = "Connection Name"
    name_help: ClassVar[str] = ""
    # The platform's own order states (value, label) and which ones to import by default.
    statuses: ClassVar[tuple[tuple[str, str], ...]] = ()
    default_import_statuses: ClassVar[tuple[str, ...]] = ()
    option_fields: ClassVar[tuple[OptionField, ...]] = ()
    accept_label: ClassVar[str] = "Accept new orders automatically"
    accept_button: ClassVar[str] = "Accept order"
    # Platforms whose tokens come from an authorization handshake (NuORDER's initiate).
    supports_authorization: ClassVar[bool] = False
    authorization_help: ClassVar[str] = ""
    supports_accept: ClassVar[bool] = False
    supports_shipment_push: ClassVar[bool] = False
    supports_dispatch_note: ClassVar[bool] = False
    # Platforms that push order events to our webhook (the Partner API).
    supports_webhooks: ClassVar[bool] = False
    # Platforms whose orders the merchant updates from the order page (Partner Picking).
    supports_order_updates: ClassVar[bool] = False
    # Said to the merchant when the platform rejects the credentials.
    auth_help: ClassVar[str] = "Check the credentials and enter them again."

    def option_value(self, options: dict[str, Any], name: str) -> int:
        """A platform option as the connection set it, or its declared default."""
        field = next(f for f in self.option_fields if f.name == name)
        return int(options.get(name, field.default))

    def accept_request(self, options: dict[str, Any], today: date) -> AcceptRequest:
        """What to tell the platform when accepting an order today (estimated dates).

        Platforms whose acceptance takes no dates (NuORDER's "processed") ignore them.
        """
        return AcceptRequest(estimated_dispatch_date=today, estimated_delivery_date=today)

    def default_base_url(self, credentials: dict[str, str]) -> str:
        """The API host for an account (some platforms pick it from the credentials)."""
        return getattr(settings, self.base_url_setting)

    def has_complete_credentials(self, credentials: dict[str, str]) -> bool:
        """Whether `check` can be called (a handshake may still have to supply some)."""
        return all(credentials.get(f.name) for f in self.credential_fields if f.required)

    def credential_problems(self, credentials: dict[str, str]) -> dict[str, str]:
        """{field name: what is wrong} for combinations single fields cannot judge."""
        return {}

    def import_statuses_for(self, credentials: dict[str, str], chosen: frozenset[str]) -> frozenset[str]:
        """The states in which a new order is imported (empty: all), given the account's settings."""
        return chosen

    def completed_credentials(self, credentials: dict[str, str]) -> dict[str, str]:
        """The values to store: the given ones plus any the portal makes (a webhook secret)."""
        return credentials

    def secret_values(self, ctx: PlatformContext) -> list[str]:
        """Every credential value that must never reach a log or a message."""
        secret_names = {f.name for f in self.credential_fields if f.secret}
        return [v for k, v in ctx.credentials.items() if k in secret_names and v]

    # -- the verbs ------------------------------------------------------------------
    def check(self, ctx: PlatformContext) -> AccountFacts:
        raise NotImplementedError

    def fetch_orders(self, ctx: PlatformContext, cursor: dict[str, Any] | None) -> Iterator[OrderPage]:
        raise NotImplementedError

    def push_shipment(
        self, ctx: PlatformContext, external_id: str, shipment: ShipmentRequest, *, retry: bool = False
    ) -> ActionResult:
        raise PlatformError(f"{self.short_name} does not take shipment updates from us.")

    def accept_order(
        self, ctx: PlatformContext, external_id: str, request: AcceptRequest, *, retry: bool = False
    ) -> ActionResult:
        raise PlatformError(f"{self.short_name} orders cannot be accepted from the portal.")

    def fetch_order(self, ctx: PlatformContext, external_id: str) -> OrderRecord:
        """One order as the platform holds it now (to refresh after an action)."""
        raise NotImplementedError

    def start_authorization(self, ctx: PlatformContext) -> dict[str, str]:
        """Begin a handshake; returns values to keep (encrypted) until it is finished."""
        raise PlatformError(f"{self.short_name} has no authorization handshake.")

    def finish_authorization(self, ctx: PlatformContext, pending: dict[str, str], code: str) -> dict[str, str]:
        """Exchange the code the merchant got for credential values to store."""
        raise PlatformError(f"{self.short_name} has no authorization handshake.")

    def update_order(self, ctx: PlatformContext, external_id: str, update: OrderUpdate) -> ActionResult:
        raise PlatformError(f"{self.short_name} orders cannot be updated from the portal.")

    def webhook_record(self, body: Any) -> OrderRecord:
        """An order event the platform pushed, as a record for ingest; UnreadableRecord if it is none."""
        raise UnreadableRecord(f"{self.short_name} does not send webhooks.")

    def dispatch_note(self, ctx: PlatformContext, external_id: str) -> bytes:
        raise PlatformError(f"{self.short_name} has no dispatch note.")

    def explain(self, error: Exception) -> str:
        """How the merchant gets out of this error, in plain words ('' when nothing to add)."""
        if isinstance(error, AuthError):
            return self.auth_help
        if isinstance(error, RateLimited | TransientError):
            return (
                f"{self.short_name} is not answering properly right now; your details may well be right. "
                "Try again in a few minutes."
            )
        return ""

    def describe(self, error: PlatformFailure) -> str:
        """The error in the platform's words, then the way out."""
        help_text = self.explain(error)
        return f"{error.message} {help_text}".strip()
