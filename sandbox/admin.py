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
    ]
    list_filter = ["platform"]
    search_fields = ["token", "shortcode", "name"]
    readonly_fields = ["created_at"]
