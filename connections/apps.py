from django.apps import AppConfig
from django.core.signals import setting_changed


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = "Connections"

    def ready(self):
        from .signals import forget_fernet_keys

        setting_changed.connect(forget_fernet_keys)
