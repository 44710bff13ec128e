"""The platforms the portal knows, loaded from their packages (`installed.PLATFORMS`).

The rest of the portal reads platforms only through here; adding one needs no migration.
"""

from __future__ import annotations

from importlib import import_module

from .installed import PLATFORMS
from .platform import Platform


def _load() -> dict[str, Platform]:
    platforms = {}
    for package in PLATFORMS:
        platform = import_module(f"{package}.adapter").PLATFORM
        if package.rpartition(".")[2] != platform.key:
            raise ImportError(f"{package}: a platform's package is named by its key ({platform.key!r})")
        platforms[platform.key] = platform
    return platforms


_PLATFORMS: dict[str, Platform] = _load()


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
