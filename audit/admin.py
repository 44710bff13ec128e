"""The audit trail for staff: read only, filtered by merchant, action and date, searchable."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from connections.admin_paging import LargeTableAdmin
from connections.admin_platforms import platform_filter
from connections.admin_search import IndexedSearchAdmin

from .models import AuditEntry
from .staff import MerchantFilter


@admin.register(AuditEntry)
class AuditEntryAdmin(IndexedSearchAdmin, LargeTableAdmin):
    list_display = ("at", "merchant_label", "connection_link", "action", "summary", "actor_label", "ip")
    sortable_by = ("at",)
    list_filter = (MerchantFilter, "action", platform_filter("connection__platform"), "at")
    exact_search_fields = ip_search_fields = ("ip",)
    contains_search_fields = ("connection_label", "merchant_label", "actor_label")
    search_help_text = (
        "An entry's id, an IP address, or part of the connection's, merchant's or staff member's name "
        "(3 characters or more)."
    )
    raw_id_fields = ("connection", "merchant", "actor")
    list_select_related = ("connection",)
    fields = (
        "at",
        "action",
        "summary",
        "changes",
        "connection",
        "connection_label",
        "merchant",
        "merchant_label",
        "actor",
        "actor_label",
        "ip",
        "user_agent",
    )
    readonly_fields = fields

    @admin.display(description="Connection", ordering="connection_label")
    def connection_link(self, entry):
        if entry.connection_id is None:
            return f"{entry.connection_label} (deleted)" if entry.connection_label else "-"
        url = reverse(
            "admin:connections_connection_change", args=[entry.connection_id], current_app=self.admin_site.name
        )
        return format_html('<a href="{}">{}</a>', url, entry.connection_label)

    @admin.display(description="What changed")
    def summary(self, entry):
        return entry.summary

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # an audit trail is never edited

    def has_delete_permission(self, request, obj=None):
        return False
