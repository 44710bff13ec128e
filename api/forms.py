from django import forms

from portal.forms import PortalForm


class ApiTokenForm(PortalForm):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, e.g. the system that will use it.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Warehouse system", "autocomplete": "off"}),
    )
