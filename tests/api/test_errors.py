"""Every error the API and the webhooks answer is JSON, a database outage included; the merchant's
pages keep the portal's own error pages.

The outage is the database refusing every connection (`ensure_connection` raising
OperationalError, as it does when PostgreSQL is down), so it strikes wherever the database is
first used: in the session middleware for a signed-in request, in the token check for a Bearer
request, in the webhook's lookup of its connection.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.test import Client
from django.urls import reverse

from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET
from portal.errors import DATABASE_UNAVAILABLE, SERVER_ERROR

from .conftest import make_order

# What a driver's message may carry; it must never reach an answer.
DRIVER_MESSAGE = 'connection to server at "db.internal" failed: password authentication failed for "portal:s3cr3t-pw"'


@contextmanager
def database_down():
    with mock.patch.object(connections["default"], "ensure_connection", side_effect=OperationalError(DRIVER_MESSAGE)):
        yield


@pytest.fixture
def signed_in(member):
    """A signed-in member's browser session, that gets the answer even when the request failed."""
    client = Client(raise_request_exception=False)
    client.force_login(member)
    return client


def assert_json_error(response, status: int, detail: str):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}
    body = response.content.decode()
    assert "s3cr3t" not in body and "db.internal" not in body and "Traceback" not in body


def test_a_bearer_request_during_an_outage_is_json_503(api):
    with database_down():
        response = api.get("/api/v1/orders/", HTTP_ACCEPT="text/html")  # even when a browser asks
    assert_json_error(response, 503, DATABASE_UNAVAILABLE)


@pytest.mark.parametrize("path", ["/api/v1/connections/", "/api/v1/orders/1/", "/api/schema/"])
def test_a_session_request_during_an_outage_is_json_503_though_it_fails_before_the_view(signed_in, path):
    with database_down():
        response = signed_in.get(path)
    assert_json_error(response, 503, DATABASE_UNAVAILABLE)


def test_a_shipment_post_during_an_outage_is_json_503(api, connection):
    order = make_order(connection, 1)
    with database_down():
        response = api.post(f"/api/v1/orders/{order.pk}/shipments/", {"tracking_number": "RM1"}, format="json")
    assert_json_error(response, 503, DATABASE_UNAVAILABLE)


def test_a_webhook_during_an_outage_is_json_503(partner_connection):
    url = reverse("webhook", args=[partner_connection.platform, partner_connection.webhook_id])
    with database_down():
        response = Client(raise_request_exception=False).post(
            url, b'{"order": 1}', content_type="application/json", HTTP_AUTHORIZATION=PARTNER_WEBHOOK_SECRET
        )
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"} and "s3cr3t" not in response.content.decode()


def test_a_merchants_page_during_an_outage_is_the_portals_own_500_page(signed_in):
    with database_down():
        response = signed_in.get(reverse("orders:list"))
    assert response.status_code == 500 and response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Something went wrong on our side" in body and "s3cr3t" not in body


def test_an_unexpected_error_in_a_view_is_json_500_and_logged(api, caplog):
    with mock.patch("api.views.read_page", side_effect=RuntimeError("bug near token pt_live_s3cr3t")):
        response = api.get("/api/v1/orders/")
    assert_json_error(response, 500, SERVER_ERROR)
    [record] = [r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR]
    # The log has it all, traceback included (the secret-scrubbing filter folds it into the message).
    message = record.getMessage()
    assert message.startswith("Internal Server Error: /api/v1/orders/\nTraceback") and "RuntimeError: bug" in message


def test_an_unexpected_error_before_the_view_is_json_500_under_the_api_and_the_page_elsewhere(signed_in):
    with mock.patch("portal.middleware.timezone.activate", side_effect=RuntimeError("pt_live_s3cr3t")):
        api = signed_in.get("/api/v1/connections/")
        page = signed_in.get(reverse("orders:list"))
    assert_json_error(api, 500, SERVER_ERROR)
    assert page.status_code == 500 and "Something went wrong on our side" in page.content.decode()


def test_an_unknown_address_under_the_api_is_json_404_and_elsewhere_the_page(signed_in):
    assert_json_error(signed_in.get("/api/v2/orders/"), 404, "Not found.")
    assert_json_error(signed_in.post("/webhooks/nowhere/"), 404, "Not found.")
    page = signed_in.get("/no-such-page/")
    assert page.status_code == 404 and "<h1>Not found</h1>" in page.content.decode()


def test_drf_answers_are_unchanged(api, signed_in):
    assert api.get("/api/v1/orders/?page_size=0").status_code == 400
    assert Client().get("/api/v1/orders/").json() == {"detail": "Authentication credentials were not provided."}
    assert api.get("/api/v1/orders/999999/").json() == {"detail": "No Order matches the given query."}
