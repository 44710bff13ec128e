"""`manage.py check --deploy`: what Django's own security checks leave unsaid about our settings."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

# What the browsers' preload list asks of a site's header (hstspreload.org).
PRELOAD_MIN_SECONDS = 31_536_000


@register(Tags.security, deploy=True)
def check_hsts_preload(app_configs, **kwargs):
    """HSTS_PRELOAD is only honoured with a year or more and the subdomains: say so, not a silent no-op."""
    if not settings.SECURE_HSTS_PRELOAD:
        return []
    missing = []
    if settings.SECURE_HSTS_SECONDS < PRELOAD_MIN_SECONDS:
        missing.append(f"HSTS_SECONDS of at least {PRELOAD_MIN_SECONDS} (a year; it is {settings.SECURE_HSTS_SECONDS})")
    if not settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        missing.append("HSTS_INCLUDE_SUBDOMAINS=true")
    if not missing:
        return []
    return [
        Warning(
            "HSTS_PRELOAD is set, but the browsers' preload list takes a site only with " + " and ".join(missing) + ".",
            hint="Set those as well, or leave HSTS_PRELOAD false.",
            id="portal.W001",
        )
    ]
