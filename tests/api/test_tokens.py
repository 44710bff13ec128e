"""API tokens: made and revoked on Settings → API tokens, shown once, stored as a hash; 401 otherwise."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from portal.models import Membership
from tests.api.conftest import bearer
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
TOKEN_PATTERN = re.compile(r"pt_[A-Za-z0-9_-]{43}")
CONNECTIONS = "/api/v1/connections/"


def make_token(client, name="Warehouse system"):
    return client.post(reverse("api:tokens"), {"name": name})


def test_the_nav_links_to_the_tokens_page_for_members(member_client):
    page = member_client.get(reverse("orders:list")).content.decode()
    assert f'href="{reverse("api:tokens")}"' in page and "API tokens" in page


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(member_client, member, merchant):
    response = make_token(member_client)
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    shown = TOKEN_PATTERN.findall(body)
    assert len(set(shown)) == 1
    value = shown[0]
    assert "shown only this once" in body

    token = ApiToken.objects.get()
    assert (token.user, token.merchant, token.name) == (member, merchant, "Warehouse system")
    assert token.key_hash == hashlib.sha256(value.encode()).hexdigest()
    assert token.prefix == value[:11] and value.startswith(token.prefix)
    stored = [str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(value in column for column in stored)  # the token itself is nowhere in its row

    later = member_client.get(reverse("api:tokens")).content.decode()
    assert value not in later  # never shown again
    assert token.hint in later and "Warehouse system" in later and "never" in later

    assert bearer(value).get(CONNECTIONS).status_code == 200


def test_each_token_is_different(member_client):
    make_token(member_client, "one")
    make_token(member_client, "two")
    assert ApiToken.objects.values("key_hash").distinct().count() == 2


def test_a_token_needs_a_name(member_client):
    response = make_token(member_client, "  ")
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_a_token_makes_it_401(member_client, issued):
    token, value = issued
    assert bearer(value).get(CONNECTIONS).status_code == 200
    response = member_client.post(reverse("api:revoke", args=[token.pk]), follow=True)
    assert "revoked: it no longer works" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    answer = bearer(value).get(CONNECTIONS)
    assert answer.status_code == 401 and answer.json() == {"detail": "This token has been revoked."}
    page = member_client.get(reverse("api:tokens")).content.decode()
    assert "Revoked" in page and reverse("api:revoke", args=[token.pk]) not in page
    # Revoking again changes nothing.
    revoked_at = token.revoked_at
    member_client.post(reverse("api:revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at == revoked_at


def test_any_member_may_revoke_the_merchants_tokens_and_sees_them(client, merchant, issued):
    colleague = MembershipFactory(merchant=merchant, role=Membership.Role.MEMBER).user
    client.force_login(colleague)
    token, _ = issued
    assert token.hint in client.get(reverse("api:tokens")).content.decode()
    client.post(reverse("api:revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.is_revoked


def test_another_merchants_token_is_neither_shown_nor_revocable(other_client, issued):
    token, value = issued
    assert token.hint not in other_client.get(reverse("api:tokens")).content.decode()
    assert other_client.post(reverse("api:revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert not token.is_revoked
    assert bearer(value).get(CONNECTIONS).status_code == 200


def test_the_tokens_page_is_for_members(client, admin_client):
    response = client.get(reverse("api:tokens"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert admin_client.get(reverse("api:tokens")).status_code == 403
    assert client.post(reverse("api:revoke", args=[1])).status_code == 302


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer pt_not-a-token-0000000000000000000000000000000000",
        "Bearer",
        "Bearer two words",
        "Bearer \u00e9t\u00e9",
        "Token pt_not-a-token",
        "Basic dXNlcjpwYXNz",
    ],
    ids=["missing", "wrong", "empty", "spaces", "not-ascii", "other-keyword", "basic"],
)
def test_no_valid_token_is_401(db, header):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    for url in (CONNECTIONS, "/api/v1/orders/", "/api/v1/orders/1/"):
        response = client.get(url)
        assert response.status_code == 401, (header, url)
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert client.post("/api/v1/orders/1/shipments/", {"tracking_number": "X"}).status_code == 401


def test_the_keyword_is_case_insensitive(issued):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"bearer {issued[1]}")
    assert client.get(CONNECTIONS).status_code == 200


def test_a_member_who_left_or_is_deactivated_loses_access(issued, member):
    _, value = issued
    assert bearer(value).get(CONNECTIONS).status_code == 200
    get_user_model().objects.filter(pk=member.pk).update(is_active=False)
    assert bearer(value).get(CONNECTIONS).status_code == 401
    get_user_model().objects.filter(pk=member.pk).update(is_active=True)
    Membership.objects.filter(user=member).delete()
    assert bearer(value).get(CONNECTIONS).status_code == 401


def test_a_token_does_not_follow_its_member_to_another_merchant(issued, member, other_merchant):
    _, value = issued
    Membership.objects.filter(user=member).update(merchant=other_merchant)
    assert bearer(value).get(CONNECTIONS).status_code == 401


def test_last_used_is_recorded_to_the_minute(issued):
    token, value = issued
    client = bearer(value)
    client.get(CONNECTIONS)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=5)
    client.get(CONNECTIONS)
    token.refresh_from_db()
    assert token.last_used_at == first  # no write on every request
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(CONNECTIONS)
    token.refresh_from_db()
    assert token.last_used_at > first


def test_staff_without_a_merchant_are_403_over_the_session(admin_client):
    response = admin_client.get(CONNECTIONS)
    assert response.status_code == 403


def test_a_signed_in_member_may_use_the_browsable_api(member_client, connection):
    response = member_client.get(CONNECTIONS, HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and "giftshop" in response.content.decode()
    assert member_client.get(CONNECTIONS).json()[0]["name"] == "giftshop"


def test_staff_see_and_revoke_tokens_in_the_admin(admin_client, issued):
    token, value = issued
    page = admin_client.get(reverse("admin:api_apitoken_changelist")).content.decode()
    assert token.hint in page and value not in page and token.key_hash not in page
    detail = admin_client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert token.key_hash not in detail
    admin_client.post(reverse("admin:api_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.is_revoked
    assert admin_client.get(reverse("admin:api_apitoken_add")).status_code == 403


def test_the_browsable_api_renders_every_endpoint_for_a_member(member_client, connection):
    from tests.api.conftest import make_order

    order = make_order(connection, 1)
    for url, shown in (
        ("/api/v1/connections/", "giftshop"),
        ("/api/v1/orders/", "ORD-0001"),
        (f"/api/v1/orders/{order.pk}/", "ORD-0001"),
    ):
        response = member_client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200 and shown in response.content.decode(), url
    form = member_client.get(f"/api/v1/orders/{order.pk}/shipments/", HTTP_ACCEPT="text/html")
    assert form.status_code == 405 and "tracking_number" in form.content.decode()


def test_a_member_over_the_rate_limit_is_told_to_wait_and_others_are_not(issued, merchant, settings):
    from django.core.cache import cache

    settings.API_REQUESTS_PER_MINUTE = 3
    cache.clear()
    _, value = issued
    mine = bearer(value)
    assert [mine.get("/api/v1/connections/").status_code for _ in range(3)] == [200, 200, 200]
    refused = mine.get("/api/v1/connections/")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    _, other = ApiToken.issue(MembershipFactory(merchant=merchant).user, merchant, "other member")
    assert bearer(other).get("/api/v1/connections/").status_code == 200
