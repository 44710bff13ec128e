"""Admin for the sandbox: accounts are editable (fault switches), orders read-only."""

from django.contrib import admin

from .models import (
    SandboxAccount,
    SandboxNothsOrder,
    SandboxNuorderApp,
    SandboxNuorderOrder,
    SandboxNuorderPending,
    SandboxNuorderToken,
    SandboxPartnerChain,
    SandboxPartnerDelivery,
    SandboxPartnerOrder,
    SandboxPartnerToken,
    SandboxPartnerVendor,
)


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


class SandboxPartnerVendorInline(admin.TabularInline):
    model = SandboxPartnerVendor
    extra = 0
    fields = ["vendor_id", "name", "platform_id", "external_partner_config_id"]


class SandboxPartnerTokenInline(admin.TabularInline):
    model = SandboxPartnerToken
    extra = 0
    fields = ["token", "expires_at", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(SandboxPartnerChain)
class SandboxPartnerChainAdmin(admin.ModelAdmin):
    """The first static token is the account's; the others and the access tokens are inline (all fake)."""

    list_display = ["account", "chain_id", "picking_mode", "client_id", "rate_limit_per_minute", "webhook_url"]
    list_filter = ["picking_mode"]
    search_fields = ["=chain_id", "client_id", "account__token", "account__name"]
    list_select_related = ["account"]
    inlines = [SandboxPartnerVendorInline, SandboxPartnerTokenInline]


@admin.register(SandboxPartnerOrder)
class SandboxPartnerOrderAdmin(admin.ModelAdmin):
    """Orders change through the API and the chain's page, which keep `document` and sys.updated_at in step."""

    list_display = ["order_code", "order_id", "chain", "vendor", "status", "transport_type", "created_at", "updated_at"]
    list_filter = ["status", "transport_type", "chain"]
    search_fields = ["order_code", "=order_id", "external_order_id", "vendor__vendor_id"]
    list_select_related = ["chain__account", "vendor"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SandboxPartnerDelivery)
class SandboxPartnerDeliveryAdmin(admin.ModelAdmin):
    """The webhook outbox; the sender (`sandbox_partner_webhooks`) changes it."""

    list_display = ["pk", "chain", "status", "state", "attempts", "next_attempt_at", "last_status_code", "duplicate"]
    list_filter = ["state", "status", "chain"]
    list_select_related = ["chain__account"]
    raw_id_fields = ["order"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
