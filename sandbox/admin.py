"""Admin for the sandbox: accounts are editable (fault switches), orders read-only."""

from django.contrib import admin

from .models import SandboxAccount, SandboxNothsOrder


@admin.register(SandboxAccount)
class SandboxAccountAdmin(admin.ModelAdmin):
    list_display = [
        "shortcode",
        "platform",
        "name",
        "token",
        "fault_rate_limit",
        "fault_server_error",
        "fault_malformed_json",
        "slow_ms",
    ]
    list_filter = ["platform"]
    search_fields = ["token", "shortcode", "name"]
    readonly_fields = ["created_at"]


@admin.register(SandboxNothsOrder)
class SandboxNothsOrderAdmin(admin.ModelAdmin):
    """Orders change through the API and the sandbox pages, which keep `document` in step."""

    list_display = ["number", "noths_id", "account", "state", "placed_at", "updated_at", "enquiry_state"]
    list_filter = ["state", "account"]
    search_fields = ["number", "=noths_id", "customer_name", "account__token", "account__shortcode"]
    list_select_related = ["account"]
    date_hierarchy = "placed_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
