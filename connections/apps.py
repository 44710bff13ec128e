from django.apps import AppConfig
from django.core import checks
from django.core.signals import setting_changed


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = "Connections"

    def ready(self):
        from .keys import system_check
        from .signals import forget_fernet_keys

        setting_changed.connect(forget_fernet_keys)
        # FERNET_KEYS must decrypt what is stored: `manage.py check`, runserver, migrate and qcluster refuse otherwise.
        checks.register(system_check, "credentials")
