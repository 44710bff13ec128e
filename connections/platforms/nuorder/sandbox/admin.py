"""Admin for the sandbox NuORDER: applications with their tokens, pending handshakes, orders (read-only)."""

from django.contrib import admin

from .models import SandboxNuorderApp, SandboxNuorderOrder, SandboxNuorderPending, SandboxNuorderToken


class SandboxNuorderTokenInline(admin.TabularInline):
    model = SandboxNuorderToken
    extra = 0
    fields = ["token", "token_secret", "application_name", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(SandboxNuorderApp)
class SandboxNuorderAppAdmin(admin.ModelAdmin):
    """The consumer key is the account's token; tokens are edited inline (they are all fake)."""

    list_display = ["account", "application_type", "consumer_key", "check_nonces"]
    list_filter = ["application_type"]
    search_fields = ["account__token", "account__shortcode", "account__name"]
    list_select_related = ["account"]
    inlines = [SandboxNuorderTokenInline]


@admin.register(SandboxNuorderPending)
class SandboxNuorderPendingAdmin(admin.ModelAdmin):
    list_display = ["application_name", "app", "request_token", "verifier", "approved_at", "exchanged_at"]
    list_select_related = ["app__account"]
    readonly_fields = ["created_at"]


@admin.register(SandboxNuorderOrder)
class SandboxNuorderOrderAdmin(admin.ModelAdmin):
    """Orders change through the API and the sandbox pages, which keep `document` in step."""

    list_display = ["order_number", "nuorder_id", "account", "status", "modified_on"]
    list_filter = ["status", "account"]
    search_fields = ["order_number", "=nuorder_id", "account__token", "account__shortcode"]
    list_select_related = ["account"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
