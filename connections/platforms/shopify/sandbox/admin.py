"""Admin for the sandbox Shopify: shops with their issued tokens, orders and the webhook outbox (read only)."""

from django.contrib import admin

from sandbox.admin import ReadOnlyAdmin, WebhookSenderAdmin

from .models import SandboxShopifyDelivery, SandboxShopifyOrder, SandboxShopifyShop, SandboxShopifyToken


class SandboxShopifyTokenInline(admin.TabularInline):
    model = SandboxShopifyToken
    extra = 0
    fields = ["token", "expires_at", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(SandboxShopifyShop)
class SandboxShopifyShopAdmin(WebhookSenderAdmin):
    """The static Admin API token is the account's; the client-credentials tokens are inline (all fake)."""

    list_display = ["domain", "account", "client_id", "bucket_size", "restore_rate", "throttle_status", "webhook_url"]
    list_filter = ["redact_customer_data", "throttle_status"]
    search_fields = ["domain", "client_id", "account__token", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
    inlines = [SandboxShopifyTokenInline]


@admin.register(SandboxShopifyOrder)
class SandboxShopifyOrderAdmin(ReadOnlyAdmin):
    list_display = ["name", "legacy_id", "shop", "fulfillment_status", "financial_status", "created_at", "updated_at"]
    list_filter = ["fulfillment_status", "financial_status"]
    search_fields = ["=legacy_id", "name", "shop__domain"]
    list_select_related = ["shop"]
    raw_id_fields = ["shop"]
    date_hierarchy = "created_at"


@admin.register(SandboxShopifyDelivery)
class SandboxShopifyDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["topic", "shop", "order", "state", "duplicate", "attempts", "last_status_code", "created_at"]
    list_filter = ["state", "topic", "duplicate"]
    search_fields = ["event_id", "webhook_id", "shop__domain"]
    list_select_related = ["shop", "order"]
    raw_id_fields = ["shop", "order"]
