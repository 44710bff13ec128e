"""Who may call the sandbox Shopify, and what a broken one answers: the static token, the client-
credentials grant and its tokens' expiry, an unknown shop or path, a bad body, the fault switches."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from connections.platforms.shopify.sandbox.models import SandboxShopifyToken
from sandbox.faults import MALFORMED_BODY
from sandbox.models import SandboxAccount

from .sandbox_helpers import BASE, CLIENT_ID, CLIENT_SECRET, data_of, gql, graphql_url, make_shop

pytestmark = pytest.mark.django_db
TOKEN_URL = f"{BASE}/admin/oauth/access_token"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
GRANT = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


@pytest.fixture
def shop(db):
    return make_shop()


def faults(shop, **values):
    SandboxAccount.objects.filter(pk=shop.account_id).update(**values)


def test_the_static_token_works(client, shop):
    assert data_of(gql(client, "{ shop { name } }")) == {"shop": {"name": "Test Crafts"}}


@pytest.mark.parametrize("token", [None, "", "shpat_wrong", "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"])
def test_a_missing_or_wrong_token_is_401(client, shop, token):
    response = gql(client, "{ shop { name } }", token=token)
    assert response.status_code == 401
    assert response.json() == {"errors": INVALID_TOKEN}


def test_another_shops_token_is_refused(client, shop):
    other = make_shop(domain="other-crafts.myshopify.com", token="shpat_other", client_id="other-client")
    assert gql(client, "{ shop { name } }", token=other.account.token).status_code == 401


def test_client_credentials_form_encoded(client, shop):
    response = client.post(TOKEN_URL, GRANT)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "scope", "expires_in"}
    assert body["access_token"].startswith("shpat_") and len(body["access_token"]) == 6 + 32
    assert body["expires_in"] == 86399
    assert "read_orders" in body["scope"].split(",")
    issued = SandboxShopifyToken.objects.get(token=body["access_token"])
    assert issued.shop == shop
    assert data_of(gql(client, "{ shop { name } }", token=body["access_token"]))["shop"]["name"] == "Test Crafts"


def test_client_credentials_as_json(client, shop):
    shop.access_token_seconds = 3600
    shop.save()
    response = client.post(TOKEN_URL, json.dumps(GRANT), content_type="application/json")
    assert response.status_code == 200 and response.json()["expires_in"] == 3600


@pytest.mark.parametrize(
    "change",
    [
        {"client_secret": "shpss_wrong"},
        {"client_id": "not-the-client"},
        {"client_id": ""},
        {"client_secret": ""},
    ],
)
def test_a_bad_client_is_invalid_client(client, shop, change):
    response = client.post(TOKEN_URL, {**GRANT, **change})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_client"
    assert body["error_description"].startswith("Client authentication failed")
    assert not SandboxShopifyToken.objects.exists()


def test_another_grant_is_unsupported(client, shop):
    for grant in ({**GRANT, "grant_type": "authorization_code"}, {k: v for k, v in GRANT.items() if k != "grant_type"}):
        response = client.post(TOKEN_URL, grant)
        assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_an_expired_access_token_is_refused(client, shop):
    token = client.post(TOKEN_URL, GRANT).json()["access_token"]
    SandboxShopifyToken.objects.filter(token=token).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = gql(client, "{ shop { name } }", token=token)
    assert response.status_code == 401 and response.json() == {"errors": INVALID_TOKEN}
    assert data_of(gql(client, "{ shop { name } }"))  # the static token still works


def test_an_unknown_shop_is_404(client, shop):
    response = gql(client, "{ shop { name } }", domain="nobody.myshopify.com")
    assert response.status_code == 404 and response.json() == {"errors": "Not Found"}
    response = client.post("/sandbox/shopify/nobody.myshopify.com/admin/oauth/access_token", GRANT)
    assert response.status_code == 404 and response.json() == {"errors": "Not Found"}


def test_other_admin_paths_are_404(client, shop):
    for path in ("admin/api/2026-10/orders.json", "admin/api/2026-10/graphql", "admin/api/v1/graphql.json", "admin"):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 404 and response.json() == {"errors": "Not Found"}, path


def test_graphql_takes_post_only(client, shop):
    response = client.get(graphql_url())
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_a_body_that_is_not_json_is_400(client, shop):
    headers = {"HTTP_X_SHOPIFY_ACCESS_TOKEN": shop.account.token}
    response = client.post(graphql_url(), "query { shop { name } }", content_type="application/graphql", **headers)
    assert response.status_code == 400 and isinstance(response.json()["errors"], str)
    response = client.post(graphql_url(), json.dumps({"variables": {}}), content_type="application/json", **headers)
    assert response.status_code == 400
    assert response.json() == {"errors": {"query": "Required parameter missing or invalid"}}


def test_a_server_error_fault(client, shop):
    faults(shop, fault_server_error=1)
    response = gql(client, "{ shop { name } }")
    assert response.status_code == 500
    assert data_of(gql(client, "{ shop { name } }"))  # only the next one
    faults(shop, fault_server_error=-1)
    assert client.post(TOKEN_URL, GRANT).status_code == 500  # the token endpoint too


def test_a_rate_limit_fault_answers_429_with_retry_after(client, shop):
    faults(shop, fault_rate_limit=2, retry_after_seconds=30)
    for _ in range(2):
        response = gql(client, "{ shop { name } }")
        assert response.status_code == 429
        assert response["Retry-After"] == "30.0"
        assert response.json()["errors"].startswith("Exceeded 2 calls per second for api client.")
    assert gql(client, "{ shop { name } }").status_code == 200


def test_a_malformed_json_fault(client, shop):
    faults(shop, fault_malformed_json=1)
    response = gql(client, "{ shop { name } }")
    assert response.status_code == 200 and response.content.decode() == MALFORMED_BODY
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_faults_come_before_the_token_check(client, shop):
    faults(shop, fault_server_error=1)
    assert gql(client, "{ shop { name } }", token="wrong").status_code == 500
