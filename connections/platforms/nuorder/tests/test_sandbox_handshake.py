"""The initiate → approve → token handshake (platforms/nuorder.md §2.2), end to end."""

import re

import pytest
from django.test import Client

from connections.platforms.nuorder.sandbox.models import SandboxNuorderPending

from .sandbox_helpers import HOST, WHOLESALE, Creds, call, legacy_header, make_app, send

APPROVE = "/sandbox/nuorder/approve/"


@pytest.fixture
def fresh(db):
    """A Wholesale app with a consumer key and secret, and no token yet."""
    return make_app(shortcode="northwind", with_token=False, orders=3)


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def initiate_legacy(client, creds, name="PB_DEV", **options):
    url = f"{HOST}{creds.prefix}/api/initiate"
    extra = {"application_name": name} if name is not None else {}
    return send(client, "GET", url, legacy_header("GET", url, creds, callback="oob", extra=extra, **options))


def exchange_legacy(client, creds, temporary, verifier):
    url = f"{HOST}{creds.prefix}/api/token"
    signer = Creds(creds.consumer_key, creds.consumer_secret, temporary["oauth_token"], temporary["oauth_token_secret"])
    return send(client, "GET", url, legacy_header("GET", url, signer, verifier=verifier))


def approve_on_the_page(csrf_client, application_name="PB_DEV") -> str:
    """Approve through the HTML page, as a person would (with its CSRF token): the code it shows."""
    page = csrf_client.get(APPROVE)
    assert page.status_code == 200
    html = page.content.decode()
    assert application_name in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    action = re.search(r'action="(/sandbox/nuorder/approve/\d+/)"', html).group(1)
    assert csrf_client.post(action).status_code == 403  # CSRF is on
    done = csrf_client.post(action, {"csrfmiddlewaretoken": token}, follow=True)
    return re.search(r"Verification code: ([A-Za-z0-9]{16})", done.content.decode()).group(1)


def test_handshake_end_to_end_legacy(client, csrf_client, fresh):
    started = initiate_legacy(client, fresh)
    assert started.status_code == 200
    temporary = started.json()
    assert set(temporary) == {"oauth_token", "oauth_token_secret", "oauth_callback_confirmed"}
    assert (len(temporary["oauth_token"]), len(temporary["oauth_token_secret"])) == (16, 24)
    assert temporary["oauth_callback_confirmed"] is True

    code = approve_on_the_page(csrf_client)
    exchanged = exchange_legacy(client, fresh, temporary, code)
    assert exchanged.status_code == 200, exchanged.content
    final = exchanged.json()
    assert set(final) == {"oauth_token", "oauth_token_secret"}
    assert (len(final["oauth_token"]), len(final["oauth_token_secret"])) == (24, 64)

    # The new token works, signed either way.
    creds = Creds(fresh.consumer_key, fresh.consumer_secret, final["oauth_token"], final["oauth_token_secret"])
    listed = call(client, "GET", "/api/orders/approved/list", creds)
    assert listed.status_code == 200 and len(listed.json()) == 3
    assert call(client, "GET", "/api/orders/approved/list", creds, dialect="legacy").status_code == 200

    # The temporary token is used up, for the exchange and for the API.
    again = exchange_legacy(client, fresh, temporary, code)
    assert again.status_code == 401
    assert "already been exchanged" in again.json()["message"]
    temporary_creds = Creds(
        fresh.consumer_key, fresh.consumer_secret, temporary["oauth_token"], temporary["oauth_token_secret"]
    )
    assert call(client, "GET", "/api/orders/approved/list", temporary_creds).status_code == 401


def test_handshake_end_to_end_with_requests_oauthlib(client, csrf_client, fresh):
    """An RFC-only client: application_name in the query (signed), callback and verifier by oauthlib."""
    started = call(client, "GET", "/api/initiate?application_name=PB_DEV", fresh, callback_uri="oob")
    assert started.status_code == 200, started.content
    temporary = started.json()
    code = approve_on_the_page(csrf_client)
    signer = Creds(fresh.consumer_key, fresh.consumer_secret, temporary["oauth_token"], temporary["oauth_token_secret"])
    exchanged = call(client, "GET", "/api/token", signer, verifier=code)
    assert exchanged.status_code == 200, exchanged.content
    final = exchanged.json()
    creds = Creds(fresh.consumer_key, fresh.consumer_secret, final["oauth_token"], final["oauth_token_secret"])
    assert call(client, "GET", "/api/orders/approved/detail", creds).status_code == 200


def test_post_works_too_for_rfc_clients(client, fresh):
    """requests-oauthlib's OAuth1Session fetches tokens with POST; the sandbox takes it (real: unknown)."""
    started = call(client, "POST", "/api/initiate?application_name=PB_DEV", fresh, callback_uri="oob")
    assert started.status_code == 200
    assert started.json()["oauth_callback_confirmed"] is True


def test_application_name_is_not_signed(client, fresh):
    """Sign without application_name, then add it to the header: still valid (§2.2)."""
    url = f"{HOST}{WHOLESALE}/api/initiate"
    header = legacy_header("GET", url, fresh, callback="oob") + ',application_name="PB_DEV"'
    assert send(client, "GET", url, header).status_code == 200
    assert SandboxNuorderPending.objects.get().application_name == "PB_DEV"


def test_initiate_needs_an_application_name(client, fresh):
    response = initiate_legacy(client, fresh, name=None)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "application_name is required"}


def test_initiate_with_a_wrong_consumer_secret(client, fresh):
    wrong = Creds(fresh.consumer_key, "0" * 64)
    response = initiate_legacy(client, wrong)
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid OAuth signature"
    assert not SandboxNuorderPending.objects.exists()


def test_initiate_with_an_existing_token_is_accepted(client, db):
    brand = make_app(shortcode="brand")
    assert initiate_legacy(client, brand).status_code == 200


def test_token_before_approval(client, fresh):
    temporary = initiate_legacy(client, fresh).json()
    response = exchange_legacy(client, fresh, temporary, "A" * 16)
    assert response.status_code == 401
    assert "has not been approved" in response.json()["message"]


def test_token_with_a_wrong_or_missing_verifier(client, csrf_client, fresh):
    temporary = initiate_legacy(client, fresh).json()
    code = approve_on_the_page(csrf_client)
    wrong = exchange_legacy(client, fresh, temporary, "B" * 16)
    assert wrong.status_code == 401
    assert wrong.json()["message"].startswith("Invalid oauth_verifier")
    url = f"{HOST}{WHOLESALE}/api/token"
    signer = Creds(fresh.consumer_key, fresh.consumer_secret, temporary["oauth_token"], temporary["oauth_token_secret"])
    missing = send(client, "GET", url, legacy_header("GET", url, signer))
    assert missing.status_code == 401
    assert "oauth_verifier is missing" in missing.json()["message"]
    # A wrong temporary secret is a bad signature.
    bad_secret = dict(temporary, oauth_token_secret="C" * 24)
    assert exchange_legacy(client, fresh, bad_secret, code).json()["message"] == "Invalid OAuth signature"
    # The right code still works after those failures.
    assert exchange_legacy(client, fresh, temporary, code).status_code == 200


def test_unknown_temporary_token(client, fresh):
    response = exchange_legacy(client, fresh, {"oauth_token": "X" * 16, "oauth_token_secret": "Y" * 24}, "Z" * 16)
    assert (response.status_code, response.json()["message"]) == (401, "Invalid OAuth token")


def test_approve_and_show_the_token_directly(client, csrf_client, fresh):
    initiate_legacy(client, fresh)
    pending = SandboxNuorderPending.objects.get()
    page = client.post(f"{APPROVE}{pending.pk}/issue/", follow=True)
    text = page.content.decode()
    found = re.search(r"Token: ([A-Za-z0-9]{24}) Token secret: ([0-9a-f]{64})", text)
    assert found
    creds = Creds(fresh.consumer_key, fresh.consumer_secret, found.group(1), found.group(2))
    assert call(client, "GET", "/api/orders/approved/list", creds).status_code == 200


def test_the_approval_page_lists_pending_applications(client, fresh):
    assert "No pending applications" in client.get(APPROVE).content.decode()
    initiate_legacy(client, fresh, name="My ERP")
    page = client.get(APPROVE).content.decode()
    assert "My ERP" in page and "northwind" in page
    assert "My ERP" not in client.get(APPROVE, {"consumer_key": "someone-else"}).content.decode()
