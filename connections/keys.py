"""Whether FERNET_KEYS decrypt what the portal stored: checked as the portal starts, and on /healthz.

A wrong FERNET_KEYS used to show late and unclearly (a bare `InvalidToken` in the log, pages
answering 500, `/healthz` saying ok). Now:

* `check` decrypts the check value (`KeyCanary`, a known text written with the first key on a
  new install and by every `rotate_fernet_keys`) and a sample of the stored credentials (the
  first and the last saved): two or three indexed reads, cheap enough for `/healthz`.
* `startup_problem` is that check as the portal starts: through Django's system checks (so
  `manage.py check`, `runserver`, `migrate`, `qcluster` and every command that runs them) and in
  `portal/wsgi.py` (a gunicorn worker refuses to boot). It writes the check value when there is
  none, once every credential has been seen to decrypt, and otherwise answers what is wrong and
  how to fix it, in words naming FERNET_KEYS. A database not yet migrated is nobody's problem.
* `reseal` is `rotate_fernet_keys`: every credential and the check value re-encrypted with the
  first key (and the webhook secrets' digests written again), or nothing when one cannot be read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from .models import Credential, KeyCanary
from .sealed import CredentialsUnreadable, opened

log = logging.getLogger(__name__)

READABLE, UNREADABLE, ABSENT = "readable", "unreadable", "absent"
SHOWN_IDS = 10  # connections named in a message; the rest are counted

HOW_TO_FIX = (
    "Put back the key they were encrypted with (the first key of FERNET_KEYS when they were saved) anywhere in "
    "FERNET_KEYS, then restart. To change keys, put the new key first and keep the old one, run "
    "`python manage.py rotate_fernet_keys`, and only then remove the old key. If the old key is lost for good, "
    "`python manage.py rotate_fernet_keys --disconnect-unreadable` disconnects the connections whose credentials "
    "cannot be decrypted (their merchants enter them again) and re-encrypts the rest."
)


@dataclass(frozen=True)
class KeyCheck:
    """What FERNET_KEYS could and could not decrypt."""

    canary: str  # readable, unreadable or absent
    checked: int = 0  # credentials tried
    unreadable: tuple[int, ...] = field(default=())  # connections whose credentials could not be decrypted

    @property
    def ok(self) -> bool:
        return self.canary != UNREADABLE and not self.unreadable

    def failures(self) -> str:
        """What could not be decrypted, in words ('' when nothing)."""
        parts = []
        if self.canary == UNREADABLE:
            parts.append("the check value written at install or by the last rotate_fernet_keys")
        if self.unreadable:
            parts.append(f"the credentials of {connections_named(self.unreadable)}")
        return " and ".join(parts)

    def refusal(self) -> str:
        return (
            "FERNET_KEYS cannot decrypt the stored credentials (the key that encrypted them is not in the list): "
            f"{self.failures()} could not be decrypted. {HOW_TO_FIX}"
        )


def connections_named(ids: tuple[int, ...]) -> str:
    """'connection 3', 'connections 3, 7', or the first SHOWN_IDS and how many more."""
    shown = ", ".join(str(pk) for pk in ids[:SHOWN_IDS])
    more = f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
    return f"connection{'s' if len(ids) > 1 else ''} {shown}{more}"


def check(*, full: bool = False, canary_table: bool = True) -> KeyCheck:
    """Decrypt the check value and the first and last credentials saved (every credential when `full`)."""
    canary = _canary_state() if canary_table else ABSENT
    rows = Credential.objects.order_by("pk").values_list("connection_id", "secret")
    if full:
        sample = rows.iterator(chunk_size=500)
    else:
        sample = {pk: secret for pk, secret in [*rows[:1], *rows.order_by("-pk")[:1]]}.items()
    checked, unreadable = 0, []
    for connection_id, secret in sample:
        checked += 1
        try:
            opened(secret)
        except CredentialsUnreadable:
            unreadable.append(connection_id)
    return KeyCheck(canary=canary, checked=checked, unreadable=tuple(sorted(unreadable)))


def _canary_state() -> str:
    canary = KeyCanary.objects.order_by("pk").first()
    if canary is None:
        return ABSENT
    try:
        return READABLE if opened(canary.sealed) == KeyCanary.TEXT else UNREADABLE
    except CredentialsUnreadable:
        return UNREADABLE


def write_canary() -> None:
    """The check value, encrypted with FERNET_KEYS' first key (the only one, from now on)."""
    with transaction.atomic():
        KeyCanary.objects.exclude(pk=1).delete()
        KeyCanary.objects.update_or_create(pk=1, defaults={"sealed": KeyCanary.TEXT, "written_at": timezone.now()})


def startup_problem() -> str:
    """'' when FERNET_KEYS decrypt what is stored, or the refusal's words when they do not.

    The check value and the sample first; when the check value is missing (a new install, the
    first start since this check came) or unreadable while the sample decrypts, every stored
    credential is decrypted once: if all of them are, nothing is at stake and the check value is
    written (anew) with the first key.
    """
    tables = set(connection.introspection.table_names())
    if Credential._meta.db_table not in tables:
        return ""  # not migrated yet: nothing stored to decrypt
    canary_table = KeyCanary._meta.db_table in tables
    result = check(canary_table=canary_table)
    if result.unreadable or (result.canary == READABLE or not canary_table):
        return "" if result.ok else result.refusal()
    result = check(full=True)
    if result.unreadable:
        return result.refusal()
    if result.canary == UNREADABLE:
        log.warning("FERNET_KEYS changed, and every stored credential still decrypts: the check value is written anew.")
        write_canary()
    else:
        _write_canary_once()
    return ""


def _write_canary_once() -> None:
    try:
        with transaction.atomic():
            KeyCanary.objects.create(pk=1, sealed=KeyCanary.TEXT)
    except IntegrityError:
        pass  # another process starting at the same moment wrote it


def require_readable() -> None:
    """Refuse to start (ImproperlyConfigured, naming FERNET_KEYS) when the keys cannot decrypt what is stored.

    A database that does not answer is not a reason to refuse: `/healthz` says so, and checks
    the keys again once it answers."""
    try:
        problem = startup_problem()
    except DatabaseError as exc:
        log.warning(
            "FERNET_KEYS could not be checked at start-up: no answer from the database (%s).", type(exc).__name__
        )
        return
    if problem:
        raise ImproperlyConfigured(problem)


def system_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Django's system check (registered in `ConnectionsConfig.ready`): an error stops the command."""
    try:
        problem = startup_problem()
    except DatabaseError as exc:
        return [
            checks.Warning(
                f"FERNET_KEYS could not be checked: the database did not answer ({type(exc).__name__}).",
                id="connections.W001",
            )
        ]
    return [checks.Error(problem, id="connections.E001")] if problem else []


@dataclass(frozen=True)
class Resealed:
    credentials: int
    unreadable: tuple[int, ...]


def reseal() -> Resealed:
    """Re-encrypt every credential and the check value with the first key of FERNET_KEYS, in one transaction.

    Writes nothing when a credential cannot be decrypted: returns the connections it could not
    read (the caller decides: put the key back, or disconnect them). The webhook secrets' digests
    are written again on the way (a row saved before they existed gets them)."""
    count, unreadable = 0, []
    with transaction.atomic():
        for credential in Credential.objects.select_for_update().select_related("connection").iterator():
            try:
                values = credential.values()
            except CredentialsUnreadable:
                unreadable.append(credential.connection_id)
                continue
            credential.set_values(values, credential.connection.adapter.credential_fields)
            credential.save(update_fields=["secret", "hints", "digests"])
            count += 1
        if unreadable:
            transaction.set_rollback(True)
            return Resealed(0, tuple(sorted(unreadable)))
        write_canary()
    return Resealed(count, ())
