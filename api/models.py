"""API tokens: one per use a merchant member makes of the portal's REST API.

The token itself is shown once, when it is made; only its SHA-256 is stored, with a
short prefix to recognise it by. A revoked token is kept (when it was made, last used
and revoked) and answers 401.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

TOKEN_PREFIX = "pt_"  # noqa: S105 (a label, not a secret)
# The prefix and this many characters of the token are kept to tell tokens apart.
SHOWN_CHARACTERS = 8
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    # The member's merchant when the token was made: a token never follows its user to another merchant.
    merchant = models.ForeignKey("portal.Merchant", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the system that uses it.")
    prefix = models.CharField(max_length=20, editable=False, help_text="The token's first characters, for display.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of the token.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.hint})"

    @property
    def hint(self) -> str:
        return f"{self.prefix}\u2026"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @classmethod
    def issue(cls, user, merchant, name: str) -> tuple[ApiToken, str]:
        """A new token for `user` at `merchant`: (the row, the token), the token never stored."""
        value = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 43 characters, 256 bits
        token = cls.objects.create(
            user=user,
            merchant=merchant,
            name=name,
            prefix=value[: len(TOKEN_PREFIX) + SHOWN_CHARACTERS],
            key_hash=hash_token(value),
        )
        return token, value

    def revoke(self) -> bool:
        """Revoke it now; False when it already was."""
        now = timezone.now()
        revoked = ApiToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=now)
        if revoked:
            self.revoked_at = now
        return bool(revoked)

    def touch(self) -> None:
        """Record a use, at most once per LAST_USED_RESOLUTION (one conditional UPDATE)."""
        now = timezone.now()
        if self.last_used_at is not None and self.last_used_at >= now - LAST_USED_RESOLUTION:
            return  # no write at all on most requests
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        if ApiToken.objects.filter(stale, pk=self.pk).update(last_used_at=now):
            self.last_used_at = now
