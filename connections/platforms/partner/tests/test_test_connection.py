"""Test connection on a Partner API connection, over real HTTP to the sandbox: one cheap
authenticated GET, counted where the sandbox receives it; a refused token is said in words,
and never shown."""

import html

import pytest
from django.core.cache import cache
from django.core.signals import request_started
from django.urls import reverse

from connections.models import Connection
from connections.platforms.partner.sandbox.auth import issue_static_token
from connections.platforms.partner.sandbox.data import create_chain
from connections.platforms.partner.sandbox.models import SandboxPartnerRateBucket, SandboxPartnerToken
from connections.platforms.partner.tests.fixtures import PARTNER_CHAIN_ID
from connections.platforms.partner.tests.test_connecting import add_account

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "partner-test-conn-token-7d1f3b5a9c"
CLIENT_ID, CLIENT_SECRET = "test-conn-client", "test-conn-client-secret-4e6a8c0b2d"
ORDERS = f"/sandbox/partner/v2/chains/{PARTNER_CHAIN_ID}/vendors/v-1/orders"


@pytest.fixture(autouse=True)
def chain(live_server, settings):
    cache.clear()
    settings.PARTNER_BASE_URL = f"{live_server.url}/sandbox/partner"
    return create_chain(
        "Test Grocer",
        chain_id=PARTNER_CHAIN_ID,
        token=TOKEN,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        vendor_ids=("v-1", "v-2"),
    )


@pytest.fixture
def received():
    """Every request the live server's sandbox receives, as (method, path, query, Authorization):
    Django's request_started, sent by the server's handler in its own thread for each request."""
    calls = []

    def record(sender, environ, **kwargs):
        if environ.get("PATH_INFO", "").startswith("/sandbox/"):
            calls.append(
                (
                    environ["REQUEST_METHOD"],
                    environ["PATH_INFO"],
                    environ.get("QUERY_STRING", ""),
                    environ.get("HTTP_AUTHORIZATION", ""),
                )
            )

    request_started.connect(record, dispatch_uid="test-partner-test-connection")
    yield calls
    request_started.disconnect(dispatch_uid="test-partner-test-connection")


def admitted(chain) -> int:
    """The sandbox's own count of the chain's authenticated API requests (its rate limit's)."""
    return sum(SandboxPartnerRateBucket.objects.filter(chain=chain).values_list("count", flat=True))


def press_test(client, connection) -> str:
    response = client.post(reverse("connections:test", args=[connection.pk]), follow=True)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def only_get(calls, token: str) -> str:
    """The one request: a GET of the first store's orders, one page of one, with this token."""
    assert len(calls) == 1, calls
    method, path, query, authorization = calls[0]
    assert (method, path, authorization) == ("GET", ORDERS, f"Bearer {token}")
    assert "page_size=1" in query.split("&")
    return query


def test_saving_and_test_connection_each_make_one_authenticated_get(member_client, received, chain):
    assert add_account(member_client, token=TOKEN).status_code == 302
    connection = Connection.objects.get()
    only_get(received, TOKEN)  # saving checks the token with the same one GET
    received.clear()
    before = admitted(chain)

    page = press_test(member_client, connection)

    assert "Test passed." in page and f"chain {PARTNER_CHAIN_ID}" in page
    only_get(received, TOKEN)
    assert admitted(chain) == before + 1


def test_with_a_client_id_the_cached_two_hour_token_is_used_no_token_request(member_client, received, chain):
    add_account(member_client, token="", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    connection = Connection.objects.get()
    issued = SandboxPartnerToken.objects.get(chain=chain, expires_at__isnull=False)
    received.clear()

    assert "Test passed." in press_test(member_client, connection)
    only_get(received, issued.token)

    # With the cache gone (a new process, a restart): one token request first, then the one GET.
    cache.clear()
    received.clear()
    assert "Test passed." in press_test(member_client, connection)
    assert [(m, p) for m, p, _, _ in received] == [("POST", "/sandbox/partner/v2/oauth/token"), ("GET", ORDERS)]
    assert received[0][3] == ""  # the client ID and secret go in the body, not a bearer token


def test_a_revoked_token_is_reported_in_words_once_with_no_token_shown(member_client, received, chain):
    """The merchant revoked the token in Partner Portal: one GET (a 401 is not retried), the
    reason in words on the page, and neither the token nor the platform's answer with it."""
    revoked = issue_static_token(chain, token="partner-revoked-token-0f2e4d6c8b").token
    add_account(member_client, token=revoked)
    connection = Connection.objects.get()
    assert connection.status == Connection.Status.CONNECTED
    chain.tokens.filter(token=revoked).delete()  # Portal → Shops Integrations → revoke
    received.clear()

    page = press_test(member_client, connection)

    only_get(received, revoked)
    message = page[page.index("Test failed.") :].split("<", 1)[0]
    assert "Bearer token" in message, message
    assert revoked not in page and TOKEN not in page
    connection.refresh_from_db()
    assert connection.status == Connection.Status.NEEDS_ATTENTION
    assert revoked not in connection.last_error and "Bearer token" in connection.last_error


def test_a_spent_request_budget_is_said_at_once_not_waited_out(member_client, received, chain, monkeypatch):
    """Syncs have used the host's budget and its next window is far off: Test connection says
    when to try again at once, sends nothing, and does not count as a failure of the connection."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.utils import timezone

    from connections import throttle
    from connections.models import HostBudget

    assert add_account(member_client, token=TOKEN).status_code == 302
    connection = Connection.objects.get()
    received.clear()
    monkeypatch.setattr(throttle, "WINDOW", 3600)  # the next window: at the next full hour
    host = urlsplit(settings.PARTNER_BASE_URL).netloc
    budget = throttle.window_budget(settings.PARTNER_REQUESTS_PER_MINUTE, 3600)
    HostBudget.objects.filter(host=host).update(
        window_started_at=throttle.window_start(timezone.now(), 3600), used=budget
    )

    page = press_test(member_client, connection)

    message = page[page.index("Test failed.") :].split("<", 1)[0]
    assert "syncs are using them all; the next one may go in" in message, message
    assert received == []
    connection.refresh_from_db()
    assert connection.status == Connection.Status.CONNECTED
