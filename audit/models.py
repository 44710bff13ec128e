"""The audit trail: who changed which connection, when, and from where. Never a secret's value.

Sign-in lockouts and unlocks are recorded here too (`portal.lockout`), with no connection.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One change to a connection (or one staff operation on it), kept for staff.

    `changes` holds the names of the credential fields that changed (never their values)
    and, for options, the old and new values (options are not secret). The connection
    and merchant are kept as text too, so an entry outlives what it speaks of.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Connection created"
        CREDENTIALS_CHANGED = "credentials_changed", "Credentials changed"
        OPTIONS_CHANGED = "options_changed", "Options changed"
        PAUSED = "paused", "Paused"
        RESUMED = "resumed", "Resumed"
        DISCONNECTED = "disconnected", "Disconnected"
        DELETED = "deleted", "Deleted"
        WEBHOOK_SECRET_ROTATED = "webhook_secret_rotated", "Webhook secret rotated"
        WEBHOOK_SECRET_REVEALED = "webhook_secret_revealed", "Webhook secret shown again"
        AUTHORIZATION_STARTED = "authorization_started", "Authorization started"
        AUTHORIZATION_FINISHED = "authorization_finished", "Authorization finished"
        TESTED = "tested", "Connection tested"
        SYNC_REQUESTED = "sync_requested", "Sync requested"
        WEBHOOKS_REPROCESSED = "webhooks_reprocessed", "Webhook events reprocessed"
        PUSH_RETRIED = "push_retried", "Push retried"
        # Sign-in protection (portal.lockout): no connection, the merchant if the username is a member's.
        SIGNIN_LOCKED = "signin_locked", "Sign-in locked out"
        SIGNIN_UNLOCKED = "signin_unlocked", "Sign-in unlocked"

    connection = models.ForeignKey(
        "connections.Connection", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    connection_label = models.CharField(max_length=200, blank=True)
    merchant = models.ForeignKey(
        "portal.Merchant", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    merchant_label = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True, help_text="Who, as they were then ('system' for none).")
    action = models.CharField(max_length=40, choices=Action.choices, db_index=True)
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["connection", "at"], name="audit_connection_at"),
            models.Index(fields=["merchant", "at"], name="audit_merchant_at"),
            # The admin's list, newest first.
            models.Index(fields=["at", "id"], name="audit_at_id"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} · {self.connection_label or self.merchant_label} by {self.actor_label}"

    @property
    def summary(self) -> str:
        """The changes in words: field names for credentials, old → new for options."""
        return describe(self.changes)


def describe(changes: dict) -> str:
    parts = []
    for key, value in (changes or {}).items():
        if isinstance(value, dict) and set(value) == {"old", "new"}:
            parts.append(f"{key}: {_show(value['old'])} \u2192 {_show(value['new'])}")
        elif isinstance(value, list):
            parts.append(f"{key}: {', '.join(str(v) for v in value) or '-'}")
        else:
            parts.append(f"{key}: {_show(value)}")
    return "; ".join(parts)


def _show(value) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
