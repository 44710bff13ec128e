"""Writing the audit trail: who did it (an `Actor`), what changed, never a secret's value.

Services take an optional `Actor`, built by pages and admin from the request, so they
record who acted without knowing about HTTP. Credential changes are recorded as field
names only; options as old → new values (they are not secret).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from connections.models import SYNC_OPTION_FIELDS
from portal.addresses import client_ip

from .models import AuditEntry

Action = AuditEntry.Action
USER_AGENT_LENGTH = AuditEntry._meta.get_field("user_agent").max_length
# What a connection's options are, for the record: every non-secret setting merchants or staff edit.
OPTION_FIELDS = ("name", "store_name", "base_url_override", *SYNC_OPTION_FIELDS)


@dataclass(frozen=True)
class Actor:
    """Who acted and from where: a user (or none, for the system), their address and browser."""

    user: Any = None
    label: str = "system"
    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request) -> Actor:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            user, label = None, "anonymous"
        else:
            label = f"{user.get_username()} (staff)" if user.is_staff else user.get_username()
        return cls(
            user=user, label=label, ip=client_ip(request), user_agent=shorten(request.META.get("HTTP_USER_AGENT"))
        )

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(label=label)


def shorten(user_agent: str | None) -> str:
    user_agent = " ".join((user_agent or "").split())
    if len(user_agent) <= USER_AGENT_LENGTH:
        return user_agent
    return user_agent[: USER_AGENT_LENGTH - 1] + "\u2026"


def record(action: str, *, connection=None, merchant=None, actor: Actor | None = None, changes=None) -> AuditEntry:
    """Write one entry; the merchant defaults to the connection's."""
    actor = actor or Actor.system()
    if merchant is None and connection is not None:
        merchant = connection.merchant
    return AuditEntry.objects.create(
        action=action,
        connection=connection if connection is not None and connection.pk else None,
        connection_label=str(connection)[:200] if connection is not None else "",
        merchant=merchant,
        merchant_label=str(merchant)[:200] if merchant is not None else "",
        actor=actor.user,
        actor_label=actor.label[:200],
        ip=actor.ip,
        user_agent=actor.user_agent,
        changes=changes or {},
    )


# -- what changed --------------------------------------------------------------------------------


def options_of(connection) -> dict:
    """A connection's non-secret settings, flat (platform options by their own names), JSON-ready."""
    values = {name: _plain(getattr(connection, name)) for name in OPTION_FIELDS}
    for name, value in sorted((connection.platform_options or {}).items()):
        values[name] = _plain(value)
    return values


def option_changes(before: dict, after: dict) -> dict:
    """{option: {"old": ..., "new": ...}} for every option whose value differs."""
    changes = {}
    for name in [*before, *(n for n in after if n not in before)]:
        old, new = before.get(name), after.get(name)
        if _comparable(old) != _comparable(new):
            changes[name] = {"old": old, "new": new}
    return changes


def credential_fields_changed(held: dict, stored: dict) -> list[str]:
    """The names (only the names) of the credential values that differ."""
    return sorted(name for name in {*held, *stored} if (held.get(name) or "") != (stored.get(name) or ""))


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _comparable(value):
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(value)  # the same states chosen in another order are no change
    if value == "":
        return None
    return value
