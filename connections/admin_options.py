"""A connection's sync options on its admin page: the merchant's own fields, not JSON boxes.

The fields are the ones the merchant's Add Account and Edit show (`forms.sync_option_fields`,
built from the platform's declarations): its states to import as checkboxes in its words,
its own options as whole numbers within their bounds, the schedules as choices. They are
checked as the merchant's are (`add_option_problems`) and saved as the merchant's are
(`sync_options_from`): the states into `import_statuses`, the platform's options into the
`platform_options` JSON, any other key kept there untouched.
"""

from __future__ import annotations

from django import forms

from .forms import add_option_problems, sync_option_fields, sync_options_from
from .models import Connection
from .platforms.platform import Platform


class StaffOptionsForm(forms.ModelForm):
    """The admin's connection form with one platform's option fields (made by `options_form`)."""

    adapter: Platform

    class Meta:
        model = Connection
        fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, value in (self.instance.platform_options or {}).items():
            self.initial.setdefault(name, value)
        # Staff may leave the day blank, as the model allows: orders of any date are imported.
        self.fields["import_from"].required = False
        self.fields["import_from"].help_text = "Blank: orders placed on any date."

    def clean(self):
        cleaned = super().clean()
        add_option_problems(self, self.adapter, {}, cleaned, self.instance)
        return cleaned

    def save(self, commit=True):
        for name, value in sync_options_from(self.cleaned_data, self.adapter, self.instance).items():
            setattr(self.instance, name, value)
        return super().save(commit)


def options_form(adapter: Platform) -> type[StaffOptionsForm]:
    """The admin's form for a connection on this platform: its sync options declared as fields."""
    return type("StaffOptionsForm", (StaffOptionsForm,), {"adapter": adapter, **sync_option_fields(adapter)})


def option_field_names(adapter: Platform) -> tuple[str, ...]:
    """The sync options the admin's form for this platform shows, in the merchant's order."""
    return tuple(options_form(adapter).declared_fields)
