"""Admin for the sandbox Partner API: chains with their stores and tokens, orders and the webhook outbox."""

from django.contrib import admin

from sandbox.admin import ReadOnlyAdmin, WebhookSenderAdmin

from .models import (
    SandboxPartnerChain,
    SandboxPartnerDelivery,
    SandboxPartnerOrder,
    SandboxPartnerToken,
    SandboxPartnerVendor,
)


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
class SandboxPartnerChainAdmin(WebhookSenderAdmin):
    """The first static token is the account's; the others and the access tokens are inline (all fake)."""

    list_display = ["account", "chain_id", "picking_mode", "client_id", "rate_limit_per_minute", "webhook_url"]
    list_filter = ["picking_mode"]
    search_fields = ["=chain_id", "client_id", "account__token", "account__name"]
    list_select_related = ["account"]
    inlines = [SandboxPartnerVendorInline, SandboxPartnerTokenInline]


@admin.register(SandboxPartnerOrder)
class SandboxPartnerOrderAdmin(ReadOnlyAdmin):
    """Orders change through the API and the chain's page, which keep `document` and sys.updated_at in step."""

    list_display = ["order_code", "order_id", "chain", "vendor", "status", "transport_type", "created_at", "updated_at"]
    list_filter = ["status", "transport_type", "chain"]
    search_fields = ["order_code", "=order_id", "external_order_id", "vendor__vendor_id"]
    list_select_related = ["chain__account", "vendor"]
    date_hierarchy = "created_at"


@admin.register(SandboxPartnerDelivery)
class SandboxPartnerDeliveryAdmin(ReadOnlyAdmin):
    """The webhook outbox; the sender (`sandbox_webhooks`) changes it."""

    list_display = ["pk", "chain", "status", "state", "attempts", "next_attempt_at", "last_status_code", "duplicate"]
    list_filter = ["state", "status", "chain"]
    list_select_related = ["chain__account"]
    raw_id_fields = ["order"]
