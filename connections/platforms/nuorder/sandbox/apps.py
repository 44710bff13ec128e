from django.apps import AppConfig


class NuorderSandboxConfig(AppConfig):
    name = "connections.platforms.nuorder.sandbox"
    label = "nuorder_sandbox"
    verbose_name = "Sandbox NuORDER"
    default_auto_field = "django.db.models.BigAutoField"
