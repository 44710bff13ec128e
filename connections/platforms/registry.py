"""The platforms the portal knows. Adding one is a module and a line here; no migration."""

from __future__ import annotations

from . import noths, nuorder, partner
from .platform import Platform

_PLATFORMS: dict[str, Platform] = {p.key: p for p in (noths.PLATFORM, nuorder.PLATFORM, partner.PLATFORM)}


def get(key: str) -> Platform:
    try:
        return _PLATFORMS[key]
    except KeyError:
        raise LookupError(f"Unknown platform {key!r}") from None


def all_platforms() -> list[Platform]:
    return list(_PLATFORMS.values())


def webhook_platforms() -> list[str]:
    """The keys of the platforms that push order events to us."""
    return [p.key for p in _PLATFORMS.values() if p.deliveries is not None]


def is_known(key: str | None) -> bool:
    return key in _PLATFORMS
