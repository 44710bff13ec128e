"""The kit's webhook authentication schemes: a secret in a header, an HMAC of the raw body."""

import base64
import hashlib
import hmac

import pytest
from django.http.request import HttpHeaders

from connections.platforms.deliveries import (
    BodySignature,
    SecretHeader,
    Unauthenticated,
    digest_matches,
    secret_digest,
    typed_secret_problem,
)

SECRET, OLD = "s3cret-0123456789abcdef", "old-secret-0123456789abcdef"
BODY = b'{"id": 820982911946154508, "updated_at": "2026-12-04T10:00:00-05:00"}'


def headers(**values: str) -> HttpHeaders:
    return HttpHeaders({f"HTTP_{name.upper()}": value for name, value in values.items()})


def base64_mac(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_a_secret_header_must_equal_an_accepted_secret_whole():
    scheme = SecretHeader("Authorization")
    scheme.verify(headers(authorization=SECRET), b"", [SECRET])
    scheme.verify(headers(authorization=OLD), b"", [SECRET, OLD])
    for wrong in (SECRET[:-1], f"{SECRET} ", f"Bearer {SECRET}"):
        with pytest.raises(Unauthenticated, match="does not match"):
            scheme.verify(headers(authorization=wrong), b"", [SECRET])
    with pytest.raises(Unauthenticated, match="missing"):
        scheme.verify(headers(), b"", [SECRET])
    assert scheme.secret_headers == {"authorization"} and not scheme.needs_body


def test_a_secret_header_is_checked_against_salted_digests_without_the_secret():
    digest, again = secret_digest(SECRET), secret_digest(SECRET)
    assert digest != again  # a salt of its own: equal secrets do not show as equal digests
    assert SECRET not in digest and digest.startswith("hmac-sha256$")
    assert digest_matches(SECRET, digest) and digest_matches(SECRET, again)
    assert not digest_matches(SECRET[:-1], digest) and not digest_matches("", digest)
    for unreadable in ("", "hmac-sha256$", "hmac-sha256$zz$00", "md5$00$00", digest.replace("hmac", "hmak")):
        assert not digest_matches(SECRET, unreadable)
    scheme = SecretHeader("Authorization")
    assert scheme.checks_digests
    scheme.verify_digests(headers(authorization=OLD), [digest, secret_digest(OLD)])
    for wrong in (SECRET[:-1], f"Bearer {SECRET}"):
        with pytest.raises(Unauthenticated, match="does not match"):
            scheme.verify_digests(headers(authorization=wrong), [digest])
    with pytest.raises(Unauthenticated, match="missing"):
        scheme.verify_digests(headers(), [digest])
    signed = BodySignature("X-Sig")
    assert not signed.checks_digests  # the HMAC of a body needs the secret itself
    with pytest.raises(TypeError):
        signed.verify_digests(headers(x_sig="x"), [digest])


def test_no_accepted_secret_means_nothing_authenticates():
    with pytest.raises(Unauthenticated):
        SecretHeader().verify(headers(authorization=""), b"", [])
    with pytest.raises(Unauthenticated):
        BodySignature("X-Sig").verify(headers(x_sig=base64_mac(BODY, "")), BODY, [])


def test_a_base64_body_signature_is_checked_against_the_raw_bytes():
    scheme = BodySignature("X-Shopify-Hmac-Sha256")
    assert scheme.needs_body and not scheme.secret_headers
    good = base64_mac(BODY, SECRET)
    assert scheme.signature(BODY, SECRET) == good
    scheme.verify(headers(x_shopify_hmac_sha256=good), BODY, [SECRET])
    scheme.verify(headers(x_shopify_hmac_sha256=f"  {good}\n"), BODY, [SECRET])  # a proxy's whitespace
    changed = BODY.replace(b"08", b"09")  # one byte
    assert len(changed) == len(BODY) and changed != BODY
    with pytest.raises(Unauthenticated, match="does not match"):
        scheme.verify(headers(x_shopify_hmac_sha256=good), changed, [SECRET])
    with pytest.raises(Unauthenticated, match="does not match"):
        scheme.verify(headers(x_shopify_hmac_sha256=base64_mac(BODY, "another secret")), BODY, [SECRET])
    with pytest.raises(Unauthenticated, match="missing"):
        scheme.verify(headers(), BODY, [SECRET])


def test_a_rotated_secret_signs_for_a_while_beside_the_new_one():
    scheme = BodySignature("X-Sig")
    scheme.verify(headers(x_sig=base64_mac(BODY, OLD)), BODY, [SECRET, OLD])
    with pytest.raises(Unauthenticated):
        scheme.verify(headers(x_sig=base64_mac(BODY, OLD)), BODY, [SECRET])


def test_a_hex_body_signature():
    scheme = BodySignature("X-Hub-Signature", encoding="hex")
    good = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    scheme.verify(headers(x_hub_signature=good), BODY, [SECRET])
    with pytest.raises(Unauthenticated):
        scheme.verify(headers(x_hub_signature=base64_mac(BODY, SECRET)), BODY, [SECRET])
    with pytest.raises(ValueError):
        BodySignature("X", encoding="base32")


def test_a_typed_secret_needs_sixteen_characters():
    assert typed_secret_problem("") == ""
    assert typed_secret_problem("x" * 16) == ""
    assert "16 characters" in typed_secret_problem("x" * 15)
