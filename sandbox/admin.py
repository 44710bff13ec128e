"""Admin for the sandbox: accounts are editable (fault switches); each platform's sandbox has its own admin."""

from django.contrib import admin

from .models import SandboxAccount


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
        "fault_empty_body",
        "slow_ms",
        "clock_offset_minutes",
    ]
    list_filter = ["platform"]
    search_fields = ["token", "shortcode", "name"]
    readonly_fields = ["created_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """What a fake API and its webhooks made (orders, deliveries): look, don't touch; change them
    through the platform's sandbox pages, which keep their documents and outboxes in step."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
