"""The Add Account / Edit form, built from the platform adapter's fields."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.utils import timezone

from .models import SYNC_INTERVAL_CHOICES, SYNC_OPTION_FIELDS, Connection
from .platforms.base import DEFAULT_IMPORT_DAYS, Platform

# Tokens and keys never contain whitespace; a paste often brings some along
# (spaces, tabs, line breaks, non-breaking and zero-width spaces).
_WHITESPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


def remove_whitespace(value: str) -> str:
    return _WHITESPACE.sub("", value or "")


class SecretField(forms.CharField):
    """A write-only credential: never rendered back, pasted whitespace removed."""

    widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"})

    def to_python(self, value):
        return remove_whitespace(super().to_python(value))


class PastedValueField(forms.CharField):
    """A non-secret credential value (an id, a key name): pasted whitespace removed."""

    def to_python(self, value):
        return remove_whitespace(super().to_python(value))


class AccountForm(forms.Form):
    """Connection Name, the platform's credentials, and the sync options.

    Editing: secret fields may be left blank to keep the stored value; their hint is shown.
    """

    OPTION_FIELDS = SYNC_OPTION_FIELDS

    label_suffix = ""

    def __init__(self, adapter: Platform, merchant, *args, connection: Connection | None = None, **kwargs):
        self.adapter = adapter
        self.merchant = merchant
        self.connection = connection
        if connection is not None and "initial" not in kwargs:
            kwargs["initial"] = self._initial_from(connection)
        super().__init__(*args, **kwargs)
        self.fields["name"] = forms.CharField(label=adapter.name_label, max_length=100, help_text=adapter.name_help)
        hints = connection.credential_hints() if connection is not None else {}
        for spec in adapter.credential_fields:
            self.fields[spec.name] = self._credential_field(spec, hints.get(spec.name, ""))
        self.fields["auto_sync"] = forms.BooleanField(label="Import orders automatically", required=False, initial=True)
        self.fields["sync_interval_minutes"] = forms.TypedChoiceField(
            label="How often", choices=SYNC_INTERVAL_CHOICES, coerce=int, initial=30
        )
        self.fields["import_statuses"] = forms.MultipleChoiceField(
            label=f"{adapter.short_name} states to import",
            choices=adapter.statuses,
            initial=list(adapter.default_import_statuses),
            widget=forms.CheckboxSelectMultiple,
            help_text="An order is imported when first seen in one of these states; after that it is kept up to date.",
        )
        self.fields["import_from"] = forms.DateField(
            label="Import orders placed from",
            initial=timezone.localdate() - timedelta(days=DEFAULT_IMPORT_DAYS),
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
        if adapter.supports_accept:
            self.fields["auto_accept"] = forms.BooleanField(label=adapter.accept_label, required=False)
        for option in adapter.option_fields:
            self.fields[option.name] = forms.IntegerField(
                label=option.label,
                min_value=option.min_value,
                max_value=option.max_value,
                initial=option.default,
                help_text=option.help_text,
            )
        if adapter.supports_shipment_push:
            self.fields["push_tracking"] = forms.BooleanField(
                label=f"Push dispatch tracking back to {adapter.short_name}", required=False, initial=True
            )

    # -- building -------------------------------------------------------------------------
    def _credential_field(self, spec, hint: str) -> forms.Field:
        editing = self.connection is not None
        help_text = spec.help_text
        if spec.choices:
            return forms.ChoiceField(label=spec.label, choices=spec.choices, help_text=help_text)
        if not spec.secret:
            return PastedValueField(label=spec.label, help_text=help_text, max_length=500)
        required = spec.required and not (editing and hint)  # stored already: blank keeps it
        if editing and hint:
            help_text = f"Stored: {hint}. Leave blank to keep it. {help_text}"
        return SecretField(label=spec.label, help_text=help_text, required=required, max_length=2000)

    def _initial_from(self, connection: Connection) -> dict:
        initial = {name: getattr(connection, name) for name in self.OPTION_FIELDS}
        initial["name"] = connection.name
        initial.update(connection.platform_options or {})
        secret = {f.name for f in connection.adapter.credential_fields if f.secret}
        initial.update({k: v for k, v in connection.credential_hints().items() if k not in secret})
        return initial

    # -- validation -----------------------------------------------------------------------
    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        taken = Connection.objects.filter(merchant=self.merchant, platform=self.adapter.key, name__iexact=name)
        if self.connection is not None:
            taken = taken.exclude(pk=self.connection.pk)
        if taken.exists():
            raise forms.ValidationError(self.name_taken_message(name))
        return name

    def name_taken_message(self, name: str) -> str:
        return f"You already have a {self.adapter.short_name} connection named \u201c{name}\u201d."

    # -- results --------------------------------------------------------------------------
    @property
    def credentials(self) -> dict[str, str]:
        return {spec.name: self.cleaned_data.get(spec.name, "") for spec in self.adapter.credential_fields}

    @property
    def options(self) -> dict:
        """Connection field values chosen in the form."""
        data = self.cleaned_data
        options = {
            "auto_sync": data["auto_sync"],
            "sync_interval_minutes": data["sync_interval_minutes"],
            "import_statuses": list(data["import_statuses"]),
            "import_from": data["import_from"],
            "auto_accept": data.get("auto_accept", False),
            "push_tracking": data.get("push_tracking", False),
            "platform_options": {o.name: data[o.name] for o in self.adapter.option_fields},
        }
        if self.connection is not None:
            options["platform_options"] = {**(self.connection.platform_options or {}), **options["platform_options"]}
        return options

    def focus_credentials(self) -> None:
        """After the platform refused them, the first credential field is where to start."""
        first = self.adapter.credential_fields[0].name
        self.fields[first].widget.attrs["autofocus"] = True

    def credential_bound_fields(self):
        return [self[spec.name] for spec in self.adapter.credential_fields]

    def option_bound_fields(self):
        names = [n for n in self.fields if n != "name" and n not in {s.name for s in self.adapter.credential_fields}]
        return [self[n] for n in names]
