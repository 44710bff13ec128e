"""Values encrypted with FERNET_KEYS, decrypted where they are used rather than as their row loads.

`fernet_fields` decrypts a column while the ORM loads its row, so one credential the keys cannot
decrypt made every query that touched the row fail with a bare `InvalidToken` that names no
setting: a connection's page, a webhook's lookup, even reading the credentials' display hints.
`SealedTextField` keeps the loaded token as it is (`Sealed`); `Sealed.open()` decrypts it when the
value is needed and raises `CredentialsUnreadable`, whose words name FERNET_KEYS and the way out.
A sealed value saved unchanged is written back unchanged (never re-encrypted, never lost).
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from django.utils.encoding import force_str
from fernet_fields import EncryptedTextField

# What is wrong, in the words every message about it shares.
KEY_NOT_IN_LIST = "FERNET_KEYS does not hold the key they were encrypted with"
# What staff do about it.
STAFF_FIX = (
    "Put that key back into FERNET_KEYS (anywhere in the list: the first key encrypts, every key decrypts) "
    "and restart the portal and its workers."
)
# What a merchant is told (a run's error, a problem, a connection's page, a refused Test or Edit).
UNREADABLE_WORDS = f"The portal cannot read this connection's stored credentials: {KEY_NOT_IN_LIST}."
MERCHANT_WORDS = f"{UNREADABLE_WORDS} Staff: {STAFF_FIX} Fetches are retried by themselves meanwhile."


class CredentialsUnreadable(Exception):
    """FERNET_KEYS cannot decrypt a stored value: the key that encrypted it is not in the list."""

    kind = "unreadable"  # as a PlatformFailure's kind: what a run's error and a problem's cause are keyed by

    def __init__(self, connection_id: int | None = None):
        self.connection_id = connection_id
        whose = f"of connection {connection_id} " if connection_id is not None else ""
        super().__init__(f"The stored credentials {whose}cannot be decrypted: {KEY_NOT_IN_LIST}. {STAFF_FIX}")


class Sealed:
    """A Fernet token as stored; `open()` decrypts it (once) with the field's FERNET_KEYS."""

    __slots__ = ("_field", "_text", "token")

    def __init__(self, token: bytes, field: SealedTextField):
        self.token = token
        self._field = field
        self._text: str | None = None

    def open(self) -> str:
        if self._text is None:
            try:
                self._text = force_str(self._field.fernet.decrypt(self.token))
            except InvalidToken:
                raise CredentialsUnreadable() from None
        return self._text

    def __repr__(self) -> str:  # never the value, nor the token
        return "<sealed value>"

    __str__ = __repr__


def opened(value) -> str:
    """The text of a value as loaded (`Sealed`) or as assigned (str)."""
    return value.open() if isinstance(value, Sealed) else value


class SealedTextField(EncryptedTextField):
    """`EncryptedTextField` whose value is a `Sealed` token until it is opened."""

    def from_db_value(self, value, expression, connection, *args):
        return None if value is None else Sealed(bytes(value), self)

    def to_python(self, value):
        return value if isinstance(value, Sealed) else super().to_python(value)

    def get_db_prep_save(self, value, connection):
        if isinstance(value, Sealed):  # unchanged: the stored token, not a re-encryption
            return connection.Database.Binary(value.token)
        return super().get_db_prep_save(value, connection)
