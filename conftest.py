"""pytest's root: the shared fixtures, and each platform package's, for every test wherever it sits.

Tests live in tests/ (what crosses platforms) and in each platform package's tests/.
"""

from connections.platforms.installed import PLATFORMS

pytest_plugins = ["tests.fixtures", "tests.browser.fixtures", *(f"{package}.tests.fixtures" for package in PLATFORMS)]
