"""GET /api/v1/connections/: each connection with the health its page shows."""

import pytest

from connections.health import health
from connections.models import Connection, Problem
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def test_each_connection_with_its_health(api, merchant, django_assert_max_num_queries):
    fine = ConnectionFactory(merchant=merchant, name="alpha")
    troubled = ConnectionFactory(merchant=merchant, name="beta")
    Problem.objects.create(connection=troubled, cause=Problem.Cause.PLATFORM_REFUSING, message="NOTHS says no")
    Problem.objects.create(
        connection=fine, cause=Problem.Cause.PLATFORM_REFUSING, message="long gone", closed_at="2026-01-01T00:00:00Z"
    )
    paused = ConnectionFactory(merchant=merchant, name="gamma", status=Connection.Status.PAUSED)
    with django_assert_max_num_queries(4):
        rows = api.get("/api/v1/connections/").json()
    by_name = {row["name"]: row for row in rows}
    assert [row["name"] for row in rows] == ["alpha", "beta", "gamma"]
    assert by_name["alpha"]["health"] == {"state": "connected", "label": "Connected", "reason": ""}
    assert by_name["beta"]["health"] == {
        "state": "needs_attention",
        "label": "Needs attention",
        "reason": "NOTHS says no",
    }
    assert by_name["gamma"]["health"]["state"] == "paused"
    for connection in (fine, troubled, paused):
        expected = health(connection)
        assert by_name[connection.name]["health"] == {
            "state": expected.state,
            "label": expected.label,
            "reason": expected.reason,
        }
    assert by_name["alpha"]["platform"] == "noths" and by_name["alpha"]["platform_name"] == "NOTHS"
    assert "credential" not in str(rows).lower() and "factory-token" not in str(rows)
