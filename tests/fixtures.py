"""Fixtures shared by every test, wherever it sits: merchants, signed-in members, connections.

The root conftest.py loads this and each platform package's `tests/fixtures.py` as plugins.
"""

import pytest

from tests.factories import ConnectionFactory, MembershipFactory, MerchantFactory


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
