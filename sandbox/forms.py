"""Forms of the sandbox control pages."""

import secrets

from django import forms

from .models import NOTHS_STATES, NUORDER_APP_TYPES, NUORDER_STATUSES, SandboxAccount


class AccountForm(forms.ModelForm):
    """A NOTHS account (NuORDER applications have their own form: they need secrets)."""

    platform = forms.ChoiceField(choices=[("noths", "Not On The High Street")], initial="noths")
    token = forms.CharField(max_length=100, required=False, help_text="Leave empty for a random one.")

    class Meta:
        model = SandboxAccount
        fields = ["platform", "shortcode", "name", "currency", "token"]

    def clean_token(self):
        """A blank token becomes a random one; the model's unique check catches clashes."""
        platform = self.cleaned_data.get("platform") or "noths"
        return self.cleaned_data["token"] or f"{platform}-{secrets.token_hex(8)}"


class FaultForm(forms.ModelForm):
    class Meta:
        model = SandboxAccount
        fields = ["fault_rate_limit", "retry_after_seconds", "fault_server_error", "fault_malformed_json", "slow_ms"]
        labels = {
            "fault_rate_limit": "429 next N",
            "retry_after_seconds": "Retry-After (s)",
            "fault_server_error": "500 next N",
            "fault_malformed_json": "Bad JSON next N",
            "slow_ms": "Delay (ms)",
        }


class GenerateForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=100_000, initial=100)
    items = forms.IntegerField(min_value=1, max_value=20, initial=3, label="Items per order")
    state = forms.ChoiceField(choices=[("mixed", "mixed")] + [(s, s) for s in NOTHS_STATES], initial="mixed")


class TouchForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=10_000, initial=10)
    new_state = forms.ChoiceField(
        choices=[("", "keep state")] + [(s, s) for s in NOTHS_STATES], required=False, label="Move to"
    )


class EnquiryForm(forms.Form):
    message = forms.CharField(max_length=500, initial="Has my order been sent yet?")


# -- NuORDER ------------------------------------------------------------------------------------


class NuorderAppForm(forms.Form):
    application_type = forms.ChoiceField(choices=NUORDER_APP_TYPES, label="Application Type")
    shortcode = forms.CharField(max_length=64)
    name = forms.CharField(max_length=200)
    currency = forms.CharField(max_length=3, initial="USD")
    with_token = forms.BooleanField(
        required=False, initial=True, label="Issue a token", help_text="Untick to start with no token (handshake)."
    )


class NuorderFaultForm(FaultForm):
    """The shared switches plus the empty body, which only the NuORDER API applies."""

    class Meta(FaultForm.Meta):
        fields = [*FaultForm.Meta.fields, "fault_empty_body"]
        labels = {**FaultForm.Meta.labels, "fault_empty_body": "Empty body next N"}


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
