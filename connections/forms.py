"""The Add Account / Edit form, built from the platform adapter's fields.

The builders (`credential_form_field`, the sync option fields, `sync_options_from`) serve
both this form and the Add Connection wizard's steps.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.utils import timezone

from portal.forms import PortalForm

from .models import (
    RECONCILE_INTERVAL_CHOICES,
    SYNC_INTERVAL_CHOICES,
    SYNC_OPTION_FIELDS,
    Connection,
)
from .platforms.base import DEFAULT_IMPORT_DAYS, CredentialField
from .platforms.platform import Platform

# Tokens and keys never contain whitespace; a paste often brings some along
# (spaces, tabs, line breaks, non-breaking and zero-width spaces).
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_WHITESPACE = re.compile(rf"[\s{_INVISIBLE}]+")
# What a paste brings into a header value that may hold spaces of its own: line breaks, tabs, invisibles.
_PASTED_BREAKS = re.compile(rf"[\t\r\n\v\f{_INVISIBLE}]+")


def remove_whitespace(value: str) -> str:
    return _WHITESPACE.sub("", value or "")


def header_value(value: str) -> str:
    """A pasted header value ("Basic cGFy..."): its ends trimmed and line breaks gone, inner spaces kept."""
    return _PASTED_BREAKS.sub("", value or "").strip()


class SecretField(forms.CharField):
    """A write-only credential: never rendered back, pasted whitespace removed."""

    widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"})
    tidy = staticmethod(remove_whitespace)  # what a paste loses

    def to_python(self, value):
        return self.tidy(super().to_python(value))


class HeaderSecretField(SecretField):
    """A write-only secret that is a whole header value: inner spaces kept (`header_value`)."""

    tidy = staticmethod(header_value)


class PastedValueField(forms.CharField):
    """A non-secret credential value (an id, a key name): pasted whitespace removed, then put in the
    form the platform keeps (`CredentialField.normalize`), or refused in its words."""

    def __init__(self, *args, normalize=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.normalize = normalize

    def to_python(self, value):
        value = remove_whitespace(super().to_python(value))
        if value and self.normalize is not None:
            try:
                return self.normalize(value)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return value

    def bound_data(self, data, initial):
        """A form shown again (the platform refused the account) shows the value as it will be kept."""
        try:
            return self.to_python(data)
        except forms.ValidationError:
            return data


def credential_form_field(spec: CredentialField, *, stored_hint: str = "", required: bool | None = None):
    """The form field for one credential; a stored secret may be left blank to keep it."""
    help_text = spec.help_text
    if required is None:
        required = spec.required and not (stored_hint and spec.secret)
    if spec.choices:
        return forms.ChoiceField(label=spec.label, choices=spec.choices, help_text=help_text, required=required)
    if not spec.secret:
        return PastedValueField(
            label=spec.label, help_text=help_text, max_length=500, required=required, normalize=spec.normalize
        )
    if stored_hint:
        help_text = f"Stored: {stored_hint}. Leave blank to keep it. {help_text}"
    field_class = HeaderSecretField if spec.inner_spaces else SecretField
    return field_class(label=spec.label, help_text=help_text, required=required, max_length=2000)


def common_sync_fields() -> dict[str, forms.Field]:
    """When to import, the same on every platform: the wizard asks them before the platform is chosen."""
    return {
        "auto_sync": forms.BooleanField(label="Import orders automatically", required=False, initial=True),
        "sync_interval_minutes": forms.TypedChoiceField(
            label="How often", choices=SYNC_INTERVAL_CHOICES, coerce=int, initial=30
        ),
        "import_from": forms.DateField(
            label="Import orders placed from",
            initial=timezone.localdate() - timedelta(days=DEFAULT_IMPORT_DAYS),
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        ),
    }


def platform_sync_fields(adapter: Platform) -> dict[str, forms.Field]:
    """What to import and what to tell the platform back: these depend on the platform."""
    fields: dict[str, forms.Field] = {
        "import_statuses": forms.MultipleChoiceField(
            label=f"{adapter.short_name} states to import",
            choices=adapter.statuses,
            initial=list(adapter.default_import_statuses),
            widget=forms.CheckboxSelectMultiple,
            help_text="An order is imported when first seen in one of these states; after that it is kept up to date.",
        ),
    }
    if adapter.acceptance is not None:
        fields["auto_accept"] = forms.BooleanField(label=adapter.acceptance.auto_label, required=False)
    for option in adapter.option_fields:
        fields[option.name] = forms.IntegerField(
            label=option.label,
            min_value=option.min_value,
            max_value=option.max_value,
            initial=option.default,
            help_text=option.help_text,
        )
    if adapter.shipments is not None:
        fields["push_tracking"] = forms.BooleanField(
            label=f"Push dispatch tracking back to {adapter.short_name}", required=False, initial=True
        )
    if adapter.reconciliation is not None:
        fields["reconcile"] = forms.BooleanField(
            label="Check open orders again",
            required=False,
            initial=True,
            help_text=f"Reads your open and recent orders from {adapter.short_name} again and repairs any change "
            "the regular import missed.",
        )
        fields["reconcile_interval_minutes"] = forms.TypedChoiceField(
            label="How often to check",
            choices=RECONCILE_INTERVAL_CHOICES,
            coerce=int,
            initial=adapter.reconciliation.interval_minutes,
            required=False,  # left out: the platform's usual interval
            empty_value=adapter.reconciliation.interval_minutes,
        )
    return fields


def sync_option_fields(adapter: Platform) -> dict[str, forms.Field]:
    """Every sync option, for a form that knows its platform (Add Account, Edit)."""
    return {**common_sync_fields(), **platform_sync_fields(adapter)}


def sync_options_from(data: dict, adapter: Platform, connection: Connection | None = None) -> dict:
    """Connection field values from the cleaned sync options."""
    platform_options = {o.name: data[o.name] for o in adapter.option_fields if o.name in data}
    if connection is not None:
        platform_options = {**(connection.platform_options or {}), **platform_options}
    reconcile = {name: data[name] for name in ("reconcile", "reconcile_interval_minutes") if name in data}
    return {
        **reconcile,
        "auto_sync": data["auto_sync"],
        "sync_interval_minutes": data["sync_interval_minutes"],
        "import_statuses": list(data["import_statuses"]),
        "import_from": data["import_from"],
        "auto_accept": data.get("auto_accept", False),
        "push_tracking": data.get("push_tracking", False),
        "platform_options": platform_options,
    }


def initial_from(connection: Connection) -> dict:
    """A saved connection's name, options and non-secret credential values, for a form."""
    initial = {name: getattr(connection, name) for name in SYNC_OPTION_FIELDS}
    initial["name"] = connection.name
    initial.update(connection.platform_options or {})
    secret = {f.name for f in connection.adapter.credential_fields if f.secret}
    initial.update({k: v for k, v in connection.credential_hints().items() if k not in secret})
    return initial


class PlatformCredentialsForm(PortalForm):
    """One platform's credentials (and options), checked together with those of the account kept, if any.

    A subclass sets `adapter` and `connection` (None for a new account) and adds the fields.
    """

    adapter: Platform
    connection: Connection | None = None

    def clean(self):
        cleaned = super().clean()
        add_option_problems(self, self.adapter, self.credentials, cleaned, self.connection)
        add_credential_problems(self, self.adapter, self.credentials, self.connection)
        return cleaned

    @property
    def credentials(self) -> dict[str, str]:
        return {spec.name: self.cleaned_data.get(spec.name) or "" for spec in self.adapter.credential_fields}

    def credential_bound_fields(self):
        return [self[spec.name] for spec in self.adapter.credential_fields]


class AccountForm(PlatformCredentialsForm):
    """Connection Name, the platform's credentials, and the sync options.

    Editing: secret fields may be left blank to keep the stored value; their hint is shown.
    """

    def __init__(self, adapter: Platform, merchant, *args, connection: Connection | None = None, **kwargs):
        self.adapter = adapter
        self.merchant = merchant
        self.connection = connection
        if connection is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from(connection)
        super().__init__(*args, **kwargs)
        self.fields["name"] = forms.CharField(label=adapter.name_label, max_length=100, help_text=adapter.name_help)
        hints = connection.credential_hints() if connection is not None else {}
        for spec in adapter.credential_fields:
            self.fields[spec.name] = credential_form_field(spec, stored_hint=hints.get(spec.name, ""))
        self.fields.update(sync_option_fields(adapter))

    # -- validation -----------------------------------------------------------------------
    def clean_name(self):
        return clean_connection_name(self.cleaned_data["name"], self.merchant, self.adapter, self.connection)

    def name_taken_message(self, name: str) -> str:
        return name_taken_message(self.adapter, name)

    # -- results --------------------------------------------------------------------------
    @property
    def options(self) -> dict:
        """Connection field values chosen in the form."""
        return sync_options_from(self.cleaned_data, self.adapter, self.connection)

    def focus_credentials(self) -> None:
        """After the platform refused them, the first credential field is where to start."""
        first = next(f.name for f in self.adapter.credential_fields if not f.choices)
        self.fields[first].widget.attrs["autofocus"] = True

    def option_bound_fields(self):
        names = [n for n in self.fields if n != "name" and n not in {s.name for s in self.adapter.credential_fields}]
        return [self[n] for n in names]


def add_credential_problems(form, adapter: Platform, typed: dict, connection: Connection | None) -> None:
    """Errors for credentials that only make sense together (checked with the stored ones kept)."""
    held = connection.stored_credentials() if connection is not None else {}
    merged = {**held, **{k: v for k, v in typed.items() if v}}
    for name, problem in adapter.credential_problems(merged).items():
        if name in form.fields and name not in form.errors:
            form.add_error(name, problem)


def add_option_problems(form, adapter: Platform, typed: dict, options: dict, connection: Connection | None) -> None:
    """Errors for options this account cannot have (a read-only account asked to change orders)."""
    held = connection.stored_credentials() if connection is not None else {}
    merged = {**held, **{k: v for k, v in typed.items() if v}}
    for name, problem in adapter.option_problems(merged, options).items():
        if name in form.fields and name not in form.errors:
            form.add_error(name, problem)


def clean_connection_name(name: str, merchant, adapter: Platform, connection: Connection | None = None) -> str:
    name = " ".join(name.split())
    taken = Connection.objects.filter(merchant=merchant, platform=adapter.key, name__iexact=name)
    if connection is not None:
        taken = taken.exclude(pk=connection.pk)
    if merchant is not None and taken.exists():
        raise forms.ValidationError(name_taken_message(adapter, name))
    return name


def name_taken_message(adapter: Platform, name: str) -> str:
    return f"You already have a {adapter.short_name} connection named \u201c{name}\u201d."
