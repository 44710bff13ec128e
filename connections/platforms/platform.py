"""What every platform is and does: `Platform`, one instance per platform, stateless.

Three verbs every platform has (`check`, `fetch_orders`, `fetch_order`), the fields and
states the portal's pages ask it for, and its words for errors. Everything else a
platform can do is an optional part, declared by setting it (see `parts` and
`deliveries`): the portal offers a capability exactly when the part is there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from django.conf import settings

from .base import AccountFacts, CredentialField, OptionField, OrderPage, OrderRecord, PlatformContext
from .deliveries import Deliveries
from .errors import AuthError, PlatformFailure, RateLimited, TransientError
from .parts import Acceptance, Authorization, DispatchNotes, OrderUpdates, Reconciliation, Shipments
from .states import State, unrecognised


class Platform:
    key: ClassVar[str]  # its package's name: in URLs, settings and the database; never changes
    name: ClassVar[str]  # the platform's full name, for choosing it
    short_name: ClassVar[str]  # the name in sentences ("... refused the token")
    # The setting that holds the API host (see the package's `conf`), unless `default_base_url` says more.
    base_url_setting: ClassVar[str] = ""
    credential_fields: ClassVar[tuple[CredentialField, ...]]
    option_fields: ClassVar[tuple[OptionField, ...]] = ()
    name_label: ClassVar[str] = "Connection Name"
    name_help: ClassVar[str] = ""
    # The platform's own order states, in words (`states`), and which ones to import by default.
    states: ClassVar[tuple[State, ...]] = ()
    default_import_statuses: ClassVar[tuple[str, ...]] = ()
    # Said to the merchant when the platform rejects the credentials.
    auth_help: ClassVar[str] = "Check the credentials and enter them again."
    # Said after "{name}'s clock is 2 h 03 min behind the portal's": why no order is missed all the same.
    clock_note: ClassVar[str] = "Orders are still read by {name}'s own times, so none are missed."

    # -- optional parts: set the ones the platform has ---------------------------------------
    acceptance: Acceptance | None = None
    shipments: Shipments | None = None
    dispatch_notes: DispatchNotes | None = None
    authorization: Authorization | None = None
    deliveries: Deliveries | None = None
    order_updates: OrderUpdates | None = None
    reconciliation: Reconciliation | None = None

    # -- the verbs ------------------------------------------------------------------------------
    def check(self, ctx: PlatformContext) -> AccountFacts:
        """One cheap authenticated call: are these credentials good, and what is the account."""
        raise NotImplementedError

    def fetch_orders(self, ctx: PlatformContext, cursor: dict[str, Any] | None) -> Iterator[OrderPage]:
        """Pages of orders from where `cursor` stands (None: the first import), each with the cursor
        to store once it is committed."""
        raise NotImplementedError

    def fetch_order(self, ctx: PlatformContext, external_id: str) -> OrderRecord:
        """One order as the platform holds it now (to refresh after an action)."""
        raise NotImplementedError

    # -- hosts and credentials -------------------------------------------------------------------
    @property
    def requests_per_minute(self) -> int | None:
        """A budget of requests a minute per host that every process shares (None: no budget)."""
        return None

    def default_base_url(self, credentials: dict[str, str]) -> str:
        """The API host for an account (some platforms pick it from the credentials)."""
        return getattr(settings, self.base_url_setting)

    def has_complete_credentials(self, credentials: dict[str, str]) -> bool:
        """Whether `check` can be called (an authorization may still have to supply some)."""
        return all(credentials.get(f.name) for f in self.credential_fields if f.required)

    def credential_problems(self, credentials: dict[str, str]) -> dict[str, str]:
        """{field name: what is wrong} for combinations single fields cannot judge."""
        return {}

    def option_problems(self, credentials: dict[str, str], options: dict[str, Any]) -> dict[str, str]:
        """{option name: why this account cannot have it} (a read-only account asked to write)."""
        return {}

    def completed_credentials(self, credentials: dict[str, str]) -> dict[str, str]:
        """The values to store: the given ones plus any the portal makes (a webhook secret)."""
        if self.deliveries is not None:
            return self.deliveries.completed(credentials)
        return credentials

    def secret_values(self, ctx: PlatformContext) -> list[str]:
        """Every credential value that must never reach a log or a message."""
        secret_names = {f.name for f in self.credential_fields if f.secret}
        return [v for k, v in ctx.credentials.items() if k in secret_names and v]

    def import_statuses_for(self, credentials: dict[str, str], chosen: frozenset[str]) -> frozenset[str]:
        """The states in which a new order is imported (empty: all), given the account's settings."""
        return chosen

    def option_value(self, options: dict[str, Any], name: str) -> int:
        """A platform option as the connection set it, or its declared default."""
        field = next(f for f in self.option_fields if f.name == name)
        return int(options.get(name, field.default))

    # -- words ------------------------------------------------------------------------------------
    @property
    def statuses(self) -> tuple[tuple[str, str], ...]:
        """The states as (code, words) choices: a connection's import settings."""
        return tuple((state.code, state.label) for state in self.states)

    def state(self, code: str) -> State:
        """The declared state of this code (one the platform never declared is said as such)."""
        return next((state for state in self.states if state.code == code), None) or unrecognised(code)

    def clock_words(self) -> str:
        """Why a clock far from the portal's costs no order (`clock_note`, in the platform's name)."""
        return self.clock_note.format(name=self.short_name)

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
