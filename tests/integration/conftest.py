"""Fixtures shared by the integration tests."""

import pytest

from connections import webhooks


@pytest.fixture
def queued(monkeypatch):
    """The webhook drains asked for, by connection id; none runs until a test calls `drain`."""
    asked = []
    monkeypatch.setattr(webhooks, "queue_drain", asked.append)
    return asked
