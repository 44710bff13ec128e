"""A page that shows a secret once is never kept by a browser's or a proxy's cache."""

import pytest
from django.urls import reverse

from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def assert_not_stored(response):
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives, response["Cache-Control"]


def test_the_connection_page_that_shows_the_webhook_secret_is_not_stored(member_client, partner_connection):
    url = reverse("connections:detail", args=[partner_connection.pk])
    first = member_client.get(url)
    assert first.status_code == 200 and PARTNER_WEBHOOK_SECRET in first.content.decode()
    assert_not_stored(first)
    again = member_client.get(url)  # the secret is gone, and a copy of the first answer must be too
    assert PARTNER_WEBHOOK_SECRET not in again.content.decode()
    assert_not_stored(again)


def test_the_api_token_page_that_shows_a_new_token_is_not_stored(member_client):
    made = member_client.post(reverse("api:tokens"), {"name": "Warehouse"})
    assert made.status_code == 201 and "pt_" in made.content.decode()
    assert_not_stored(made)
