from django.apps import AppConfig


def _forget_fernet_keys(setting, **kwargs):
    """fernet_fields caches its keys on the field; drop them when FERNET_KEYS changes (tests)."""
    if setting != "FERNET_KEYS":
        return
    from fernet_fields import EncryptedField

    from .models import Credential

    for field in Credential._meta.fields:
        if isinstance(field, EncryptedField):
            for cached in ("keys", "fernet_keys", "fernet"):
                field.__dict__.pop(cached, None)


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = "Connections"

    def ready(self):
        from django.core.signals import setting_changed

        setting_changed.connect(_forget_fernet_keys)
