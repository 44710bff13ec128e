"""The shared HTTP client: error classes, retries, timeouts, secret scrubbing."""

import json

import pytest
import requests
import responses

from connections.platforms.base import PlatformContext
from connections.platforms.errors import AuthError, PlatformError, RateLimited, TransientError
from connections.platforms.http import PlatformClient, parse_retry_after, platform_message
from tests.support.readings import ANY_JSON

BASE = "https://api.example.test"
TOKEN = "tok-SECRET-1234567890"


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps, settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 3
    settings.PLATFORM_MAX_INLINE_WAIT = 5
    ctx = PlatformContext(base_url=BASE, credentials={"token": TOKEN})
    return PlatformClient("NOTHS", ctx, secrets=[TOKEN], params={"token": TOKEN}, sleep=sleeps.append)


@responses.activate
def test_success_returns_json_and_sends_token_in_query(client):
    responses.get(f"{BASE}/api/v1/orders", json={"ok": True})
    assert client.get_json("/api/v1/orders", ANY_JSON, {"per_page": 0}) == {"ok": True}
    assert f"token={TOKEN}" in responses.calls[0].request.url
    assert "per_page=0" in responses.calls[0].request.url


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_auth_failures_are_auth_errors_with_the_platforms_words(client, status):
    responses.get(f"{BASE}/x", status=status, json={"errors": [{"code": "UNAUTHORIZED", "title": "Invalid token"}]})
    with pytest.raises(AuthError) as caught:
        client.get_json("/x", ANY_JSON)
    assert caught.value.status == status
    assert "Invalid token" in str(caught.value)
    assert caught.value.code == "UNAUTHORIZED"
    assert len(responses.calls) == 1  # never retried


@responses.activate
def test_long_retry_after_raises_rate_limited_without_sleeping(client, sleeps):
    responses.get(f"{BASE}/x", status=429, headers={"Retry-After": "120"}, body="slow down")
    with pytest.raises(RateLimited) as caught:
        client.get_json("/x", ANY_JSON)
    assert caught.value.retry_after == 120
    assert "120 seconds" in str(caught.value)
    assert sleeps == []


@responses.activate
def test_short_retry_after_is_waited_inline_then_succeeds(client, sleeps):
    responses.get(f"{BASE}/x", status=429, headers={"Retry-After": "2"})
    responses.get(f"{BASE}/x", json=[1, 2])
    assert client.get_json("/x", ANY_JSON) == [1, 2]
    assert sleeps == [2.0]


def test_retry_after_http_date_is_understood():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412480.0) == pytest.approx(30.0)
    assert parse_retry_after("soon") == 60.0
    assert parse_retry_after(None) == 60.0


@responses.activate
def test_server_errors_are_retried_with_backoff_then_raised(client, sleeps):
    for _ in range(3):
        responses.get(f"{BASE}/x", status=500, body="Internal Server Error")
    with pytest.raises(TransientError) as caught:
        client.get_json("/x", ANY_JSON)
    assert "server error (HTTP 500): Internal Server Error" in str(caught.value)
    assert len(responses.calls) == 3
    assert len(sleeps) == 2 and all(0.5 <= s <= 9.6 for s in sleeps)


@responses.activate
def test_server_error_then_success_recovers(client):
    responses.get(f"{BASE}/x", status=503, body="")
    responses.get(f"{BASE}/x", json={"fine": 1})
    assert client.get_json("/x", ANY_JSON) == {"fine": 1}


@responses.activate
def test_read_timeout_is_transient_and_names_the_wait(client):
    responses.get(f"{BASE}/x", body=requests.exceptions.ReadTimeout("read timed out"))
    responses.get(f"{BASE}/x", body=requests.exceptions.ReadTimeout("read timed out"))
    responses.get(f"{BASE}/x", body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransientError, match="did not answer within"):
        client.get_json("/x", ANY_JSON)


@responses.activate
def test_post_is_not_repeated_after_a_read_timeout(client):
    responses.post(f"{BASE}/act", body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(TransientError):
        client.post_form("/act", {"a": "1"})
    assert len(responses.calls) == 1


@responses.activate
def test_a_post_that_only_reads_is_retried_as_a_get_is(client, sleeps):
    responses.post(f"{BASE}/graphql.json", status=502, body="<html>Bad Gateway</html>")
    responses.post(f"{BASE}/graphql.json", body=requests.exceptions.ReadTimeout("read timed out"))
    responses.post(f"{BASE}/graphql.json", json={"data": {"shop": {"name": "Corner"}}})
    assert client.query_json("/graphql.json", {"query": "{ shop { name } }"}, ANY_JSON) == {
        "data": {"shop": {"name": "Corner"}}
    }
    assert len(responses.calls) == 3 and len(sleeps) == 2
    assert json.loads(responses.calls[0].request.body) == {"query": "{ shop { name } }"}


@responses.activate
def test_post_is_retried_when_the_connection_never_opened(client):
    responses.post(f"{BASE}/act", body=requests.exceptions.ConnectionError("Connection refused"))
    responses.post(f"{BASE}/act", json={})
    assert client.post_form("/act", {"a": "1"}) == {}
    assert len(responses.calls) == 2


@responses.activate
def test_other_4xx_is_a_platform_error_in_its_own_words(client):
    responses.post(f"{BASE}/act", status=400, json={"code": "ORDER_NOT_ACCEPTED", "title": "Order must be accepted"})
    with pytest.raises(PlatformError) as caught:
        client.post_form("/act", {})
    assert caught.value.code == "ORDER_NOT_ACCEPTED"
    assert "refused the request (HTTP 400): Order must be accepted" in str(caught.value)


@responses.activate
def test_secrets_never_appear_in_error_messages(client):
    # The platform echoes the token back in its error body, and the failure names the URL.
    responses.get(f"{BASE}/x", status=400, body=f"bad request for token={TOKEN}")
    with pytest.raises(PlatformError) as caught:
        client.get_json("/x", ANY_JSON)
    assert TOKEN not in str(caught.value)
    assert "[redacted]" in str(caught.value)


@responses.activate
def test_connection_error_message_has_no_token(client):
    error = requests.exceptions.ConnectionError(f"Max retries exceeded with url: /x?token={TOKEN}")
    for _ in range(3):
        responses.get(f"{BASE}/x", body=error)
    with pytest.raises(TransientError) as caught:
        client.get_json("/x", ANY_JSON)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "words", "code"),
    [
        ({"errors": [{"code": "A", "title": "Wrapped"}]}, "Wrapped", "A"),
        ({"code": "B", "title": "Bare"}, "Bare", "B"),
        ({"error": "Plain error"}, "Plain error", ""),
        ({"message": "A message"}, "A message", ""),
        ({"code": 404, "message": "not found"}, "not found", "404"),
        ("just a string", "just a string", ""),
    ],
)
def test_platform_message_reads_every_error_shape(body, words, code):
    assert platform_message(json.dumps(body).encode()) == (words, code)


def test_platform_message_of_text_html_and_empty_bodies():
    assert platform_message(b"Internal Server Error") == ("Internal Server Error", "")
    assert platform_message(b"<html><body>Bad gateway</body></html>", "text/html") == ("(an HTML error page)", "")
    assert platform_message(b"   ") == ("", "")
