"""What the API shows of connections and orders, and what it takes to record a shipment."""

from __future__ import annotations

from datetime import UTC

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from connections.health import health
from connections.models import Connection
from orders.forms import DispatchForm
from orders.models import STATUS_CHOICES, Order, OrderItem, OutboundAction, Shipment

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100


class UTCDateTimeField(serializers.DateTimeField):
    """Times in UTC ("Z"), whoever asks: a session's merchant time zone does not leak into the API."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(*args, **kwargs)


class APIModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }


# -- connections ------------------------------------------------------------------------------


class HealthSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=["connected", "syncing", "needs_attention", "paused", "disconnected", "pending"]
    )
    label = serializers.CharField()
    reason = serializers.CharField(help_text="Why it needs attention, in words; empty otherwise.")


class ConnectionSerializer(APIModelSerializer):
    platform_name = serializers.SerializerMethodField()
    health = serializers.SerializerMethodField()

    class Meta:
        model = Connection
        fields = [
            "id",
            "platform",
            "platform_name",
            "name",
            "store_name",
            "status",
            "health",
            "auto_sync",
            "sync_interval_minutes",
            "push_tracking",
            "last_success_at",
            "next_sync_at",
            "created_at",
        ]

    def get_platform_name(self, connection) -> str:
        return connection.adapter.short_name

    @extend_schema_field(HealthSerializer)
    def get_health(self, connection):
        # `open_problems` is prefetched by the view: one query for every connection.
        state = health(connection, getattr(connection, "open_problems", None))
        return {"state": state.state, "label": state.label, "reason": state.reason}


# -- orders -----------------------------------------------------------------------------------


class OrderSerializer(APIModelSerializer):
    status_label = serializers.CharField(read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "connection",
            "external_id",
            "number",
            "status",
            "status_label",
            "platform_status",
            "customer_name",
            "customer_email",
            "currency",
            "subtotal",
            "shipping_total",
            "discount_total",
            "total",
            "placed_at",
            "platform_updated_at",
            "updated_at",
        ]
        extra_kwargs = {"updated_at": {"help_text": "When the portal's copy of the order last changed."}}


class OrderItemSerializer(APIModelSerializer):
    options = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        help_text="[[name, value], ...]: variant and personalisation.",
    )

    class Meta:
        model = OrderItem
        fields = [
            "position",
            "external_id",
            "sku",
            "barcode",
            "title",
            "quantity",
            "unit_price",
            "total",
            "options",
            "image_url",
        ]


class PushSerializer(APIModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = OutboundAction
        fields = ["id", "state", "state_label", "attempts", "last_error", "help_text", "result", "finished_at"]
        extra_kwargs = {
            "help_text": {"help_text": "When the platform refused: what to do about it."},
            "result": {"help_text": "What the platform said when it took the dispatch."},
        }


class ShipmentSerializer(APIModelSerializer):
    push = serializers.SerializerMethodField(
        help_text="Its push to the platform; null when none was sent (push tracking off)."
    )

    class Meta:
        model = Shipment
        fields = [
            "id",
            "carrier",
            "tracking_number",
            "tracking_url",
            "estimated_delivery_date",
            "resolve_enquiry",
            "created_at",
            "push",
        ]

    @extend_schema_field(PushSerializer(allow_null=True))
    def get_push(self, shipment):
        action = getattr(shipment, "action", None)
        return PushSerializer(action).data if action is not None else None


class OrderDetailSerializer(OrderSerializer):
    items = OrderItemSerializer(many=True, read_only=True)
    shipments = ShipmentSerializer(many=True, read_only=True)
    notes = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        help_text="[[label, text], ...]: gift messages and notes.",
    )
    shipping_address = serializers.DictField(child=serializers.CharField(allow_blank=True))

    class Meta(OrderSerializer.Meta):
        fields = [
            *OrderSerializer.Meta.fields,
            "customer_phone",
            "shipping_address",
            "notes",
            "first_seen_at",
            "items",
            "shipments",
        ]


class OrderListQuerySerializer(serializers.Serializer):
    """The order feed's query parameters."""

    connection = serializers.IntegerField(required=False, help_text="Only this connection's orders.")
    status = serializers.ChoiceField(choices=STATUS_CHOICES, required=False, allow_blank=True)
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=(
            "Part of the order number, the customer's name or email, from 3 characters; "
            "a shorter term matches an order number exactly."
        ),
    )
    updated_since = UTCDateTimeField(
        required=False,
        help_text="Start the pass with orders changed at or after this time (ISO 8601; without an offset, UTC).",
    )
    cursor = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="`next_cursor` of the previous page; carries on from there (not with updated_since).",
    )
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )

    def validate(self, attrs):
        if attrs.get("cursor") and attrs.get("updated_since"):
            raise serializers.ValidationError("Send either `cursor` or `updated_since`, not both.")
        return attrs


class OrderPageSerializer(serializers.Serializer):
    results = OrderSerializer(many=True)
    next_cursor = serializers.CharField(
        allow_null=True,
        help_text="Where this page ends. Send it as `cursor` for the next page, or keep it to ask later for what "
        "changed since. Null only when nothing was returned yet and no `updated_since` was given.",
    )
    has_more = serializers.BooleanField(help_text="More orders are ready now: ask again with `next_cursor`.")
    next = serializers.URLField(allow_null=True, help_text="The next page's URL while `has_more`.")


# -- shipments --------------------------------------------------------------------------------


class ShipmentCreateSerializer(serializers.Serializer):
    """A dispatch, as the order page's "Mark dispatched" takes it (the same form checks it)."""

    tracking_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    tracking_url = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    carrier = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    estimated_delivery_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Left out: the platform works it out where it needs one (from the connection's options).",
    )
    resolve_enquiry = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Resolve the customer's open enquiry with the dispatch (only where the order has one).",
    )

    def validate(self, attrs):
        order = self.context["order"]
        form = DispatchForm.for_order(
            order,
            {
                **attrs,
                "estimated_delivery_date": attrs["estimated_delivery_date"] or "",
                # An unticked box is absent from a form's data.
                "resolve_enquiry": "on" if attrs["resolve_enquiry"] else "",
            },
        )
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    "non_field_errors" if field == "__all__" else field: [error["message"] for error in errors]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        return form.cleaned_data
