"""Fixtures shared by every test, wherever it sits: merchants, signed-in members, connections.

The root conftest.py loads this and each platform package's `tests/fixtures.py` as plugins.
"""

import socket

import pytest
import urllib3.util.connection

from tests.factories import ConnectionFactory, MembershipFactory, MerchantFactory
from tests.support.outbound import FakeDNS


@pytest.fixture
def merchant(db):
    return MerchantFactory(name="Demo Gifts")


@pytest.fixture
def member(merchant):
    return MembershipFactory(merchant=merchant).user


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def other_merchant(db):
    return MerchantFactory(name="Someone Else")


@pytest.fixture
def other_client(django_user_model, other_merchant):
    from django.test import Client

    other = Client()
    other.force_login(MembershipFactory(merchant=other_merchant).user)
    return other


@pytest.fixture
def connection_factory(db):
    return ConnectionFactory


@pytest.fixture
def outbound_rules(settings):
    """Where requests may go, as in production: https only, nothing allowed by name or range
    (tests/settings.py allows the hosts the other tests' connections use)."""
    settings.OUTBOUND_ALLOW_HTTP = False
    settings.OUTBOUND_ALLOWED_HOSTS = []
    return settings


@pytest.fixture
def fake_dns(monkeypatch):
    """The resolver answers what the test says for the names it gives (tests/support/outbound.py)."""
    dns = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    return dns


@pytest.fixture
def connections_opened(monkeypatch):
    """Every TCP connection an HTTP request opens during the test, as (address, port)."""
    opened = []
    real = urllib3.util.connection.create_connection

    def record(address, *args, **kwargs):
        opened.append(tuple(address[:2]))
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", record)
    return opened
