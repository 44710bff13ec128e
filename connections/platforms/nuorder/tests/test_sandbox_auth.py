"""OAuth 1.0a on the fake NuORDER: both signature dialects, verified for real."""

import time

import pytest

from connections.platforms.nuorder.sandbox.auth import OAuthError, parse_authorization
from connections.platforms.nuorder.sandbox.models import SandboxNuorderApp

from .sandbox_helpers import HOST, RETAIL, WHOLESALE, Creds, call, legacy_header, make_app, rfc_header, send

LIST = "/api/orders/approved/list"


def message(response):
    return response.json()["message"]


@pytest.fixture
def brand(db):
    return make_app(orders=2)


# -- the header parser ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        'OAuth oauth_consumer_key="ck", oauth_signature="a%2Bb%3D", oauth_timestamp="1", oauth_nonce="n", '
        'oauth_signature_method="HMAC-SHA1"',
        "oAuth oauth_consumer_key=ck,oauth_signature=a%2Bb%3D,oauth_timestamp=1,oauth_nonce=n,"
        "oauth_signature_method=HMAC-SHA1",
        'oauth  oauth_consumer_key = "ck" ,oauth_signature="a%2Bb%3D",  oauth_timestamp=1,oauth_nonce="n",'
        "oauth_signature_method=HMAC-SHA1,",
    ],
)
def test_parser_takes_every_spelling(header):
    params = parse_authorization(header)
    assert params["oauth_consumer_key"] == "ck"
    assert params["oauth_signature"] == "a+b="  # percent-decoded
    assert params["oauth_timestamp"] == "1"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer abc",
        "OAuth",
        'OAuth oauth_consumer_key="ck"',  # the rest is missing
        'OAuth oauth_consumer_key="ck" oauth_nonce="n"',  # no comma: one garbled value
        'OAuth oauth_consumer_key="c"k", oauth_signature="s", oauth_timestamp="1", oauth_nonce="n", '
        'oauth_signature_method="HMAC-SHA1"',
        'OAuth oauth_consumer_key="ck", oauth_consumer_key="ck2", oauth_signature="s", oauth_timestamp="1", '
        'oauth_nonce="n", oauth_signature_method="HMAC-SHA1"',
        'OAuth oauth_consumer_key="ck", oauth_signature="s", oauth_timestamp="1", oauth_nonce="n", '
        'oauth_signature_method="HMAC-SHA256"',
    ],
)
def test_parser_refuses_garbled_headers(header):
    with pytest.raises(OAuthError):
        parse_authorization(header)


# -- both dialects ---------------------------------------------------------------------------------


def test_rfc5849_signed_by_requests_oauthlib_is_accepted(client, brand):
    response = call(client, "GET", LIST, brand)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert len(response.json()) == 2


@pytest.mark.parametrize(
    "style",
    [
        {"scheme_word": "OAuth", "quoted": True, "separator": ", "},
        {"scheme_word": "oAuth", "quoted": False, "separator": ","},  # the Ruby gem
        {"scheme_word": "oauth", "quoted": True, "separator": ","},
    ],
)
def test_legacy_hex_dialect_is_accepted_in_every_header_style(client, brand, style):
    response = call(client, "GET", LIST, brand, dialect="legacy", **style)
    assert response.status_code == 200, response.content


def test_legacy_signature_ignores_the_query_string(client, brand):
    """The legacy base string has no query, so a query never breaks it."""
    response = call(client, "GET", "/api/order/number/100001?__populate=__payments", brand, dialect="legacy")
    assert response.status_code == 200
    assert response.json()["__metadata"] == {"payments": []}


def test_rfc_signed_query_parameter_works(client, brand):
    response = call(client, "GET", "/api/orders/approved/detail?__populate=__payments", brand)
    assert response.status_code == 200
    assert all(order["__metadata"] == {"payments": []} for order in response.json())


def test_rfc_query_is_signed(client, brand):
    """Sign without the query, send it with one: the RFC signature no longer fits."""
    url = f"{HOST}{WHOLESALE}/api/orders/approved/detail"
    response = send(client, "GET", f"{url}?__populate=__payments", rfc_header("GET", url, brand))
    assert response.status_code == 401
    assert message(response) == "Invalid OAuth signature"


def test_rfc_json_body_is_not_signed(client, brand):
    order_id = call(client, "GET", LIST, brand).json()[0]
    body = {"shipments": [{"tracking_numbers": ["1Z999"], "carrier": "UPS"}]}
    assert call(client, "POST", f"/api/order/{order_id}", brand, body=body).status_code == 200
    assert call(client, "POST", f"/api/order/{order_id}", brand, body=body, dialect="legacy").status_code == 200


def test_port_and_https_are_part_of_the_signature(client, brand):
    for host in ("http://testserver:8000", "https://testserver", "https://testserver:8443"):
        for dialect in ("rfc", "legacy"):
            assert call(client, "GET", LIST, brand, host=host, dialect=dialect).status_code == 200, (host, dialect)
    # Signed for https, sent over http: refused.
    url = f"{HOST}{WHOLESALE}{LIST}"
    header = legacy_header("GET", url.replace("http://", "https://"), brand)
    assert send(client, "GET", url, header).status_code == 401


# -- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["rfc", "legacy"])
def test_wrong_consumer_secret(client, brand, dialect):
    wrong = Creds(brand.consumer_key, "x" * 64, brand.token, brand.token_secret)
    response = call(client, "GET", LIST, wrong, dialect=dialect)
    assert response.status_code == 401
    assert response.json() == {"code": 401, "message": "Invalid OAuth signature"}


@pytest.mark.parametrize("dialect", ["rfc", "legacy"])
def test_wrong_token_secret(client, brand, dialect):
    wrong = Creds(brand.consumer_key, brand.consumer_secret, brand.token, "y" * 64)
    response = call(client, "GET", LIST, wrong, dialect=dialect)
    assert response.status_code == 401
    assert message(response) == "Invalid OAuth signature"


@pytest.mark.parametrize("dialect", ["rfc", "legacy"])
@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_stale_or_future_timestamp(client, brand, dialect, skew):
    stamp = int(time.time()) + skew
    sign = {"timestamp": str(stamp)} if dialect == "rfc" else {"timestamp": stamp}
    response = call(client, "GET", LIST, brand, dialect=dialect, **sign)
    assert response.status_code == 401
    assert message(response) == "OAuth timestamp is too old or in the future"


def test_a_little_clock_skew_is_fine(client, brand):
    assert call(client, "GET", LIST, brand, timestamp=str(int(time.time()) - 200)).status_code == 200


@pytest.mark.parametrize("dialect", ["rfc", "legacy"])
def test_tampered_path(client, brand, dialect):
    response = call(client, "GET", LIST, brand, dialect=dialect, sign_path="/api/orders/pending/list")
    assert response.status_code == 401
    assert message(response) == "Invalid OAuth signature"


def test_tampered_method(client, brand):
    order_id = call(client, "GET", LIST, brand).json()[0]
    url = f"{HOST}{WHOLESALE}/api/order/{order_id}/processed"
    response = send(client, "POST", url, legacy_header("PUT", url, brand))
    assert response.status_code == 401


def test_unknown_consumer_key_and_token(client, brand):
    unknown_key = Creds("Z" * 24, brand.consumer_secret, brand.token, brand.token_secret)
    response = call(client, "GET", LIST, unknown_key)
    assert (response.status_code, message(response)) == (401, "Invalid consumer key")
    unknown_token = Creds(brand.consumer_key, brand.consumer_secret, "T" * 24, brand.token_secret)
    response = call(client, "GET", LIST, unknown_token, dialect="legacy")
    assert (response.status_code, message(response)) == (401, "Invalid OAuth token")
    no_token = Creds(brand.consumer_key, brand.consumer_secret)
    assert call(client, "GET", LIST, no_token).status_code == 401


def test_missing_and_garbled_headers(client, brand):
    url = f"{HOST}{WHOLESALE}{LIST}"
    for header in (None, "Basic dXNlcjpwYXNz", "OAuth garbage", 'OAuth oauth_consumer_key="x'):
        response = send(client, "GET", url, header)
        assert response.status_code == 401
        assert response.json()["code"] == 401
        assert message(response).startswith("Missing or malformed OAuth Authorization header")


def test_an_application_works_only_on_its_own_host(client, db):
    brand = make_app("wholesale", shortcode="brand")
    buyer = make_app("retail", shortcode="buyer")
    assert call(client, "GET", LIST, brand).status_code == 200
    assert call(client, "GET", LIST, buyer).status_code == 200
    wrong_host = call(client, "GET", LIST, brand, prefix=RETAIL)
    assert (wrong_host.status_code, message(wrong_host)) == (401, "Invalid consumer key")
    assert call(client, "GET", LIST, buyer, prefix=WHOLESALE, dialect="legacy").status_code == 401


def test_another_apps_token_is_unknown(client, db):
    first = make_app(shortcode="first")
    second = make_app(shortcode="second")
    mixed = Creds(first.consumer_key, first.consumer_secret, second.token, second.token_secret)
    response = call(client, "GET", LIST, mixed)
    assert (response.status_code, message(response)) == (401, "Invalid OAuth token")


def test_nonces_are_not_checked_by_default(client, brand):
    nonce = "fixed-nonce-1"
    stamp = int(time.time())
    first = call(client, "GET", LIST, brand, dialect="legacy", nonce=nonce, timestamp=stamp)
    again = call(client, "GET", LIST, brand, dialect="legacy", nonce=nonce, timestamp=stamp)
    assert (first.status_code, again.status_code) == (200, 200)


def test_nonce_replay_is_refused_when_switched_on(client, brand):
    SandboxNuorderApp.objects.filter(account__token=brand.consumer_key).update(check_nonces=True)
    url = f"{HOST}{WHOLESALE}{LIST}"
    header = rfc_header("GET", url, brand, nonce="replayed-nonce-2", timestamp=str(int(time.time())))
    assert send(client, "GET", url, header).status_code == 200
    replay = send(client, "GET", url, header)
    assert (replay.status_code, message(replay)) == (401, "OAuth nonce has already been used")
    assert call(client, "GET", LIST, brand).status_code == 200  # a fresh nonce is fine
