"""Every secret the demo holds: the sandbox platforms' tokens and secrets, and the demo's passwords."""

from __future__ import annotations

import re

from django.apps import apps
from django.db import models

from sandbox.management.commands.seed_demo import DEMO_USERS

SECRET_FIELD = re.compile(r"token|secret")
SHORTEST = 8  # shorter values would match ordinary words


def sandbox_models() -> list[type[models.Model]]:
    """The shell's models and every platform sandbox's (apps labelled `sandbox` or `<key>_sandbox`)."""
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label == "sandbox" or model._meta.app_label.endswith("_sandbox")
    ]


def demo_secrets() -> set[str]:
    """The values of every sandbox text field named like a token or a secret, and the demo users' passwords."""
    found = {password for _, password, _, _ in DEMO_USERS}
    for model in sandbox_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField) and SECRET_FIELD.search(field.name):
                found.update(model.objects.values_list(field.name, flat=True))
    return {value for value in found if value and len(value) >= SHORTEST}
