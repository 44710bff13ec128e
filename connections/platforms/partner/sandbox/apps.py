from django.apps import AppConfig


class PartnerSandboxConfig(AppConfig):
    name = "connections.platforms.partner.sandbox"
    label = "partner_sandbox"
    verbose_name = "Sandbox Partner API"
    default_auto_field = "django.db.models.BigAutoField"
