"""The OpenAPI schema describes the API and its token; the docs page renders; Schemathesis finds no 5xx.

Schemathesis generates requests from the schema served at /api/schema/ and sends them to the
WSGI application in this process (the test's database transaction), with a member's token.
"""

import re
from collections import Counter

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import ApiToken
from connections.models import Connection
from connections.platforms.partner.tests.fixtures import make_partner_connection
from tests.api.conftest import make_order
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
OPERATIONS = [
    ("GET", "/api/v1/connections/"),
    ("GET", "/api/v1/orders/"),
    ("GET", "/api/v1/orders/{id}/"),
    ("POST", "/api/v1/orders/{id}/shipments/"),
]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 60


def test_the_schema_lists_the_api_with_its_token_scheme(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    api_paths = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method in item
    }
    assert api_paths == set(OPERATIONS)
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["apiToken"]["description"],
    }
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/"):
            for operation in item.values():
                assert {"apiToken": []} in operation["security"]
                assert "401" in operation["responses"]
    feed = schema["paths"]["/api/v1/orders/"]["get"]
    assert {p["name"] for p in feed["parameters"]} == {
        "connection",
        "status",
        "search",
        "updated_since",
        "cursor",
        "page_size",
    }


def test_the_docs_page_renders_with_our_own_copy_of_swagger_ui(client):
    from django.contrib.staticfiles import finders

    response = client.get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "swagger" in body.lower()
    assert "cdn." not in body and "unpkg" not in body  # nothing fetched from elsewhere
    scripts = re.findall(r'src="/static/([^"?]+)', body)
    assert any(s.endswith("swagger-ui-bundle.js") for s in scripts), scripts
    assert all(finders.find(s) for s in scripts)
    # Nothing inline for the Content-Security-Policy to refuse: the start-up script is a file of its own.
    assert "<style" not in body and not re.search(r"<script(?![^>]*\bsrc=)", body)
    assert '<script src="/api/docs/?script="></script>' in body
    start = client.get("/api/docs/?script=")
    assert start.status_code == 200 and start["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/schema/"' in start.content.decode()


@pytest.fixture
def wsgi_app():
    """The portal as a WSGI app, in this test's transaction (as Django's test client does it)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def fuzz_data(member, merchant, other_merchant):
    """A token, and real orders to aim at: open, closed, Partner API, and another merchant's."""
    _, value = ApiToken.issue(member, merchant, "schemathesis")
    quiet = ConnectionFactory(merchant=merchant, name="quiet", push_tracking=False)  # no push: no network
    paused = ConnectionFactory(merchant=merchant, name="paused", status=Connection.Status.PAUSED)
    orders = [
        make_order(quiet, 1),
        make_order(quiet, 2, status="shipped", flags={"unresolved_enquiry": True}),
        make_order(paused, 3),
        make_order(make_partner_connection(merchant), 4, status="pending"),
        make_order(ConnectionFactory(merchant=other_merchant), 5),
    ]
    for order in orders:
        order.items.create(title="Mug", quantity=1, options=[["Colour", "Blue"]])
    return value, [order.pk for order in orders]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_schemathesis_finds_no_server_error(wsgi_app, fuzz_data, method, path):
    token, order_ids = fuzz_data
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    operation = schema[path][method]
    headers = {"Authorization": f"Bearer {token}"}

    statuses = Counter()
    cases = st.one_of(operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

    @given(case=cases, real_id=st.one_of(st.none(), st.sampled_from(order_ids)))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case, real_id):
        if real_id is not None and "id" in (case.path_parameters or {}):
            case.path_parameters["id"] = real_id  # most generated ids match no order: aim at real ones too
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
    # Not only refused at the door: some requests reached the view's own work (200, 201, 400, 409).
    assert set(statuses) - {401, 403, 404}, statuses


def test_the_readme_names_the_order_feeds_filters_as_the_api_takes_them(client, settings):
    """A client written from the README must not send a filter the API silently ignores."""
    readme = (settings.BASE_DIR / "README.md").read_text()
    documented = re.search(r"`GET /api/v1/orders/` \(filters ([^;]+);", readme, re.S).group(1)
    names = set(re.findall(r"`(\w+)`", documented))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    taken = {p["name"] for p in schema["paths"]["/api/v1/orders/"]["get"]["parameters"]}
    assert names and names <= taken, names - taken
