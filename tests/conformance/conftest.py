"""The contract sandbox of each registered platform, over real HTTP: the `sandbox` fixture."""

from importlib import import_module

import pytest

from connections.platforms import registry

PLATFORMS = [p.key for p in registry.all_platforms()]


def contract_sandbox(key: str, live_url: str, settings, monkeypatch):
    """(the adapter, its contract `Sandbox`) for platform `key`; fails for a platform without one."""
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0
    package = f"connections.platforms.{key}"
    try:
        contract = import_module(f"{package}.tests.contract")
    except ModuleNotFoundError:
        pytest.fail(f"{key} has no contract sandbox: write {package.replace('.', '/')}/tests/contract.py")
    return registry.get(key), contract.sandbox(live_url, settings, monkeypatch)


@pytest.fixture(params=PLATFORMS)
def sandbox(request, live_server, settings, monkeypatch):
    return contract_sandbox(request.param, live_server.url, settings, monkeypatch)
