"""What merchants and staff do to a connection: add, edit, test, pause, resume, disconnect.

Pages and admin call these; they hold the rules (check before saving, nothing
half-made, status written by code only) so both surfaces behave the same. A
connection's state is only ever changed by conditional updates, never by saving a
copy read earlier, so an edit cannot undo a pause or a run's outcome.

Every change is written to the audit trail (`audit.trail`) in the same transaction,
with the `Actor` the caller passes (pages and admin build it from the request; none
means the system): credential field names, never their values; options old → new.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.trail import Action, Actor, credential_fields_changed, option_changes, options_of, record
from orders.actions import resume_actions

from . import clock, health, webhooks
from .context import platform_context
from .models import SYNC_OPTION_FIELDS, Connection, Credential
from .platforms import deliveries
from .platforms.base import AccountFacts
from .platforms.errors import AuthError, PlatformFailure
from .sealed import STAFF_FIX, UNREADABLE_WORDS, CredentialsUnreadable

log = logging.getLogger(__name__)


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


def unreadable_failure(connection: Connection, during: str) -> CheckFailed:
    """FERNET_KEYS cannot decrypt the stored credentials: logged, and what to tell the person."""
    health.log_unreadable(connection, during)
    return CheckFailed(UNREADABLE_WORDS, f"Staff: {STAFF_FIX}", CredentialsUnreadable.kind)


class NameTaken(Exception):
    """Another connection of this merchant and platform already has the name."""


def check_credentials(connection: Connection, credentials: dict) -> AccountFacts:
    """One cheap authenticated call with these credentials for this (maybe unsaved) connection.

    Returns AccountFacts or raises CheckFailed.
    """
    adapter = connection.adapter
    context = platform_context(connection, credentials, inline=True)
    try:
        return adapter.check(context)
    except PlatformFailure as exc:
        raise CheckFailed(exc.message, adapter.explain(exc), exc.kind) from None
    finally:
        clock.note(connection, context.clock)


def new_connection(merchant, platform_key: str, name: str, options: dict) -> Connection:
    """An unsaved connection, to check credentials against before anything is written."""
    return Connection(merchant=merchant, platform=platform_key, name=name, **options)


def check_new(connection: Connection, credentials: dict) -> AccountFacts | None:
    """Check a new connection's credentials; None when a handshake must supply the rest first."""
    if not connection.adapter.has_complete_credentials(credentials):
        return None
    return check_credentials(connection, credentials)


def create_connection(
    merchant,
    platform_key: str,
    name: str,
    credentials: dict,
    options: dict,
    *,
    checked=False,
    facts=None,
    actor: Actor | None = None,
) -> Connection:
    """Check the credentials, then save connection and credential together.

    Connected when the platform accepted them; pending when an authorization (the
    platform's `Authorization` part) must first supply the rest. `options` holds the Connection fields chosen
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
            fields = _store_credentials(connection, credentials)
            record(
                Action.CREATED,
                connection=connection,
                actor=actor,
                changes={
                    "platform": platform_key,
                    "status": connection.status,
                    **_options_set(connection),
                    "credential_fields": fields,
                },
            )
    except IntegrityError:
        raise NameTaken(name) from None
    return connection


def _options_set(connection: Connection) -> dict:
    return {name: value for name, value in options_of(connection).items() if value not in (None, "", [], {})}


def update_connection(
    connection: Connection, name: str, new_credentials: dict, options: dict, *, actor: Actor | None = None
) -> Connection:
    """Save an edit. Blank secrets keep the stored ones; new or repaired credentials are checked first."""
    before = options_of(Connection.objects.get(pk=connection.pk))
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
            if credentials != stored and (fields := _store_credentials(connection, credentials)):
                record(Action.CREDENTIALS_CHANGED, connection=connection, actor=actor, changes={"fields": fields})
            if changes := option_changes(before, options_of(connection)):
                record(Action.OPTIONS_CHANGED, connection=connection, actor=actor, changes=changes)
                _reschedule_reconcile(connection, changes)
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


STAFF_EDITABLE_FIELDS = ("name", "store_name", "base_url_override", *SYNC_OPTION_FIELDS, "platform_options")


def save_staff_edit(connection: Connection, *, actor: Actor | None = None) -> None:
    """Staff's admin edit: only what staff may edit is written (never the status, so a run's
    outcome or a pause is never overwritten), and the change goes to the audit trail.

    The connection was validated first (the admin's form: `Connection.clean_fields` refuses an API
    host override the portal would not call); every request to an override is checked again."""
    before = options_of(Connection.objects.get(pk=connection.pk))
    with transaction.atomic():
        connection.save(update_fields=[*STAFF_EDITABLE_FIELDS, "updated_at"])
        if changes := option_changes(before, options_of(connection)):
            record(Action.OPTIONS_CHANGED, connection=connection, actor=actor, changes=changes)
            _reschedule_reconcile(connection, changes)


def _reschedule_reconcile(connection: Connection, changes: dict) -> None:
    """New reconciliation options: the tick gives the next one a time within the new interval."""
    if {"reconcile", "reconcile_interval_minutes"} & set(changes):
        Connection.objects.filter(pk=connection.pk).update(next_reconcile_at=None)


def test_connection(connection: Connection, *, actor: Actor | None = None) -> AccountFacts:
    """The Test connection button: check the stored credentials and record the outcome."""
    try:
        try:
            credentials = connection.stored_credentials()
        except CredentialsUnreadable:
            raise unreadable_failure(connection, "Test connection") from None
        facts = check_credentials(connection, credentials)
    except CheckFailed as failure:
        health.record_failure(connection, str(failure), auth=failure.kind == AuthError.kind)
        if cause := health.CAUSE_BY_KIND.get(failure.kind):
            health.report(connection, cause, str(failure))
        record(
            Action.TESTED, connection=connection, actor=actor, changes={"outcome": "failed", "error": failure.message}
        )
        raise
    _record_check(connection, facts, timezone.now())
    record(Action.TESTED, connection=connection, actor=actor, changes={"outcome": "passed"})
    connection.refresh_from_db()
    return facts


def _record_check(connection: Connection, facts: AccountFacts, now) -> None:
    """The platform accepted the credentials: note what it said, and lift a failure state."""
    health.resolve(connection, *health.CLEARED_BY_CHECK)
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
    authorization = connection.adapter.authorization
    if authorization is None:
        return f"Waiting for credentials {connection.adapter.short_name} accepts."
    return authorization.waiting_words


# -- the authorization handshake (a platform's `Authorization` part) ----------------------------


def _authorization(connection: Connection):
    authorization = connection.adapter.authorization
    if authorization is None:
        raise CheckFailed(f"{connection.adapter.short_name} has no authorization step.", "", "refused")
    return authorization


def start_authorization(connection: Connection, *, actor: Actor | None = None) -> None:
    """Staff: ask the platform for a request the merchant then approves."""
    adapter = connection.adapter
    authorization = _authorization(connection)
    credentials = connection.stored_credentials()
    try:
        pending = authorization.start(platform_context(connection, credentials, inline=True))
    except PlatformFailure as exc:
        raise CheckFailed(exc.message, adapter.explain(exc), exc.kind) from None
    with transaction.atomic():
        fields = _store_credentials(connection, {**credentials, **pending})
        Connection.objects.filter(pk=connection.pk).update(
            account_facts={**connection.account_facts, "authorization_started_at": timezone.now().isoformat()}
        )
        record(Action.AUTHORIZATION_STARTED, connection=connection, actor=actor, changes={"fields": fields})


def authorization_pending(connection: Connection) -> bool:
    """Whether an authorization was started and waits for the merchant's code."""
    authorization = connection.adapter.authorization
    if authorization is None:
        return False
    try:
        credentials = connection.stored_credentials()
    except CredentialsUnreadable:
        return False  # the page says why nothing can be done now
    return all(credentials.get(name) for name in authorization.pending_fields)


def finish_authorization(connection: Connection, code: str, *, actor: Actor | None = None) -> AccountFacts:
    """The merchant pasted the verification code: exchange it, store the credentials, check them."""
    adapter = connection.adapter
    authorization = _authorization(connection)
    credentials = connection.stored_credentials()
    pending = {k: credentials[k] for k in authorization.pending_fields if credentials.get(k)}
    if len(pending) != len(authorization.pending_fields):
        raise CheckFailed("There is no authorization waiting for a code.", "Staff must start it first.", "refused")
    try:
        token = authorization.finish(platform_context(connection, credentials, inline=True), pending, code.strip())
    except PlatformFailure as exc:
        raise CheckFailed(exc.message, adapter.explain(exc), exc.kind) from None
    final = {k: v for k, v in {**credentials, **token}.items() if k not in pending}
    facts = check_credentials(connection, final)
    with transaction.atomic():
        fields = _store_credentials(connection, final)
        _record_check(connection, facts, timezone.now())
        record(Action.AUTHORIZATION_FINISHED, connection=connection, actor=actor, changes={"fields": fields})
    connection.refresh_from_db()
    return facts


def _facts(facts: AccountFacts) -> dict:
    return {"summary": facts.summary, **facts.details}


def _store_credentials(connection: Connection, credentials: dict) -> list[str]:
    """Store the values encrypted; returns the names (only) of the fields that changed."""
    credential, created = Credential.objects.get_or_create(connection=connection, defaults={"secret": "{}"})
    held = {} if created else credential.values()
    values = connection.adapter.completed_credentials(credentials)
    field = _shown_secret_field(connection)
    if field and values.get(field) and values[field] != held.get(field):
        # A webhook secret the portal made or the merchant typed: shown once on the connection's page.
        Connection.objects.filter(pk=connection.pk).update(webhook_secret_shown_at=None)
    credential.set_values(values, connection.adapter.credential_fields)
    credential.save()
    webhooks.forget(connection)
    return credential_fields_changed(held, values)


def _shown_secret_field(connection: Connection) -> str:
    """The credential holding a webhook secret the portal shows once (one it makes), or ''."""
    part = connection.adapter.deliveries
    return part.secret_field if part is not None and part.makes_secret else ""


class SecretRequired(ValueError):
    """The platform's webhook secret is the merchant's own (made on the platform): type it."""


def rotate_webhook_secret(connection: Connection, new_secret: str = "", *, actor: Actor | None = None) -> None:
    """A new webhook secret (typed, or made here when the portal makes them); the previous one is
    accepted for WEBHOOK_SECRET_GRACE_HOURS."""
    part = connection.adapter.deliveries
    if part is None:
        raise SecretRequired(f"{connection.adapter.short_name} sends no webhooks.")
    if not new_secret and not part.makes_secret:
        raise SecretRequired(f"Type the new secret {connection.adapter.short_name} signs its webhooks with.")
    field = part.secret_field
    credential = connection.credential
    values = credential.values()
    values[f"previous_{field}"] = values.get(field, "")
    values[field] = new_secret or deliveries.new_secret()
    with transaction.atomic():
        credential.set_values(values, connection.adapter.credential_fields)
        credential.save()
        Connection.objects.filter(pk=connection.pk).update(
            webhook_secret_shown_at=None,
            previous_webhook_secret_until=timezone.now() + timedelta(hours=settings.WEBHOOK_SECRET_GRACE_HOURS),
        )
        record(
            Action.WEBHOOK_SECRET_ROTATED,
            connection=connection,
            actor=actor,
            changes={"fields": [field], "typed_by_user": bool(new_secret)},
        )
    webhooks.forget(connection)
    connection.refresh_from_db()


def reveal_webhook_secret(connection: Connection) -> str:
    """A webhook secret the portal made, the first time only after it was made or rotated; '' afterwards
    (and always for a platform whose secret is the merchant's own: secrets are never shown back)."""
    field = _shown_secret_field(connection)
    if not field or not connection.credentials_readable():
        return ""  # unreadable: still to be shown once, when FERNET_KEYS can decrypt it again
    if not Connection.objects.filter(pk=connection.pk, webhook_secret_shown_at__isnull=True).update(
        webhook_secret_shown_at=timezone.now()
    ):
        return ""
    return connection.stored_credentials().get(field, "")


def secret_shown_again(connection: Connection) -> bool:
    """Whether a member may have the webhook secret shown again: one the portal made, readable now."""
    return bool(_shown_secret_field(connection)) and connection.credentials_readable()


def reveal_webhook_secret_again(connection: Connection, *, actor: Actor | None = None) -> str:
    """The webhook secret the portal made, decrypted for one answer to a member who typed their
    password; the audit trail records who and when (never the value)."""
    field = _shown_secret_field(connection)
    secret = connection.stored_credentials().get(field, "") if field else ""
    if secret:
        record(Action.WEBHOOK_SECRET_REVEALED, connection=connection, actor=actor, changes={"fields": [field]})
    return secret


def pause(connection: Connection, *, actor: Actor | None = None) -> bool:
    """No automatic imports or pushes until resumed; a run under way stops at its next page.

    Returns whether it was paused now (not already paused, nor disconnected)."""
    with transaction.atomic():
        paused = (
            Connection.objects.filter(pk=connection.pk)
            .exclude(status__in=[Connection.Status.DISCONNECTED, Connection.Status.PAUSED])
            .update(status=Connection.Status.PAUSED, next_sync_at=None)
        )
        if paused:
            record(Action.PAUSED, connection=connection, actor=actor)
    return bool(paused)


def resume(connection: Connection, *, actor: Actor | None = None) -> bool:
    """Back to work: sync soon, and send the pushes that waited."""
    connection.refresh_from_db()
    if connection.status != Connection.Status.PAUSED:
        return False
    status = Connection.Status.NEEDS_ATTENTION if connection.last_error else Connection.Status.CONNECTED
    with transaction.atomic():
        resumed = Connection.objects.filter(pk=connection.pk, status=Connection.Status.PAUSED).update(
            status=status, next_sync_at=timezone.now() if connection.auto_sync else None
        )
        if resumed:
            record(Action.RESUMED, connection=connection, actor=actor, changes={"status": status})
    if resumed:
        resume_actions(connection)
    return bool(resumed)


def disconnect(connection: Connection, *, actor: Actor | None = None) -> None:
    """Stop syncing and destroy the credentials; orders already imported stay.

    A run under way stops at its next page (it finds the connection no longer live).
    """
    with transaction.atomic():
        try:
            held = connection.stored_credentials()
        except CredentialsUnreadable:
            held = connection.credential_hints()  # the fields that held a value: the names are all the trail keeps
        Credential.objects.filter(connection=connection).delete()
        Connection.objects.filter(pk=connection.pk).update(
            status=Connection.Status.DISCONNECTED, next_sync_at=None, cursor=None
        )
        record(
            Action.DISCONNECTED,
            connection=connection,
            actor=actor,
            changes={"credential_fields_deleted": sorted(k for k, v in held.items() if v)},
        )
    webhooks.forget(connection)
