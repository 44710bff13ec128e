"""Brute-force protection: sign-in lockouts (django-axes), wrong API tokens and wrong webhook secrets.

Sign-in: after SIGNIN_FAILURE_LIMIT (5) failures for one username or from one address, every
sign-in for it, the right password too, is answered 429 with the cool-off in plain words, on
/signin/ and on /admin/login/, until the cool-off has passed or staff unlock it in the admin;
the lock and the unlock are in the audit trail. The tests sign in for real (axes is on).

API tokens and webhook secrets: counted per address in the cache. Their tests lower the limit
and send from an address of their own (`address`), as the cache (Redis in CI) outlives a test.
"""

import base64
import hashlib
import hmac
import ipaddress
import uuid
from datetime import timedelta

import orjson
import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.urls import reverse
from rest_framework.test import APIClient

from api.authentication import WRONG_TOKENS
from api.models import ApiToken
from audit.models import AuditEntry
from connections.models import WebhookEvent
from connections.platforms import registry
from connections.platforms.deliveries import BodySignature
from connections.platforms.partner.tests.fixtures import PARTNER_WEBHOOK_SECRET
from connections.platforms.partner.tests.orders import partner_order
from connections.platforms.partner.webhooks import PartnerDeliveries
from connections.webhooks import WRONG_SECRETS
from portal.lockout import lockout_response
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

SIGNIN = "/signin/"
ADMIN_LOGIN = "/admin/login/"
LOCKED_WORDS = "Too many failed sign-ins for this account or address. Try again in 15 minutes"
WRONG_WORDS = "Your username or password was not right"
CONNECTIONS_API = "/api/v1/connections/"


def sign_in(client, username, password, *, ip="192.0.2.10", url=SIGNIN, **extra):
    data = {"username": username, "password": password}
    if url == ADMIN_LOGIN:
        data["next"] = "/admin/"
    return client.post(url, data, REMOTE_ADDR=ip, **extra)


def signed_in_as(client):
    return client.get("/", follow=False).wsgi_request.user


def fail(client, username, times, *, ip="192.0.2.10", url=SIGNIN):
    return [sign_in(client, username, "not-the-password", ip=ip, url=url).status_code for _ in range(times)]


@pytest.fixture
def merchant_user(merchant):
    return MembershipFactory(merchant=merchant, user__username="shopkeeper").user


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)


# -- the merchant's sign-in ---------------------------------------------------------------------


def test_below_the_limit_wrong_passwords_are_said_and_the_right_one_signs_in(client, merchant_user):
    for _ in range(4):
        response = sign_in(client, "shopkeeper", "not-the-password")
        assert response.status_code == 200 and WRONG_WORDS in response.content.decode()
    response = sign_in(client, "shopkeeper", PASSWORD)
    assert response.status_code == 302 and response.url == "/"
    assert signed_in_as(client) == merchant_user


def test_the_limit_locks_the_account_and_the_right_password_is_refused_in_plain_words(client, merchant_user):
    statuses = fail(client, "shopkeeper", 5)
    assert statuses == [200, 200, 200, 200, 429]  # the 5th failure locks

    response = sign_in(client, "shopkeeper", PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    assert LOCKED_WORDS in page and "ask support to unlock it" in page
    assert WRONG_WORDS not in page  # nothing says whether that password was right
    assert "portal/signin.html" in [t.name for t in response.templates]  # the portal's own page, its form again
    assert 'name="username"' in page and 'value="shopkeeper"' in page
    assert not signed_in_as(client).is_authenticated


def test_the_account_is_locked_from_every_address(client, merchant_user):
    for n in range(5):  # a distributed guess: one wrong password from each of five addresses
        sign_in(client, "shopkeeper", "not-the-password", ip=f"198.51.100.{n + 1}")
    response = sign_in(client, "shopkeeper", PASSWORD, ip="203.0.113.99")
    assert response.status_code == 429 and LOCKED_WORDS in response.content.decode()
    assert not signed_in_as(client).is_authenticated


def test_one_address_guessing_many_accounts_is_locked_out_for_all_of_them(client, merchant_user):
    for n in range(5):  # one guess each at five usernames, from one address
        sign_in(client, f"someone{n}", "not-the-password", ip="198.51.100.7")
    refused = sign_in(client, "shopkeeper", PASSWORD, ip="198.51.100.7")
    assert refused.status_code == 429 and LOCKED_WORDS in refused.content.decode()
    # The same account from another address is not locked: the address was, not the account.
    response = sign_in(client, "shopkeeper", PASSWORD, ip="203.0.113.5")
    assert response.status_code == 302
    assert signed_in_as(client) == merchant_user


def test_after_the_cool_off_the_right_password_signs_in(client, merchant_user):
    fail(client, "shopkeeper", 5)
    assert sign_in(client, "shopkeeper", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    response = sign_in(client, "shopkeeper", PASSWORD)
    assert response.status_code == 302
    assert signed_in_as(client) == merchant_user


def test_the_lockout_is_counted_by_the_address_the_tls_proxy_saw(client, merchant_user, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # BEHIND_TLS_PROXY=true
    for n in range(5):  # the client forges the first X-Forwarded-For entry; the proxy appends the real one
        sign_in(client, "shopkeeper", "wrong", ip="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.50")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.50"}


def test_without_the_proxy_a_forwarded_header_is_ignored(client, merchant_user):
    sign_in(client, "shopkeeper", "wrong", ip="192.0.2.77", HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert AccessAttempt.objects.get().ip_address == "192.0.2.77"


def test_a_lock_is_one_audit_entry_with_who_and_where(client, merchant_user, merchant):
    fail(client, "shopkeeper", 5, ip="198.51.100.20")
    fail(client, "shopkeeper", 3, ip="198.51.100.20")  # refused while locked: no entry each
    sign_in(client, "shopkeeper", PASSWORD, ip="198.51.100.20")

    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGNIN_LOCKED)
    assert entry.merchant == merchant
    assert entry.ip == "198.51.100.20"
    assert entry.actor is None and entry.actor_label == "anonymous"
    assert entry.changes["username"] == "shopkeeper" and entry.changes["failures"] == 5
    assert entry.changes["page"] == SIGNIN
    assert "not-the-password" not in str(entry.changes) and PASSWORD not in str(entry.changes)


def test_a_lockout_of_a_sign_in_with_no_form_page_gets_a_page_of_its_own(rf):
    response = lockout_response(rf.post("/elsewhere/"), HttpResponse("the view's own answer"), None)
    page = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert LOCKED_WORDS in page and "Sign-in locked" in page and 'href="/signin/"' in page


# -- the admin's sign-in ------------------------------------------------------------------------


def test_the_admin_sign_in_locks_too_and_says_so_in_the_admins_page(client, staff_user):
    assert fail(client, "boss", 5, url=ADMIN_LOGIN) == [200, 200, 200, 200, 429]
    response = sign_in(client, "boss", PASSWORD, url=ADMIN_LOGIN)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert LOCKED_WORDS in page
    assert 'class="errornote"' in page and 'id="login-form"' in page  # the admin's own login page
    assert "Please enter the correct username and password" not in page
    assert not signed_in_as(client).is_authenticated
    assert client.get("/admin/").status_code == 302  # still sent to sign in

    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGNIN_LOCKED)
    assert entry.merchant is None and entry.changes["page"] == ADMIN_LOGIN


def test_a_locked_staff_account_is_locked_on_the_merchant_page_too(client, staff_user):
    fail(client, "boss", 5, url=ADMIN_LOGIN)
    assert sign_in(client, "boss", PASSWORD, url=SIGNIN).status_code == 429


# -- staff unlock ------------------------------------------------------------------------------


def test_staff_unlock_in_the_admin_and_the_merchant_signs_in(client, merchant_user, staff_user, merchant):
    fail(client, "shopkeeper", 5, ip="198.51.100.30")
    assert sign_in(client, "shopkeeper", PASSWORD, ip="198.51.100.30").status_code == 429

    staff = type(client)()
    staff.force_login(staff_user)
    listing = staff.get(reverse("admin:axes_accessattempt_changelist"), {"q": "shopkeeper"})
    page = listing.content.decode()
    assert listing.status_code == 200
    assert "shopkeeper" in page and "Locked Out" in page
    assert 'value="unlock"' in page and "Unlock: forget the failed sign-ins of these usernames and addresses" in page

    ids = [str(pk) for pk in AccessAttempt.objects.filter(username="shopkeeper").values_list("pk", flat=True)]
    done = staff.post(
        reverse("admin:axes_accessattempt_changelist"), {"action": "unlock", "_selected_action": ids}, follow=True
    )
    assert done.status_code == 200
    assert "Unlocked: shopkeeper from 198.51.100.30. They may sign in again." in done.content.decode()
    assert not AccessAttempt.objects.filter(username="shopkeeper").exists()

    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGNIN_UNLOCKED)
    assert entry.actor == staff_user and entry.actor_label == "boss (staff)"
    assert entry.merchant == merchant
    assert entry.changes == {"username": "shopkeeper", "address": "198.51.100.30"}

    response = sign_in(client, "shopkeeper", PASSWORD, ip="198.51.100.30")
    assert response.status_code == 302
    assert signed_in_as(client) == merchant_user


def test_unlocking_one_row_of_an_account_guessed_from_many_addresses_unlocks_the_account(
    client, merchant_user, staff_user
):
    for n in range(5):
        sign_in(client, "shopkeeper", "not-the-password", ip=f"198.51.100.{n + 1}")
    sign_in(client, "someone-else", "not-the-password", ip="198.51.100.1")  # the same address, another name
    sign_in(client, "a-stranger", "not-the-password", ip="192.0.2.99")  # neither
    assert AccessAttempt.objects.filter(username="shopkeeper").count() == 5

    staff = type(client)()
    staff.force_login(staff_user)
    one = AccessAttempt.objects.get(username="shopkeeper", ip_address="198.51.100.1")
    staff.post(reverse("admin:axes_accessattempt_changelist"), {"action": "unlock", "_selected_action": [one.pk]})
    # Every row of the account and of the address goes; the stranger's stays.
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["a-stranger"]
    assert sign_in(client, "shopkeeper", PASSWORD, ip="203.0.113.8").status_code == 302


def test_deleting_an_attempt_in_the_admin_unlocks_and_is_audited_too(client, merchant_user, staff_user):
    fail(client, "shopkeeper", 5)
    attempt = AccessAttempt.objects.get()
    staff = type(client)()
    staff.force_login(staff_user)
    response = staff.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SIGNIN_UNLOCKED, actor=staff_user).count() == 1
    assert sign_in(client, "shopkeeper", PASSWORD).status_code == 302


def test_the_sign_in_logs_are_in_the_admin(client, merchant_user, staff_user):
    sign_in(client, "shopkeeper", PASSWORD)
    staff = type(client)()
    staff.force_login(staff_user)
    for name in ("accessattempt", "accesslog", "accessfailurelog"):
        assert staff.get(reverse(f"admin:axes_{name}_changelist")).status_code == 200
    assert "shopkeeper" in staff.get(reverse("admin:axes_accesslog_changelist")).content.decode()


# -- API tokens --------------------------------------------------------------------------------


@pytest.fixture
def address():
    """An address of this test's own (a /64 of its own: IPv6 clients are counted by their /64)."""
    value = f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"
    yield value
    counted_as = str(ipaddress.IPv6Network(f"{value}/64", strict=False).network_address)
    WRONG_TOKENS.forget(counted_as)
    WRONG_SECRETS.forget(counted_as)


@pytest.fixture
def few_wrong_tokens(settings):
    settings.API_TOKEN_FAILURE_LIMIT = 3
    settings.API_TOKEN_FAILURE_WINDOW_SECONDS = 600


def api_get(token, address):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(CONNECTIONS_API, REMOTE_ADDR=address)


def test_wrong_api_tokens_from_one_address_are_answered_429_with_retry_after(
    member, merchant, address, few_wrong_tokens
):
    _, good = ApiToken.issue(member, merchant, "Warehouse")
    assert [api_get(f"pt_guess{n}", address).status_code for n in range(3)] == [401, 401, 401]

    refused = api_get("pt_guess4", address)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    detail = refused.json()["detail"]
    assert detail.startswith("Too many wrong API tokens came from your address")
    assert f"Try again in {refused['Retry-After']} seconds." in detail

    # A valid token from that address is refused too: the address may no longer try tokens.
    assert api_get(good, address).status_code == 429
    # Other addresses are not concerned.
    assert api_get(good, "192.0.2.200").status_code == 200


def test_revoked_tokens_are_401_and_not_counted_as_guesses(member, merchant, address, few_wrong_tokens):
    token, value = ApiToken.issue(member, merchant, "Old script")
    token.revoke()
    assert {api_get(value, address).status_code for _ in range(5)} == {401}
    _, good = ApiToken.issue(member, merchant, "New script")
    assert api_get(good, address).status_code == 200


def test_the_session_is_not_limited_by_the_tokens_limit(member_client, address, few_wrong_tokens):
    for n in range(4):
        api_get(f"pt_guess{n}", address)
    assert member_client.get(CONNECTIONS_API, REMOTE_ADDR=address).status_code == 200


# -- webhooks ----------------------------------------------------------------------------------


@pytest.fixture
def few_wrong_secrets(settings):
    settings.WEBHOOK_FAILURE_LIMIT = 3
    settings.WEBHOOK_FAILURE_WINDOW_SECONDS = 600


def deliver(client, connection, address, *, secret=PARTNER_WEBHOOK_SECRET, order_id=None):
    body = orjson.dumps(partner_order(order_id or f"o-{uuid.uuid4().hex[:8]}"))
    return client.post(
        reverse("webhook", args=[connection.platform, connection.webhook_id]),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=secret,
        REMOTE_ADDR=address,
    )


def test_wrong_webhook_secrets_get_429_and_a_right_one_is_still_accepted(
    client, partner_connection, address, few_wrong_secrets
):
    wrong = [deliver(client, partner_connection, address, secret="guess").status_code for _ in range(3)]
    assert wrong == [401, 401, 401]

    refused = deliver(client, partner_connection, address, secret="guess")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert "Too many wrong secrets or signatures came from your address" in refused.json()["detail"]
    assert not WebhookEvent.objects.exists()

    accepted = deliver(client, partner_connection, address)  # right after, from the same address
    assert accepted.status_code == 202, accepted.content
    assert WebhookEvent.objects.count() == 1
    assert deliver(client, partner_connection, address, secret="guess").status_code == 429  # still blocked
    assert deliver(client, partner_connection, "192.0.2.201", secret="guess").status_code == 401  # others are not


class SignedDeliveries(PartnerDeliveries):
    """The Partner API's orders, signed: an HMAC of the body, checked after the body is read."""

    authentication = BodySignature("X-Test-Signature")
    makes_secret = False


def test_a_correctly_signed_delivery_is_never_limited(
    client, monkeypatch, partner_connection, address, few_wrong_secrets
):
    monkeypatch.setattr(registry.get("partner"), "deliveries", SignedDeliveries())

    def post(secret: str):
        body = orjson.dumps(partner_order(f"o-{uuid.uuid4().hex[:8]}"))
        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        return client.post(
            reverse("webhook", args=["partner", partner_connection.webhook_id]),
            body,
            content_type="application/json",
            HTTP_X_TEST_SIGNATURE=signature,
            REMOTE_ADDR=address,
        )

    statuses = [post("another-secret-0123456789").status_code for _ in range(6)]
    assert statuses == [401, 401, 401, 429, 429, 429]
    assert [post(PARTNER_WEBHOOK_SECRET).status_code for _ in range(3)] == [202, 202, 202]
    assert WebhookEvent.objects.count() == 3
