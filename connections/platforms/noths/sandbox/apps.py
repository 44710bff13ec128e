from django.apps import AppConfig


class NothsSandboxConfig(AppConfig):
    name = "connections.platforms.noths.sandbox"
    label = "noths_sandbox"
    verbose_name = "Sandbox NOTHS"
    default_auto_field = "django.db.models.BigAutoField"
