"""What merchants and staff do to a connection: add, edit, test, pause, resume, disconnect.

Pages and admin call these; they hold the rules (check before saving, nothing
half-made, status written by code only) so both surfaces behave the same. A
connection's state is only ever changed by conditional updates, never by saving a
copy read earlier, so an edit cannot undo a pause or a run's outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import health
from .models import SYNC_OPTION_FIELDS, Connection, Credential, Problem
from .platforms.base import AccountFacts
from .platforms.errors import AuthError, PlatformError, PlatformFailure

log = logging.getLogger(__name__)


# The problem a failed Test connection opens, by the failure's kind (others pass by themselves).
FAILED_CHECK_CAUSES = {
    AuthError.kind: Problem.Cause.CREDENTIALS_REJECTED,
    PlatformError.kind: Problem.Cause.PLATFORM_REFUSING,
}


@dataclass
class CheckFailed(Exception):
    """The platform refused the credentials or could not be reached; nothing was saved."""

    message: str
    help_text: str
    kind: str

    def __str__(self) -> str:
        return f"{self.message} {self.help_text}".strip()

    @property
    def details_may_be_right(self) -> bool:
        """The platform did not answer properly: the merchant's details are not in question."""
        return self.kind in ("transient", "rate_limited")


class NameTaken(Exception):
    """Another connection of this merchant and platform already has the name."""


def check_credentials(connection: Connection, credentials: dict) -> AccountFacts:
    """One cheap authenticated call with these credentials for this (maybe unsaved) connection.

    Returns AccountFacts or raises CheckFailed.
    """
    adapter = connection.adapter
    try:
        return adapter.check(connection.context(credentials))
    except PlatformFailure as exc:
        raise CheckFailed(exc.message, adapter.explain(exc), exc.kind) from None


def new_connection(merchant, platform_key: str, name: str, options: dict) -> Connection:
    """An unsaved connection, to check credentials against before anything is written."""
    return Connection(merchant=merchant, platform=platform_key, name=name, **options)


def check_new(connection: Connection, credentials: dict) -> AccountFacts | None:
    """Check a new connection's credentials; None when a handshake must supply the rest first."""
    if not connection.adapter.has_complete_credentials(credentials):
        return None
    return check_credentials(connection, credentials)


def create_connection(
    merchant, platform_key: str, name: str, credentials: dict, options: dict, *, checked=False, facts=None
) -> Connection:
    """Check the credentials, then save connection and credential together.

    Connected when the platform accepted them; pending when a handshake (NuORDER's
    initiate) must first supply the token. `options` holds the Connection fields chosen
    in the form (auto_sync, import_statuses, ...). Pass `checked=True` with the `facts`
    of an earlier `check_new` to skip the check. Raises CheckFailed or NameTaken, in
    which case nothing is written.
    """
    connection = new_connection(merchant, platform_key, name, options)
    if not checked:
        facts = check_new(connection, credentials)
    now = timezone.now()
    if facts is None:
        connection.status = Connection.Status.PENDING
        connection.account_facts = {"summary": _waiting_words(connection)}
        connection.next_sync_at = None
    else:
        connection.status = Connection.Status.CONNECTED
        connection.account_facts = _facts(facts)
        connection.last_checked_at = now
        # The first import starts at the scheduler's next tick when auto-sync is on.
        connection.next_sync_at = now if connection.auto_sync else None
    try:
        with transaction.atomic():
            connection.save()
            _store_credentials(connection, credentials)
    except IntegrityError:
        raise NameTaken(name) from None
    return connection


def update_connection(connection: Connection, name: str, new_credentials: dict, options: dict) -> Connection:
    """Save an edit. Blank secrets keep the stored ones; new or repaired credentials are checked first."""
    stored = connection.stored_credentials()
    credentials = {**stored, **{k: v for k, v in new_credentials.items() if v}}
    for field_name, value in options.items():
        setattr(connection, field_name, value)
    connection.name = name
    repairing = connection.status in (Connection.Status.NEEDS_ATTENTION, Connection.Status.DISCONNECTED)
    facts = None
    if (credentials != stored or repairing) and connection.adapter.has_complete_credentials(credentials):
        facts = check_credentials(connection, credentials)
    now = timezone.now()
    try:
        with transaction.atomic():
            connection.save(update_fields=["name", "store_name", *SYNC_OPTION_FIELDS, "platform_options", "updated_at"])
            if credentials != stored:
                _store_credentials(connection, credentials)
            if facts is not None:
                _record_check(connection, facts, now)
            else:
                # New options take effect from now, unless a run is under way (its end reschedules).
                Connection.objects.filter(
                    pk=connection.pk, status__in=[Connection.Status.CONNECTED, Connection.Status.NEEDS_ATTENTION]
                ).update(next_sync_at=connection.schedule_next_sync(now))
    except IntegrityError:
        raise NameTaken(name) from None
    connection.refresh_from_db()
    return connection


def test_connection(connection: Connection) -> AccountFacts:
    """The Test connection button: check the stored credentials and record the outcome."""
    try:
        facts = check_credentials(connection, connection.stored_credentials())
    except CheckFailed as failure:
        record_failure(connection, str(failure), auth=failure.kind == AuthError.kind)
        if cause := FAILED_CHECK_CAUSES.get(failure.kind):
            health.report(connection, cause, str(failure))
        raise
    _record_check(connection, facts, timezone.now())
    health.resolve(connection, *health.CLEARED_BY_SUCCESS)
    connection.refresh_from_db()
    return facts


def _record_check(connection: Connection, facts: AccountFacts, now) -> None:
    """The platform accepted the credentials: note what it said, and lift a failure state."""
    Connection.objects.filter(pk=connection.pk).update(account_facts=_facts(facts), last_checked_at=now)
    Connection.objects.filter(
        pk=connection.pk,
        status__in=[
            Connection.Status.NEEDS_ATTENTION,
            Connection.Status.PENDING,
            Connection.Status.DISCONNECTED,
            Connection.Status.CONNECTED,
        ],
    ).update(
        status=Connection.Status.CONNECTED,
        last_error="",
        consecutive_failures=0,
        next_sync_at=now if connection.auto_sync else None,  # credentials good again: sync soon
    )


def _waiting_words(connection: Connection) -> str:
    return (
        f"Waiting for the {connection.adapter.short_name} authorization: staff start it, then you approve "
        f"{settings.NUORDER_APPLICATION_NAME} in {connection.adapter.short_name} and paste the verification code."
    )


# -- the authorization handshake (NuORDER's initiate) ------------------------------------------


def start_authorization(connection: Connection) -> None:
    """Staff: ask the platform for a temporary token the merchant then approves."""
    adapter = connection.adapter
    credentials = connection.stored_credentials()
    try:
        pending = adapter.start_authorization(connection.context(credentials))
    except PlatformFailure as exc:
        raise CheckFailed(exc.message, adapter.explain(exc), exc.kind) from None
    with transaction.atomic():
        _store_credentials(connection, {**credentials, **pending})
        Connection.objects.filter(pk=connection.pk).update(
            account_facts={**connection.account_facts, "authorization_started_at": timezone.now().isoformat()}
        )


def authorization_pending(connection: Connection) -> bool:
    return bool(connection.stored_credentials().get("pending_token"))


def finish_authorization(connection: Connection, code: str) -> AccountFacts:
    """The merchant pasted the verification code: exchange it, store the token, check it."""
    adapter = connection.adapter
    credentials = connection.stored_credentials()
    pending = {k: credentials[k] for k in ("pending_token", "pending_token_secret") if credentials.get(k)}
    if len(pending) != 2:
        raise CheckFailed("There is no authorization waiting for a code.", "Staff must start it first.", "refused")
    try:
        token = adapter.finish_authorization(connection.context(credentials), pending, code.strip())
    except PlatformFailure as exc:
        raise CheckFailed(exc.message, adapter.explain(exc), exc.kind) from None
    final = {k: v for k, v in {**credentials, **token}.items() if k not in pending}
    facts = check_credentials(connection, final)
    with transaction.atomic():
        _store_credentials(connection, final)
        _record_check(connection, facts, timezone.now())
    connection.refresh_from_db()
    return facts


def _facts(facts: AccountFacts) -> dict:
    return {"summary": facts.summary, **facts.details}


def _store_credentials(connection: Connection, credentials: dict) -> None:
    credential, created = Credential.objects.get_or_create(connection=connection, defaults={"secret": "{}"})
    held = {} if created else credential.values()
    values = connection.adapter.completed_credentials(credentials)
    if values.get("webhook_secret") and values["webhook_secret"] != held.get("webhook_secret"):
        # A webhook secret the portal made or the merchant typed: shown once on the connection's page.
        Connection.objects.filter(pk=connection.pk).update(webhook_secret_shown_at=None)
    credential.set_values(values, connection.adapter.credential_fields)
    credential.save()


def rotate_webhook_secret(connection: Connection, new_secret: str = "") -> None:
    """A new webhook secret (typed, or made here); the previous one is accepted for a grace period."""
    from .platforms.partner import new_webhook_secret

    credential = connection.credential
    values = credential.values()
    values["previous_webhook_secret"] = values.get("webhook_secret", "")
    values["webhook_secret"] = new_secret or new_webhook_secret()
    with transaction.atomic():
        credential.set_values(values, connection.adapter.credential_fields)
        credential.save()
        Connection.objects.filter(pk=connection.pk).update(
            webhook_secret_shown_at=None,
            previous_webhook_secret_until=timezone.now() + timedelta(hours=settings.PARTNER_WEBHOOK_GRACE_HOURS),
        )
    connection.refresh_from_db()


def reveal_webhook_secret(connection: Connection) -> str:
    """The webhook secret, the first time only after it was made or rotated; '' afterwards."""
    if not connection.adapter.supports_webhooks:
        return ""
    if not Connection.objects.filter(pk=connection.pk, webhook_secret_shown_at__isnull=True).update(
        webhook_secret_shown_at=timezone.now()
    ):
        return ""
    return connection.stored_credentials().get("webhook_secret", "")


def record_failure(connection: Connection, message: str, *, auth: bool) -> None:
    """Write an error the merchant must see; rejected credentials also stop the schedule."""
    fields = {"last_error": message, "last_error_at": timezone.now()}
    if auth:
        fields.update(status=Connection.Status.NEEDS_ATTENTION, next_sync_at=None)
    Connection.objects.live().filter(pk=connection.pk).update(**fields)


def record_platform_failure(connection: Connection, error: PlatformFailure) -> None:
    if isinstance(error, AuthError):
        message = connection.adapter.describe(error)
        record_failure(connection, message, auth=True)
        health.report(connection, Problem.Cause.CREDENTIALS_REJECTED, message)


def pause(connection: Connection) -> None:
    """No automatic imports or pushes until resumed; a run under way stops at its next page."""
    Connection.objects.filter(pk=connection.pk).exclude(status=Connection.Status.DISCONNECTED).update(
        status=Connection.Status.PAUSED, next_sync_at=None
    )


def resume(connection: Connection) -> None:
    """Back to work: sync soon, and send the pushes that waited."""
    from orders.actions import resume_actions

    connection.refresh_from_db()
    if connection.status != Connection.Status.PAUSED:
        return
    status = Connection.Status.NEEDS_ATTENTION if connection.last_error else Connection.Status.CONNECTED
    if Connection.objects.filter(pk=connection.pk, status=Connection.Status.PAUSED).update(
        status=status, next_sync_at=timezone.now() if connection.auto_sync else None
    ):
        resume_actions(connection)


def disconnect(connection: Connection) -> None:
    """Stop syncing and destroy the credentials; orders already imported stay.

    A run under way stops at its next page (it finds the connection no longer live).
    """
    with transaction.atomic():
        Credential.objects.filter(connection=connection).delete()
        Connection.objects.filter(pk=connection.pk).update(
            status=Connection.Status.DISCONNECTED, next_sync_at=None, cursor=None
        )
