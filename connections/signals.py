"""Signal handlers of the connections app, connected in `ConnectionsConfig.ready`."""

from fernet_fields import EncryptedField

from .models import Credential, KeyCanary


def forget_fernet_keys(setting, **kwargs):
    """fernet_fields caches its keys on the field; drop them when FERNET_KEYS changes (tests)."""
    if setting != "FERNET_KEYS":
        return
    for model in (Credential, KeyCanary):
        for field in model._meta.fields:
            if isinstance(field, EncryptedField):
                for cached in ("keys", "fernet_keys", "fernet"):
                    field.__dict__.pop(cached, None)
