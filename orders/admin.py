"""Staff screens for orders and what we tell platforms about them, with a confirmed retry of failed pushes."""

from django.contrib import admin, messages
from django.utils.html import format_html

from audit.staff import StaffActionsMixin, confirmed, merchant_filter
from audit.trail import Action
from connections.admin_paging import LargeTableAdmin
from connections.admin_platforms import platform_filter
from connections.admin_search import IndexedSearchAdmin
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
    raw_id_fields = ("created_by",)


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("at", "kind", "message", "actor")
    raw_id_fields = ("actor",)


@admin.register(Order)
class OrderAdmin(IndexedSearchAdmin, LargeTableAdmin):
    # The portal's columns, short and wrapping: the list fits a laptop's 1280 px (static/portal-admin.css).
    list_display = ("number", "placed", "merchant", "connection", "status_column", "total_column")
    sortable_by = ("number", "placed")  # order_number, order_placed_id (connections/admin_paging.py)
    list_filter = (merchant_filter("merchant"), "status", platform_filter("connection__platform"), "placed_at")
    exact_search_fields = ("number", "external_id")
    contains_search_fields = ("customer_name", "customer_email")
    search_help_text = (
        "An order's number or platform id, exactly, or part of the customer's name or email (3 characters or more)."
    )
    list_select_related = ("merchant", "connection")
    raw_id_fields = ("merchant", "connection")
    exclude = ("raw",)
    inlines = [OrderItemInline, ShipmentInline, OrderEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in ("raw", "search_text")] + ["raw_payload"]

    @admin.display(description="Placed", ordering="placed_at")
    def placed(self, order):
        return order.placed_at

    @admin.display(description="Status", ordering="status")
    def status_column(self, order):
        """The portal's words for the status, and the platform's state, in its words, under them."""
        return format_html('{}<div class="platform-state">{}</div>', order.status_label, order.state.words)

    @admin.display(description="Total", ordering="total")
    def total_column(self, order):
        return f"{order.total} {order.currency}"

    @admin.display(description="Raw platform payload")
    def raw_payload(self, obj):
        return format_html('<pre class="raw-payload">{}</pre>', pretty_json(obj.raw))

    def has_add_permission(self, request):
        return False


class ActionAttemptInline(ReadOnlyInline):
    model = ActionAttempt
    fields = ("number", "started_at", "finished_at", "outcome", "http_status", "retries_absorbed", "message")

    @admin.display(description="Retries absorbed")
    def retries_absorbed(self, attempt):
        return attempt.retries_summary or "none"


@admin.register(OutboundAction)
class OutboundActionAdmin(StaffActionsMixin, IndexedSearchAdmin, LargeTableAdmin):
    list_display = ("pk", "kind", "order", "state", "attempts", "next_attempt_at", "created_at")
    sortable_by = ("created_at",)  # action_created_id; most actions have no next attempt (NULL), unordered
    list_filter = (
        merchant_filter("order__merchant"),
        "kind",
        "state",
        platform_filter("order__connection__platform"),
        "created_at",
    )
    related_exact_search = {"order_id": (Order, ("number", "external_id"))}
    search_help_text = "An action's id, or its order's number or platform id, exactly."
    list_select_related = ("order",)
    raw_id_fields = ("order", "shipment", "created_by")
    inlines = [ActionAttemptInline]
    actions = ["retry_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Retry failed pushes (send to the platform again)\u2026")
    def retry_selected(self, request, queryset):
        failed = queryset.filter(state__in=actions.GIVEN_UP)
        if not failed.exists():
            self.message_user(request, "None of them failed: nothing to retry.", messages.INFO)
            return None
        if not confirmed(request):
            return self.confirmation(
                request,
                failed,
                action="retry_selected",
                title="Send these to the platform again?",
                question="Each refused or abandoned push below is queued again with a fresh budget of "
                "attempts; the worker sends it to the platform. Pushes still open or done are left alone.",
                button="Yes, retry them",
            )
        skipped = queryset.exclude(state__in=actions.GIVEN_UP).count()
        if skipped:
            self.message_user(request, f"{skipped} action(s) not failed: left alone.", messages.INFO)
        retried = 0
        for action in failed.select_related("order__connection__merchant"):
            try:
                actions.retry_action(action, request.user)
            except actions.ActionRefused as exc:
                self.message_user(request, f"{action}: {exc}", messages.WARNING)
            else:
                retried += 1
                self.note(
                    request,
                    action,
                    "Retry requested",
                    action=Action.PUSH_RETRIED,
                    connection=action.order.connection,
                    changes={"action": action.pk, "kind": action.kind, "order": action.order.number},
                )
        self.message_user(request, f"Retry requested for {retried} action(s).", messages.INFO)
        return None
