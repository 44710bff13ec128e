"""The portal's REST API, v1: a merchant's connections and orders, and recording shipments.

Every query starts from the merchant the request acts for, so another merchant's
connection or order is simply not found (404). See `api.cursor` for the order feed.
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.utils.urls import remove_query_param, replace_query_param

from connections.models import Connection, Problem
from orders import actions
from orders.forms import OrderFilterForm
from orders.models import Order, Shipment

from .authentication import BearerTokenAuthentication
from .cursor import BadCursor, Position, read_page
from .permissions import IsMerchantMember, merchant_of
from .serializers import (
    ConnectionSerializer,
    OrderDetailSerializer,
    OrderListQuerySerializer,
    OrderPageSerializer,
    OrderSerializer,
    ShipmentCreateSerializer,
    ShipmentSerializer,
)
from .throttling import MemberRateThrottle

ERROR = inline_serializer("Error", {"detail": serializers.CharField()})
VALIDATION_ERROR = OpenApiResponse(
    OpenApiTypes.OBJECT, description='Invalid parameters or body: each field\'s errors, e.g. {"status": ["..."]}.'
)
ORDER_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The order's id in the portal.")
COMMON = {
    401: OpenApiResponse(ERROR, description="No token, or an unknown or revoked one."),
    403: OpenApiResponse(ERROR, description="Signed in, but not as a merchant member."),
    429: OpenApiResponse(
        ERROR,
        description="Too many requests, or too many wrong tokens from your address: wait the Retry-After header's "
        "seconds.",
    ),
}


class MerchantAPIView(generics.GenericAPIView):
    # Bearer first: its challenge makes an unauthenticated request a 401.
    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [IsMerchantMember]
    throttle_classes = [MemberRateThrottle]

    @property
    def merchant(self):
        return merchant_of(self.request)


class ConnectionListView(MerchantAPIView, generics.ListAPIView):
    serializer_class = ConnectionSerializer
    pagination_class = None

    def get_queryset(self):
        open_problems = Prefetch("problems", queryset=Problem.objects.filter(closed_at=None), to_attr="open_problems")
        return Connection.objects.filter(merchant=self.merchant).prefetch_related(open_problems).order_by("name", "id")

    @extend_schema(
        operation_id="connections_list",
        summary="Your connections, with their health",
        responses={200: ConnectionSerializer(many=True), **COMMON},
        tags=["connections"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrderListView(MerchantAPIView):
    serializer_class = OrderSerializer

    @extend_schema(
        operation_id="orders_list",
        summary="Your orders, as a feed of changes",
        description=(
            "Orders in the order their portal copy last changed (`updated_at`, then `id`). Start a pass with "
            "`updated_since` (or with nothing, for every order) and follow `next_cursor` while `has_more`; keep "
            "the last `next_cursor` and ask with it later for what changed since. A pass never misses an order "
            "and returns one again only when it changed after it was returned. Orders changed in the last "
            "few seconds (the settle time) come on a later request, so that a change committed late is not "
            "skipped."
        ),
        parameters=[OrderListQuerySerializer],
        responses={200: OrderPageSerializer, 400: VALIDATION_ERROR, **COMMON},
        tags=["orders"],
    )
    def get(self, request):
        query = OrderListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        orders, search = self._filtered(params)
        try:
            start = Position.decode(params["cursor"]) if params.get("cursor") else None
        except BadCursor as exc:
            raise ValidationError({"cursor": [str(exc)]}) from None
        if params.get("updated_since"):
            start = Position.since(params["updated_since"])
        page = read_page(orders, start, params["page_size"], search)
        next_cursor = page.next_position.encode() if page.next_position else None
        next_url = None
        if page.has_more:
            next_url = remove_query_param(request.build_absolute_uri(), "updated_since")
            next_url = replace_query_param(next_url, "cursor", next_cursor)
        return Response(
            {
                "results": OrderSerializer(page.orders, many=True).data,
                "next_cursor": next_cursor,
                "has_more": page.has_more,
                "next": next_url,
            }
        )

    def _filtered(self, params):
        """The orders the list page's filters (connection, search) leave, applied by the same form, and
        the text search for `read_page` to look through first; the status is the canonical one (the
        page's status filter is in each platform's words, for people)."""
        data = {"q": params.get("search", "")}
        if "connection" in params:
            data["connection"] = str(params["connection"])
        form = OrderFilterForm(self.merchant, data)
        if not form.is_valid():
            errors = form.errors.get_json_data()
            if "connection" in errors:
                raise ValidationError({"connection": ["Not one of your connections."]})
            raise ValidationError({("search" if f == "q" else f): [e["message"] for e in v] for f, v in errors.items()})
        # The platform's raw document is never shown by the API: not read either.
        mine = Order.objects.of_merchant(self.merchant).defer("raw")
        if params.get("status"):
            mine = mine.filter(status=params["status"])
        return form.apply(mine), form.text_search(mine)


class OrderDetailView(MerchantAPIView, generics.RetrieveAPIView):
    serializer_class = OrderDetailSerializer

    def get_queryset(self):
        shipments = Prefetch("shipments", queryset=Shipment.objects.select_related("action"))
        return Order.objects.filter(merchant=self.merchant).defer("raw").prefetch_related("items", shipments)

    @extend_schema(
        operation_id="orders_retrieve",
        summary="One order, with its items and shipments",
        parameters=[ORDER_ID],
        responses={200: OrderDetailSerializer, 404: OpenApiResponse(ERROR, description="No such order."), **COMMON},
        tags=["orders"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ShipmentCreateView(MerchantAPIView):
    serializer_class = ShipmentCreateSerializer

    def get_queryset(self):
        return Order.objects.filter(merchant=self.merchant).select_related("connection")

    @extend_schema(
        operation_id="orders_shipments_create",
        summary="Record a dispatch and push it to the platform",
        description=(
            "What the order page's **Mark dispatched** does: the dispatch is recorded and, when the connection "
            "pushes tracking, sent to the platform by the worker (`push` shows how that went: `queued`, then "
            "`done`, `retrying`, `rejected` with the platform's words and what to do, or `failed`). An order is "
            "dispatched once; a second dispatch is refused unless the platform refused the first."
        ),
        parameters=[ORDER_ID],
        request=ShipmentCreateSerializer,
        responses={
            201: ShipmentSerializer,
            400: VALIDATION_ERROR,
            404: OpenApiResponse(ERROR, description="No such order."),
            409: OpenApiResponse(
                ERROR,
                description="The order or its connection cannot take a dispatch now (already dispatched, "
                "closed, connection paused, or a platform whose orders are fulfilled by updates).",
            ),
            **COMMON,
        },
        tags=["orders"],
    )
    def post(self, request, pk):
        order = self.get_object()
        refusal = actions.dispatch_refusal(order)
        if refusal:
            return Response({"detail": refusal}, status=status.HTTP_409_CONFLICT)
        serializer = ShipmentCreateSerializer(data=request.data, context={"order": order})
        serializer.is_valid(raise_exception=True)
        try:
            shipment = actions.record_shipment(order, request.user, **serializer.validated_data)
        except actions.ActionRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        # Read back: with a synchronous broker (tests) the push has already run.
        shipment = Shipment.objects.select_related("action").get(pk=shipment.pk)
        location = reverse("api:order", args=[order.pk], request=request)
        return Response(
            ShipmentSerializer(shipment).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )
