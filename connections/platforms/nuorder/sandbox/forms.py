"""Forms of the sandbox NuORDER's pages."""

from django import forms

from .models import NUORDER_APP_TYPES, NUORDER_STATUSES


class NuorderAppForm(forms.Form):
    application_type = forms.ChoiceField(choices=NUORDER_APP_TYPES, label="Application Type")
    shortcode = forms.CharField(max_length=64)
    name = forms.CharField(max_length=200)
    currency = forms.CharField(max_length=3, initial="USD")
    with_token = forms.BooleanField(
        required=False, initial=True, label="Issue a token", help_text="Untick to start with no token (handshake)."
    )


class NuorderGenerateForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=100_000, initial=100)
    lines = forms.IntegerField(min_value=1, max_value=20, initial=2, label="Line items per order")
    sizes = forms.IntegerField(min_value=1, max_value=10, initial=3, label="Sizes per line")
    status = forms.ChoiceField(choices=[("mixed", "mixed")] + [(s, s) for s in NUORDER_STATUSES], initial="approved")


class NuorderTouchForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=10_000, initial=10)
    new_status = forms.ChoiceField(
        choices=[("", "keep status")] + [(s, s) for s in NUORDER_STATUSES], required=False, label="Move to"
    )
