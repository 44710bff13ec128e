"""Every platform's sandbox part, from the installed platform packages."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from connections.platforms.installed import PLATFORMS

from .parts import SandboxPart


@cache
def parts() -> dict[str, SandboxPart]:
    found = {}
    for package in PLATFORMS:
        part = import_module(f"{package}.sandbox.part").SANDBOX
        found[part.key] = part
    return found


def part(key: str) -> SandboxPart | None:
    return parts().get(key)


def mounts() -> list[tuple[str, str]]:
    """(URL prefix, URL module) of each platform's sandbox: its pages are under /sandbox/<key>/."""
    return [(package.rpartition(".")[2], f"{package}.sandbox.urls") for package in PLATFORMS]
