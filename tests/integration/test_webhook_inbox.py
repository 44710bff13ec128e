"""The webhook's one durable write (`connections/webhook_inbox.py`): how many statements a request
sends, and a dead kept database connection replaced once without storing an event twice."""

import pytest
from django.db import OperationalError, connection, connections
from django.utils import timezone

from connections import webhook_inbox, webhooks
from connections.models import Connection, WebhookEvent
from connections.platforms.partner.tests.fixtures import make_partner_connection
from connections.platforms.partner.tests.orders import partner_order
from tests.support.webhook_direct import receive

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def partner(merchant):
    return make_partner_connection(merchant)


def flag(partner):
    return Connection.objects.get(pk=partner.pk).webhook_drain_asked_at


@pytest.mark.django_db
def test_a_new_event_is_one_statement_on_postgresql_with_its_drain_flag(partner, queued, django_assert_num_queries):
    # PostgreSQL: the INSERT and the flag in one statement. SQLite: the INSERT, the flag read, its UPDATE.
    with django_assert_num_queries(1 if POSTGRES else 3):
        assert receive(partner, partner_order(code="a")).status == 202
    assert queued == [partner.pk] and flag(partner) is not None


@pytest.mark.django_db
def test_with_a_drain_already_asked_for_an_event_only_reads_the_flag(partner, queued, django_assert_num_queries):
    Connection.objects.filter(pk=partner.pk).update(webhook_drain_asked_at=timezone.now())
    for code in ("a", "b"):
        with django_assert_num_queries(1 if POSTGRES else 2):
            assert receive(partner, partner_order(code=code)).status == 202
    assert queued == [] and WebhookEvent.objects.count() == 2


@pytest.mark.django_db
def test_a_duplicate_neither_stores_nor_asks_for_a_drain(partner, queued):
    body = partner_order(code="a")
    assert receive(partner, body).status == 202
    Connection.objects.filter(pk=partner.pk).update(webhook_drain_asked_at=None)  # the drain started
    receipt = receive(partner, body)
    assert receipt.status == 200 and receipt.body["status"] == "duplicate"
    assert queued == [partner.pk] and flag(partner) is None
    assert WebhookEvent.objects.get().duplicates == 1


@pytest.mark.django_db
def test_an_event_not_to_be_applied_sets_no_flag(partner, queued):
    receipt = receive(partner, partner_order(code="a", status="NO_SUCH_STATUS"))
    assert receipt.status == 202
    assert queued == [] and flag(partner) is None


@pytest.mark.django_db
def test_a_broker_failure_clears_the_flag_it_set_and_the_event_is_kept(partner, monkeypatch):
    def down(connection_id):
        raise ConnectionError("broker down")

    monkeypatch.setattr(webhooks, "queue_drain", down)
    assert receive(partner, partner_order(code="a")).status == 202
    assert flag(partner) is None and WebhookEvent.objects.count() == 1


# -- a dead kept connection: checked by use, retried once ------------------------------------------------------


@pytest.fixture
def kept_connection():
    """The state Django leaves a kept connection in at a request's start with CONN_HEALTH_CHECKS:
    open, not yet checked this request."""
    db = connections["default"]
    db.ensure_connection()
    enabled = db.health_check_enabled
    db.health_check_enabled, db.health_check_done = True, False
    yield db
    db.health_check_enabled, db.health_check_done = enabled, False


def fail_once(*, after_commit: bool):
    """An execute wrapper: the first statement fails as on a dead connection, before it runs or
    after it committed (its answer lost); later ones run."""
    calls = []

    def wrapper(execute, sql, params, many, context):
        calls.append(sql)
        if len(calls) == 1:
            if after_commit:
                execute(sql, params, many, context)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    return wrapper, calls


def tried(calls) -> int:
    """How many times the event's INSERT was sent."""
    return sum("INSERT INTO" in sql for sql in calls)


@pytest.mark.django_db(transaction=True)
def test_no_health_check_statement_is_sent_before_the_insert(partner, queued, kept_connection):
    statements = []
    with kept_connection.execute_wrapper(lambda execute, sql, *rest: statements.append(sql) or execute(sql, *rest)):
        assert receive(partner, partner_order(code="a")).status == 202
    assert "INSERT" in statements[0] and not any(s.strip().upper() == "SELECT 1" for s in statements)


@pytest.mark.django_db(transaction=True)
def test_a_dead_connection_before_the_insert_is_replaced_and_the_event_stored_once(partner, queued, kept_connection):
    wrapper, calls = fail_once(after_commit=False)
    with kept_connection.execute_wrapper(wrapper):
        receipt = receive(partner, partner_order(code="a"))
    assert receipt.status == 202 and tried(calls) == 2
    assert WebhookEvent.objects.count() == 1
    assert queued == [partner.pk]  # asked anew after the retry


@pytest.mark.django_db(transaction=True)
def test_an_answer_lost_after_commit_is_retried_without_storing_twice(partner, queued, kept_connection):
    wrapper, calls = fail_once(after_commit=True)
    with kept_connection.execute_wrapper(wrapper):
        receipt = receive(partner, partner_order(code="a"))
    # The second try finds the first's row by its dedupe key: acknowledged, stored once, drained.
    assert receipt.status == 200 and tried(calls) == 2
    assert WebhookEvent.objects.count() == 1
    assert queued == [partner.pk]


@pytest.mark.django_db(transaction=True)
def test_it_is_retried_once_only(partner, queued, kept_connection):
    def always(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with kept_connection.execute_wrapper(always), pytest.raises(OperationalError):
        receive(partner, partner_order(code="a"))
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_connection_already_used_by_the_request_is_not_retried(partner, queued, kept_connection):
    kept_connection.health_check_done = True  # checked, or used, earlier in this request
    wrapper, calls = fail_once(after_commit=False)
    with kept_connection.execute_wrapper(wrapper), pytest.raises(OperationalError):
        receive(partner, partner_order(code="a"))
    assert len(calls) == 1


@pytest.mark.skipif(not POSTGRES, reason="a server-side backend to terminate")
@pytest.mark.django_db(transaction=True)
def test_a_backend_the_server_ended_is_replaced(partner, queued, kept_connection):
    with kept_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    kept_connection.health_check_done = False
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    receipt = receive(partner, partner_order(code="a"))
    assert receipt.status == 202 and WebhookEvent.objects.count() == 1


def test_the_postgresql_statement_sets_the_flag_only_for_a_new_event():
    sql, _ = webhook_inbox._statement("default", True)
    assert "ON CONFLICT DO NOTHING" in sql and "EXISTS (SELECT 1 FROM ins)" in sql and "IS NULL" in sql


# -- PostgreSQL: the statement prepared on a kept connection, and only it ---------------------------------------


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(not POSTGRES, reason="prepared statements are PostgreSQL's")
@pytest.mark.django_db
def test_the_event_statement_is_prepared_after_a_few_events_and_nothing_else_is(partner, queued):
    connection.ensure_connection()
    threshold = connection.connection.prepare_threshold
    assert threshold is not None, "the settings leave preparing on (PREPARED_STATEMENTS)"
    for code in range(threshold + 2):
        assert receive(partner, partner_order(code=f"o{code}")).status == 202
        Connection.objects.filter(pk=partner.pk).update(webhook_drain_asked_at=None)  # and the ORM's statements
    statements = prepared_statements()
    assert len(statements) == 1 and "INSERT INTO" in statements[0] and "ON CONFLICT DO NOTHING" in statements[0]
    assert WebhookEvent.objects.count() == threshold + 2


@pytest.mark.skipif(not POSTGRES, reason="prepared statements are PostgreSQL's")
@pytest.mark.django_db
def test_with_preparing_off_events_are_stored_unprepared(partner, queued):
    connection.ensure_connection()
    threshold, connection.connection.prepare_threshold = connection.connection.prepare_threshold, None
    try:
        for code in range(8):
            assert receive(partner, partner_order(code=f"o{code}")).status == 202
        assert prepared_statements() == []
    finally:
        connection.connection.prepare_threshold = threshold
    assert WebhookEvent.objects.count() == 8
