"""The base of the portal's forms."""

from django import forms


class PortalForm(forms.Form):
    """A form whose labels carry no ":" (the seeds' pages show "Connection Name", not "Connection Name:").

    A ``label_suffix`` class attribute does not work: ``BaseForm.__init__`` overwrites it.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
