"""Hypothesis throws arbitrary bodies and headers at the webhook: never a 500, never an unauthenticated event."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connections.models import WebhookEvent
from tests.conftest import PARTNER_WEBHOOK_SECRET, make_partner_connection
from tests.support.partner_orders import partner_order

# Header values a client can send: printable latin-1, as HTTP carries them.
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), max_size=80)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def order_like():
    """Real orders with fields replaced by arbitrary values: the bodies most likely to reach deep code."""
    keys = st.sampled_from(sorted(partner_order()))
    return st.builds(
        lambda changes, status: {**partner_order(status=status), **changes},
        st.dictionaries(keys, json_values, max_size=4),
        st.sampled_from(["RECEIVED", "READY_FOR_PICKUP", "DISPATCHED", "CANCELLED", "picked_up", "WHATEVER", ""]),
    )


bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    order_like().map(lambda v: json.dumps(v).encode()),
)
# A Content-Length the test client can carry: unreadable ones, and none larger than the body
# (Django's test client asserts on a read past the body; a real server would time out).
extra_headers = st.dictionaries(
    st.sampled_from(["HTTP_X_ANYTHING", "CONTENT_TYPE", "HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR"]),
    header_text,
    max_size=3,
) | st.fixed_dictionaries({"CONTENT_LENGTH": st.sampled_from(["abc", "-1", "0", "", "1e3", "0x10"])})
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def endpoint(db, merchant):
    cache.clear()
    connection = make_partner_connection(merchant)
    return connection, reverse("partner_webhook", args=[connection.webhook_id])


def send(url, body, authorization, headers):
    client = Client(raise_request_exception=False)
    meta = {k: v for k, v in headers.items()}
    if authorization is not None:
        meta["HTTP_AUTHORIZATION"] = authorization
    return client.generic("POST", url, body, content_type=meta.pop("CONTENT_TYPE", "application/json"), **meta)


@FUZZ
@given(body=bodies, authorization=st.none() | header_text, headers=extra_headers)
def test_without_the_secret_nothing_is_stored_and_nothing_is_a_500(endpoint, body, authorization, headers):
    _, url = endpoint
    before = WebhookEvent.objects.count()
    answer = send(url, body, authorization, headers)
    assert answer.status_code < 500
    if authorization != PARTNER_WEBHOOK_SECRET:
        assert answer.status_code == 401
        assert WebhookEvent.objects.count() == before


@FUZZ
@given(body=bodies, headers=extra_headers)
def test_with_the_secret_any_body_is_stored_or_refused_never_a_500(
    endpoint, body, headers, django_capture_on_commit_callbacks
):
    connection, url = endpoint
    before = WebhookEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        answer = send(url, body, PARTNER_WEBHOOK_SECRET, headers)
    assert answer.status_code in (200, 202, 400, 413)
    stored = WebhookEvent.objects.count() - before
    assert stored == (1 if answer.status_code == 202 else 0)
    # Applying what was stored never fails the event with an error of ours.
    assert not WebhookEvent.objects.filter(connection=connection, state=WebhookEvent.State.FAILED).exists()


def test_a_duplicate_inside_an_open_transaction_is_still_acknowledged(endpoint):
    """The test's own transaction stands for any caller's: the duplicate's IntegrityError must
    not break it (the event is saved in its own atomic block, a savepoint here)."""
    _, url = endpoint
    body = json.dumps(partner_order()).encode()
    assert send(url, body, PARTNER_WEBHOOK_SECRET, {}).status_code == 202
    again = send(url, body, PARTNER_WEBHOOK_SECRET, {})
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert WebhookEvent.objects.get().duplicates == 1


def test_a_busy_stores_events_skip_the_connection_lookup_until_it_changes(endpoint, settings, monkeypatch):
    """Each process remembers the connection for PARTNER_WEBHOOK_LOOKUP_SECONDS: no lookup per
    event; its own changes (a rotated secret) at once, others' once the time is up."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from connections import services, webhooks

    settings.PARTNER_WEBHOOK_LOOKUP_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr(webhooks.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(webhooks, "_remembered", {})
    connection, url = endpoint

    def post(status, secret=PARTNER_WEBHOOK_SECRET):
        return send(url, json.dumps(partner_order(status=status)).encode(), secret, {})

    assert post("RECEIVED").status_code == 202
    with CaptureQueriesContext(db) as queries:
        assert post("READY_FOR_PICKUP").status_code == 202
    assert not [q for q in queries if '"webhook_id" = ' in q["sql"]]  # the lookup by webhook id

    # Another process disconnects it: this one still accepts until the time is up, then 404.
    type(connection).objects.filter(pk=connection.pk).update(status="disconnected")
    assert post("DISPATCHED").status_code == 202
    clock[0] += 6
    assert post("CANCELLED").status_code == 404

    # This process's own change is seen at once.
    type(connection).objects.filter(pk=connection.pk).update(status="connected")
    assert post("CANCELLED").status_code == 202
    services.rotate_webhook_secret(connection, "a-brand-new-secret-for-this-hook")
    assert post("CANCELLED", secret="a-brand-new-secret-for-this-hook").status_code == 202
