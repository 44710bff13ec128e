"""Who may call the fake Partner API: static bearer tokens, OAuth client credentials, and which chain."""

import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from connections.platforms.partner.sandbox import auth as partner_auth
from connections.platforms.partner.sandbox.models import MAX_STATIC_TOKENS, SandboxPartnerToken
from sandbox.models import SandboxAccount

from .sandbox_helpers import (
    API,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_CHAIN_ID,
    OTHER_TOKEN,
    TOKEN,
    api_get,
    error,
    make_chain,
    make_order,
    order_path,
    window,
)

pytestmark = pytest.mark.django_db
TOKEN_URL = f"{API}/oauth/token"


@pytest.fixture
def chain(db):
    return make_chain()


@pytest.fixture
def other_chain(db):
    return make_chain(token=OTHER_TOKEN, chain_id=OTHER_CHAIN_ID, client_id="other-client", vendor_ids=("w-1",))


def orders_of(client, chain, token, vendor_id="v-1"):
    return api_get(client, f"/chains/{chain.chain_id}/vendors/{vendor_id}/orders", token, **window())


def grant(client, **form):
    return client.post(TOKEN_URL, {"grant_type": "client_credentials", **form})


def test_the_chains_static_tokens_work(client, chain):
    make_order(chain)
    assert orders_of(client, chain, TOKEN).json()["total_count"] == 1
    extra = partner_auth.issue_static_token(chain)
    assert orders_of(client, chain, extra.token).status_code == 200
    assert partner_auth.static_tokens(chain) == [TOKEN, extra.token]


def test_a_chain_has_at_most_eleven_static_tokens(chain):
    for _ in range(MAX_STATIC_TOKENS - 1):
        partner_auth.issue_static_token(chain)
    with pytest.raises(ValueError, match="at most 11"):
        partner_auth.issue_static_token(chain)
    partner_auth.issue_access_token(chain)  # access tokens are not Portal tokens: no limit
    assert len(partner_auth.static_tokens(chain)) == MAX_STATIC_TOKENS


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", f"Token {TOKEN}", f"Basic {TOKEN}", "Bearer not-a-token"],
    ids=["none", "empty", "no-token", "blank-token", "other-scheme", "basic", "unknown"],
)
def test_a_missing_or_unknown_token_is_401_in_words(client, chain, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get(f"{API}/chains/{chain.chain_id}/vendors/v-1/orders", window(), **extra)
    assert error(response) == (401, "unauthorized")
    assert response.json()["message"]


def test_the_scheme_is_case_insensitive(client, chain):
    response = client.get(
        f"{API}/chains/{chain.chain_id}/vendors/v-1/orders", window(), HTTP_AUTHORIZATION=f"bearer {TOKEN}"
    )
    assert response.status_code == 200


def test_another_platforms_token_is_unknown(client, chain):
    SandboxAccount.objects.create(platform="noths", token="noths-token-123", shortcode="n", name="N")
    assert error(orders_of(client, chain, "noths-token-123")) == (401, "unauthorized")


def test_client_credentials_give_a_two_hour_bearer_token(client, chain):
    response = grant(client, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 7200
    issued = SandboxPartnerToken.objects.get(token=body["access_token"])
    assert timedelta(seconds=7190) < issued.expires_at - timezone.now() <= timedelta(seconds=7200)
    assert orders_of(client, chain, body["access_token"]).status_code == 200


def test_the_token_request_may_be_json_or_use_basic_auth(client, chain):
    as_json = client.post(
        TOKEN_URL,
        json.dumps({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}),
        content_type="application/json",
    )
    assert as_json.status_code == 200
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    as_basic = client.post(TOKEN_URL, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert as_basic.status_code == 200
    assert as_json.json()["access_token"] != as_basic.json()["access_token"]


@pytest.mark.parametrize(
    "form",
    [{"client_id": CLIENT_ID, "client_secret": "wrong"}, {"client_id": "nobody", "client_secret": CLIENT_SECRET}, {}],
    ids=["wrong-secret", "unknown-client", "nothing"],
)
def test_wrong_client_credentials_are_invalid_client(client, chain, form):
    response = grant(client, **form)
    assert error(response) == (401, "invalid_client")
    assert response.json()["error_description"] == response.json()["message"]
    assert not SandboxPartnerToken.objects.exists()


def test_other_grants_are_refused(client, chain):
    response = client.post(
        TOKEN_URL, {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    assert error(response) == (400, "unsupported_grant_type")
    assert error(client.post(TOKEN_URL, {"client_id": CLIENT_ID})) == (400, "invalid_request")
    response = client.get(TOKEN_URL)
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_an_expired_access_token_says_so(client, chain):
    chain.access_token_seconds = 60
    chain.save()
    issued = partner_auth.issue_access_token(chain, now=timezone.now() - timedelta(seconds=61))
    response = orders_of(client, chain, issued.token)
    assert error(response) == (401, "unauthorized")
    assert "expired" in response.json()["message"]
    fresh = grant(client, client_id=CLIENT_ID, client_secret=CLIENT_SECRET).json()
    assert fresh["expires_in"] == 60
    assert orders_of(client, chain, fresh["access_token"]).status_code == 200


def test_a_token_of_one_chain_is_forbidden_on_another(client, chain, other_chain):
    order = make_order(other_chain, "w-1")
    for token in (TOKEN, partner_auth.issue_access_token(chain).token):
        assert error(orders_of(client, other_chain, token, "w-1")) == (403, "forbidden")
        assert error(api_get(client, order_path(order), token)) == (403, "forbidden")
    # Its own chain in the path, the other chain's order: not found, not leaked.
    assert error(api_get(client, order_path(order, chain_id=chain.chain_id))) == (404, "not_found")
    assert orders_of(client, other_chain, OTHER_TOKEN, "w-1").json()["total_count"] == 1
