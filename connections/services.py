"""What merchants and staff do to a connection: add, edit, test, pause, resume, disconnect.

Pages and admin call these; they hold the rules (check before saving, nothing
half-made, status written by code only) so both surfaces behave the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import Connection, Credential
from .platforms import registry
from .platforms.base import AccountFacts
from .platforms.errors import AuthError, PlatformFailure

log = logging.getLogger(__name__)


@dataclass
class CheckFailed(Exception):
    """The platform refused the credentials or could not be reached; nothing was saved."""

    message: str
    help_text: str
    kind: str

    def __str__(self) -> str:
        return f"{self.message} {self.help_text}".strip()


def check_credentials(connection: Connection, credentials: dict) -> AccountFacts:
    """One cheap authenticated call with these credentials for this (maybe unsaved) connection.

    Returns AccountFacts or raises CheckFailed.
    """
    adapter = connection.adapter
    try:
        return adapter.check(connection.context(credentials))
    except PlatformFailure as exc:
        raise CheckFailed(exc.message, adapter.explain(exc), exc.kind) from None


def secret_names(platform_key: str) -> set[str]:
    return {f.name for f in registry.get(platform_key).credential_fields if f.secret}


def create_connection(merchant, platform_key: str, name: str, credentials: dict, options: dict) -> Connection:
    """Check the credentials, then save connection and credential together, connected.

    `options` holds the Connection fields chosen in the form (auto_sync, import_statuses, ...).
    Raises CheckFailed, in which case nothing is written.
    """
    connection = Connection(merchant=merchant, platform=platform_key, name=name, **options)
    facts = check_credentials(connection, credentials)
    now = timezone.now()
    with transaction.atomic():
        _mark_checked(connection, facts, now)
        # The first import starts at the scheduler's next tick when auto-sync is on.
        connection.next_sync_at = now if connection.auto_sync else None
        connection.save()
        credential = Credential(connection=connection)
        credential.set_values(credentials, secret_names(platform_key))
        credential.save()
    return connection


def update_connection(connection: Connection, name: str, new_credentials: dict, options: dict) -> Connection:
    """Save an edit. Blank secrets keep the stored ones; changed credentials are checked first."""
    stored = connection.stored_credentials()
    credentials = {**stored, **{k: v for k, v in new_credentials.items() if v}}
    for field_name, value in options.items():
        setattr(connection, field_name, value)
    connection.name = name
    now = timezone.now()
    facts = None
    repairing = connection.status in (Connection.Status.NEEDS_ATTENTION, Connection.Status.DISCONNECTED)
    if credentials != stored or repairing:
        facts = check_credentials(connection, credentials)
    with transaction.atomic():
        if facts is not None:  # credentials new or repaired: sync soon
            _mark_checked(connection, facts, now)
            connection.next_sync_at = now if connection.auto_sync else None
        elif connection.is_active:
            connection.next_sync_at = connection.schedule_next_sync(now)
        connection.save()
        if credentials != stored:
            credential, _ = Credential.objects.get_or_create(connection=connection, defaults={"secret": "{}"})
            credential.set_values(credentials, secret_names(connection.platform))
            credential.save()
    return connection


def test_connection(connection: Connection) -> AccountFacts:
    """The Test connection button: check the stored credentials and record the outcome."""
    try:
        facts = check_credentials(connection, connection.stored_credentials())
    except CheckFailed as failure:
        record_failure(connection, f"{failure.message} {failure.help_text}".strip(), auth=failure.kind == "auth")
        raise
    now = timezone.now()
    fields = {"account_facts": {"summary": facts.summary, **facts.details}, "last_checked_at": now}
    if connection.status in (Connection.Status.NEEDS_ATTENTION, Connection.Status.PENDING):
        fields.update(
            status=Connection.Status.CONNECTED,
            last_error="",
            consecutive_failures=0,
            next_sync_at=now if connection.auto_sync else None,
        )
    Connection.objects.filter(pk=connection.pk).update(**fields)
    connection.refresh_from_db()
    return facts


def record_failure(connection: Connection, message: str, *, auth: bool) -> None:
    """Write an error the merchant must see; rejected credentials also stop the schedule."""
    fields = {"last_error": message, "last_error_at": timezone.now()}
    if auth:
        fields.update(status=Connection.Status.NEEDS_ATTENTION, next_sync_at=None)
    Connection.objects.filter(pk=connection.pk).exclude(
        status__in=[Connection.Status.PAUSED, Connection.Status.DISCONNECTED]
    ).update(**fields)


def record_platform_failure(connection: Connection, error: PlatformFailure) -> None:
    if isinstance(error, AuthError):
        record_failure(connection, f"{error.message} {connection.adapter.explain(error)}".strip(), auth=True)


def pause(connection: Connection) -> None:
    Connection.objects.filter(pk=connection.pk).exclude(status=Connection.Status.DISCONNECTED).update(
        status=Connection.Status.PAUSED, next_sync_at=None
    )


def resume(connection: Connection) -> None:
    now = timezone.now()
    connection.refresh_from_db()
    if connection.status != Connection.Status.PAUSED:
        return
    status = Connection.Status.NEEDS_ATTENTION if connection.last_error else Connection.Status.CONNECTED
    connection.status = status
    Connection.objects.filter(pk=connection.pk, status=Connection.Status.PAUSED).update(
        status=status, next_sync_at=now if connection.auto_sync else None
    )


def disconnect(connection: Connection) -> None:
    """Stop syncing and destroy the credentials; orders already imported stay."""
    with transaction.atomic():
        Credential.objects.filter(connection=connection).delete()
        Connection.objects.filter(pk=connection.pk).update(
            status=Connection.Status.DISCONNECTED, next_sync_at=None, cursor=None
        )


def _mark_checked(connection: Connection, facts: AccountFacts, now) -> None:
    connection.status = Connection.Status.CONNECTED
    connection.account_facts = {"summary": facts.summary, **facts.details}
    connection.last_checked_at = now
    connection.last_error = ""
    connection.consecutive_failures = 0
