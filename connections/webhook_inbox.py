"""Storing one webhook event, and asking for its drain, in as few statements as the database allows.

A webhook request's one durable write. On PostgreSQL it is one statement, one round trip:

    WITH ins AS (INSERT INTO <events> (...) VALUES (...) ON CONFLICT DO NOTHING RETURNING id),
         flag AS (UPDATE <connection> SET webhook_drain_asked_at = %s
                  WHERE id = %s AND webhook_drain_asked_at IS NULL AND EXISTS (SELECT 1 FROM ins)
                  RETURNING 1)
    SELECT (SELECT id FROM ins), EXISTS (SELECT 1 FROM flag)

run in autocommit as the view is: the event and the drain flag are committed together when
it returns. The flag is set only by a new event to be applied, and only where no drain is
asked for yet: a connection whose flag is set is read, not written (the UPDATE matches no
row, so takes no row lock), as the read-first `ask_for_drain` did. A drain clears the flag
before it reads the events (`webhooks.drain`), so an event committed with the flag still
set is read by that drain, and one committed after it was cleared sets it again.

On PostgreSQL the statement is sent by a cursor that binds its parameters on the server, so
psycopg prepares it once a kept connection has run it a few times (`prepare_threshold`, set in
the settings): the server then neither parses nor plans the CTE again, and the body travels as a
parameter rather than quoted into the SQL. That took 0.3-0.5 ms of the database server's CPU
and about 0.2 ms of the web process's off each event (bench/README.md, "Prepared, for real").
Django's own cursors bind on the client and are never prepared, so no other statement is.

SQLite has no data-modifying WITH: the INSERT, then the flag read (and, rarely, its
UPDATE) through `webhooks.ask_for_drain`, all in this process (no round trips to save).

No health check first: Django's CONN_HEALTH_CHECKS sends `SELECT 1` before a request's first
statement on a kept connection, a round trip as long as the INSERT's network share. Here the
connection is checked by use: when the statement fails with an OperationalError or
InterfaceError on a connection this request has not used yet (a dead pooled connection: the
server restarted, a proxy dropped it), it is closed and the statement run once more on a new
one. That is only safe because the statement is idempotent: the dedupe key is unique per
connection and the INSERT is ON CONFLICT DO NOTHING, so if the first try did commit before its
answer was lost, the second stores nothing and the event is acknowledged as a duplicate, never
stored twice (`Stored.retried` says so, for the caller to ask for a drain regardless).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import psycopg
from django.db import InterfaceError, OperationalError, connections, router
from django.utils import timezone

from .models import Connection, WebhookEvent


@dataclass(frozen=True)
class Stored:
    event_id: int | None  # None: the dedupe key was taken (a duplicate)
    drain_asked: bool  # this request set the drain flag, so it is the one to queue the drain
    flagged: bool  # the flag was handled in the same statement (PostgreSQL); else the caller asks
    retried: bool = False  # a dead connection was replaced and the statement run again


def store(values: dict, connection_id: int, *, flag: bool) -> Stored:
    """INSERT the event (its fields' values by attname; defaults for the rest) and, on PostgreSQL,
    set the drain flag with it when `flag` (an event to be applied) and it is new."""
    db = connections[router.db_for_write(WebhookEvent)]
    together = flag and db.vendor == "postgresql"
    sql, fields = _statement(db.alias, together)
    params = [f.get_db_prep_save(values[f.attname] if f.attname in values else f.get_default(), db) for f in fields]
    if together:
        params += [Connection._meta.get_field("webhook_drain_asked_at").get_db_prep_save(timezone.now(), db)]
        params += [connection_id]
    # Checked by use (module docstring): only a connection kept from an earlier request, that this
    # request has not used yet, would have been sent the health check; only it is retried.
    unchecked = db.connection is not None and db.health_check_enabled and not db.health_check_done
    retry = unchecked and not db.in_atomic_block
    if unchecked:
        db.health_check_done = True
    try:
        row = _run(db, sql, params)
    except (OperationalError, InterfaceError):
        if not retry:
            raise
        db.close()
        row = _run(db, sql, params)
        return _stored(row, together, retried=True)
    return _stored(row, together)


def _stored(row, together: bool, *, retried: bool = False) -> Stored:
    if together:
        return Stored(event_id=row[0], drain_asked=bool(row[1]), flagged=True, retried=retried)
    return Stored(event_id=row[0] if row else None, drain_asked=False, flagged=False, retried=retried)


def _run(db, sql: str, params: list):
    with _cursor(db) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()  # to the statement's end: SQLite commits it there
    return rows[0] if rows else None


def _cursor(db):
    """Django's cursor, but on PostgreSQL over a psycopg cursor that binds on the server (module
    docstring), in Django's wrapper still: execute wrappers run, and psycopg's errors become
    Django's (the retry above catches those). Not where queries are logged (DEBUG, a test counting
    them): Django cannot write a server-bound statement into its log, so there it goes as usual."""
    if db.vendor != "postgresql" or db.queries_logged:
        return db.cursor()
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        return db.make_cursor(psycopg.Cursor(db.connection))


@functools.cache
def _statement(alias: str, together: bool) -> tuple[str, list]:
    """The statement for this database, and the event fields its first parameters are, in order."""
    quote = connections[alias].ops.quote_name
    fields = [f for f in WebhookEvent._meta.concrete_fields if not f.primary_key]
    columns, placeholders = ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    table, pk = quote(WebhookEvent._meta.db_table), quote("id")
    insert = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING RETURNING {pk}"  # noqa: S608 (names from the model)
    if not together:
        return insert, fields
    connection = quote(Connection._meta.db_table)
    asked = quote(Connection._meta.get_field("webhook_drain_asked_at").column)
    sql = (
        f"WITH ins AS ({insert}), "  # noqa: S608 (names from the models)
        f"flag AS (UPDATE {connection} SET {asked} = %s "
        f"WHERE {pk} = %s AND {asked} IS NULL AND EXISTS (SELECT 1 FROM ins) RETURNING 1) "
        "SELECT (SELECT id FROM ins), EXISTS (SELECT 1 FROM flag)"
    )
    return sql, fields
