"""`POST /webhooks/<platform>/<connection uuid>/`: the order events a platform pushes.

The rules live in `connections.webhooks`; this view only maps them to HTTP. No
authentication class or parser of DRF's runs: the body is read raw and capped, and the
request is authenticated by the platform's own scheme (a shared secret in a header, a
signature of the body), not as a user.

The view is DRF's for the schema (and for any other method, answered 405 as DRF does), but
a POST is answered by plain Django: DRF's request wrapper, content negotiation, permission
and throttle checks and renderer did nothing here and cost about a third of a millisecond
of a request's two (bench/webhook.py, "rest: middleware, DRF, ..."). The answers are the
same JSON with the same statuses and headers.
"""

from __future__ import annotations

import logging

import orjson
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.http.request import HttpHeaders
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.addresses import limit_address

from . import webhooks

log = logging.getLogger(__name__)

_REPLY = inline_serializer(
    "WebhookReply",
    {"status": serializers.CharField(), "event": serializers.IntegerField(required=False)},
)
_ERROR = inline_serializer("WebhookError", {"detail": serializers.CharField()})


class JsonOnly(BaseContentNegotiation):
    """The answer is always JSON: the platform sends no Accept worth parsing on every event."""

    def select_parser(self, request, parsers):
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class WebhookView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []
    throttle_classes: list = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnly

    @extend_schema(
        operation_id="webhook",
        summary="Receive a platform's order event",
        description=(
            "An order event as the platform pushes it, to the URL the connection's page shows. The request must "
            "prove the connection's webhook secret the platform's way: the whole Authorization header equal to it, "
            "or a header with an HMAC of the raw body keyed with it. Accepted events are stored before the answer "
            "and applied in the background; a duplicate is acknowledged and changes nothing."
        ),
        request=OpenApiTypes.OBJECT,
        responses={
            202: OpenApiResponse(_REPLY, description="Stored; it will be applied shortly."),
            200: OpenApiResponse(_REPLY, description="A duplicate of an event already received."),
            400: OpenApiResponse(
                _ERROR,
                description="Not JSON, not an order, or beyond a limit the portal could never apply (nesting depth, "
                "a text's length, a list's entries, the order id's length), said in words; nothing stored.",
            ),
            401: OpenApiResponse(_ERROR, description="Secret or signature missing or wrong; nothing stored."),
            429: OpenApiResponse(
                _ERROR,
                description="Secret or signature wrong, from an address that sent too many wrong ones: wait the "
                "Retry-After header's seconds. A correctly signed delivery is never answered 429.",
            ),
            404: OpenApiResponse(_ERROR, description="No such webhook (unknown or disconnected connection)."),
            413: OpenApiResponse(_ERROR, description="Body above the size limit."),
            503: OpenApiResponse(_ERROR, description="Could not store it now; send it again."),
        },
        auth=[],
        tags=["webhooks"],
    )
    def post(self, request, platform, webhook_id):
        status, body, headers = answer(request._request, platform, webhook_id)
        return Response(body, status=status, headers=headers)

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return super().dispatch(request, *args, **kwargs)
        status, body, headers = answer(request, *args, **kwargs)
        response = HttpResponse(orjson.dumps(body), status=status, content_type="application/json", headers=headers)
        response["Allow"] = ", ".join(self.allowed_methods)  # as DRF's answer says
        return response


def answer(request, platform, webhook_id) -> tuple[int, dict, dict | None]:
    """The status, JSON body and extra headers of the answer to a POSTed event."""
    meta = request.META
    try:
        connection = webhooks.connection_for(platform, webhook_id)
        headers = HttpHeaders(meta)
        address = limit_address(request) or "unknown"
        first = webhooks.authenticates_before_body(connection)
        if first:
            webhooks.authenticate(connection, headers, b"", address=address)
        body = webhooks.read_body(request, meta, settings.WEBHOOK_MAX_BYTES)
        if not first:
            webhooks.authenticate(connection, headers, body, address=address)
        receipt = webhooks.receive(connection, body, meta, meta.get("REMOTE_ADDR"), headers)
    except webhooks.Refused as refused:
        retry = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
        return refused.status, {"detail": refused.reason}, retry
    except DatabaseError:
        log.exception("Could not store a webhook event for %s %s", platform, webhook_id)
        return 503, {"detail": "The event could not be stored just now; send it again."}, None
    return receipt.status, receipt.body, None
