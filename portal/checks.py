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


# The least each kind is kept (days) before `manage.py check` warns (portal.retention): webhook
# events guard against a platform's late redelivery, runs and problems feed the health pages.
RETENTION_MINIMUM_DAYS = {
    "KEEP_SYNC_RUNS_DAYS": 7,
    "KEEP_WEBHOOK_EVENTS_DAYS": 7,
    "KEEP_PROBLEMS_DAYS": 30,
    "KEEP_AUDIT_DAYS": 365,
}
# A batch larger than this holds its row locks for seconds.
PRUNE_BATCH_MAX = 50_000


@register()
def check_retention(app_configs, **kwargs):
    """Retention settings that would lose what the portal or staff still need."""
    warnings = []
    for name, minimum in RETENTION_MINIMUM_DAYS.items():
        days = getattr(settings, name)
        if days < minimum:
            warnings.append(
                Warning(
                    f"{name}={days} is below the safe minimum of {minimum} days.",
                    hint=f"Set {name} to {minimum} or more.",
                    id="portal.W010",
                )
            )
    others = {name: getattr(settings, name) for name in RETENTION_MINIMUM_DAYS if name != "KEEP_AUDIT_DAYS"}
    longest = max(others, key=others.get)
    audit_days = settings.KEEP_AUDIT_DAYS
    if audit_days < others[longest]:
        warnings.append(
            Warning(
                f"KEEP_AUDIT_DAYS={audit_days} keeps the audit trail shorter than {longest}={others[longest]}.",
                hint="The audit trail is kept longest: raise KEEP_AUDIT_DAYS.",
                id="portal.W011",
            )
        )
    if not 1 <= settings.PRUNE_BATCH_SIZE <= PRUNE_BATCH_MAX:
        warnings.append(
            Warning(
                f"PRUNE_BATCH_SIZE={settings.PRUNE_BATCH_SIZE} is outside 1–{PRUNE_BATCH_MAX:,}.",
                hint="Each batch is one transaction: keep it a few thousand rows (default 5000).",
                id="portal.W012",
            )
        )
    return warnings
