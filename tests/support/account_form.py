"""Filling in a platform's Add Account dialog in a test, as a merchant would: its defaults, then what is typed."""

from django.urls import reverse


def add_account(client, platform: str, **typed):
    """POST the platform's Add Account form: the dialog's initial values (the page holds every
    platform's dialog: this one's), then `typed`."""
    url = reverse("connections:add", args=[platform])
    form = next(f for f in client.get(url).context["account_forms"] if f.adapter.key == platform)
    data = {name: field.initial for name, field in form.fields.items() if field.initial not in (None, "")}
    data.update(typed)
    return client.post(url, {k: v for k, v in data.items() if v is not None})
