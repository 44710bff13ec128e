from django.apps import AppConfig


class ShopifySandboxConfig(AppConfig):
    name = "connections.platforms.shopify.sandbox"
    label = "shopify_sandbox"
    verbose_name = "Sandbox Shopify"
    default_auto_field = "django.db.models.BigAutoField"
