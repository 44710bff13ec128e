"""Shared by the staff-operation tests: quick platform calls, admin action posts, the audit table's text."""

import pytest
from django.core import serializers
from django.urls import reverse

from audit.models import AuditEntry


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1
    settings.SYNC_SETTLE_SECONDS = 0


def act(client, model: str, action: str, pks, *, confirm=False, **extra):
    """Send an admin action as the changelist's action menu does; `confirm` is the confirmation page's button."""
    data = {"action": action, "_selected_action": [str(pk) for pk in pks]}
    if confirm:
        data["post"] = "yes"
    return client.post(reverse(f"admin:{model}_changelist"), data, follow=True, **extra)


def assert_confirmation_page(response, action: str, objects) -> None:
    """The page shown before a destructive or remote action: the objects, and a button to go on."""
    body = response.content.decode()
    assert response.status_code == 200
    assert "admin/confirm_action.html" in [t.name for t in response.templates]
    assert f'name="action" value="{action}"' in body and 'name="post" value="yes"' in body
    for obj in objects:
        assert str(obj) in body
        assert f'name="_selected_action" value="{obj.pk}"' in body


def audit_table_text() -> str:
    """Every column of every audit entry, as text: where a secret must never appear."""
    rows = list(AuditEntry.objects.values_list())
    return serializers.serialize("json", AuditEntry.objects.all()) + repr(rows)


def change_form_data(client, connection, **changes) -> tuple[str, dict]:
    """A connection's admin change page, and what its form posts as it stands with `changes`."""
    url = reverse("admin:connections_connection_change", args=[connection.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: value for name, value in data.items() if value is not None and value is not False}
    data.update(
        {
            "credential-TOTAL_FORMS": 0,
            "credential-INITIAL_FORMS": 1,
            "sync_runs-TOTAL_FORMS": 0,
            "sync_runs-INITIAL_FORMS": 0,
        }
    )
    return url, {**data, **changes}
