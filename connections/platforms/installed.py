"""The platforms this portal speaks to: a platform is its package and one line here.

Read before Django starts (the settings ask it for each package's settings and apps),
so this module imports nothing of Django; `registry` loads the platforms themselves.
"""

from importlib import import_module

PLATFORMS = (
    "connections.platforms.noths",
    "connections.platforms.nuorder",
    "connections.platforms.partner",
    "connections.platforms.shopify",
)


def platform_settings(env, sandbox: str | None) -> dict:
    """Every package's settings (its `conf.settings`); `sandbox` is the sandbox's address when
    the demo sends every platform's calls there, else None."""
    found: dict = {}
    for package in PLATFORMS:
        found.update(import_module(f"{package}.conf").settings(env, sandbox))
    return found


def apps(*, sandbox: bool) -> list[str]:
    """The Django apps of the platforms (templates), and of their sandboxes when the sandbox is on."""
    return [*PLATFORMS, *(f"{package}.sandbox" for package in PLATFORMS if sandbox)]
