"""Forms of the sandbox NOTHS's pages."""

import secrets

from django import forms

from sandbox.models import SandboxAccount

from .models import NOTHS_STATES


class AccountForm(forms.ModelForm):
    """A new NOTHS account (a seller token)."""

    token = forms.CharField(max_length=100, required=False, help_text="Leave empty for a random one.")

    class Meta:
        model = SandboxAccount
        fields = ["shortcode", "name", "currency", "token"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.platform = "noths"

    def clean_token(self):
        """A blank token becomes a random one; the model's unique check catches clashes."""
        return self.cleaned_data["token"] or f"noths-{secrets.token_hex(8)}"


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
