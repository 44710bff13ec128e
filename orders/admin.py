from django.contrib import admin, messages
from django.utils.html import format_html

from portal.templatetags.portal_tags import pretty_json

from . import actions
from .models import ActionAttempt, Order, OrderEvent, OrderItem, OutboundAction, Shipment


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ("position", "sku", "title", "quantity", "unit_price", "total", "options")


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ("created_at", "carrier", "tracking_number", "tracking_url", "estimated_delivery_date", "created_by")


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("at", "kind", "message", "actor")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "merchant", "connection", "status", "platform_status", "total", "currency", "placed_at")
    list_filter = ("status", "connection__platform", "placed_at")
    search_fields = ("number", "external_id", "customer_name", "merchant__name", "connection__name")
    list_select_related = ("merchant", "connection")
    raw_id_fields = ("merchant", "connection")
    date_hierarchy = "placed_at"
    exclude = ("raw",)
    inlines = [OrderItemInline, ShipmentInline, OrderEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "raw"] + ["raw_payload"]

    @admin.display(description="Raw platform payload")
    def raw_payload(self, obj):
        return format_html('<pre style="max-height:40rem;overflow:auto">{}</pre>', pretty_json(obj.raw))

    def has_add_permission(self, request):
        return False


class ActionAttemptInline(ReadOnlyInline):
    model = ActionAttempt
    fields = ("number", "started_at", "finished_at", "outcome", "http_status", "message")


@admin.register(OutboundAction)
class OutboundActionAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "order", "state", "attempts", "next_attempt_at", "created_at")
    list_filter = ("kind", "state", "order__connection__platform")
    search_fields = ("order__number", "order__merchant__name", "last_error")
    raw_id_fields = ("order", "shipment", "created_by")
    inlines = [ActionAttemptInline]
    actions = ["retry_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Retry (send to the platform again)")
    def retry_selected(self, request, queryset):
        for action in queryset.select_related("order__connection"):
            try:
                actions.retry_action(action, request.user)
            except actions.ActionRefused as exc:
                self.message_user(request, f"{action}: {exc}", messages.WARNING)
            else:
                self.log_change(request, action, "Retry requested")
