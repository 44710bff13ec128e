"""Webhook deliveries: what the kit gives a platform that pushes order events to us."""

from __future__ import annotations

import secrets


def new_secret() -> str:
    """A shared secret the portal makes for a platform's webhook settings."""
    return secrets.token_urlsafe(32)
