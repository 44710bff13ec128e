"""Forms of the sandbox's own pages: the fault switches every account has."""

from django import forms

from .models import SandboxAccount

LABELS = {
    "fault_rate_limit": "429 next N",
    "retry_after_seconds": "Retry-After (s)",
    "fault_server_error": "500 next N",
    "fault_malformed_json": "Bad JSON next N",
    "fault_empty_body": "Empty body next N",
    "slow_ms": "Delay (ms)",
    "clock_offset_minutes": "Clock (min ahead, \u2212 behind)",
}


# The switches every sandbox API applies; a platform's sandbox may apply more (`SandboxPart.faults`).
COMMON_FAULTS = (
    "fault_rate_limit",
    "retry_after_seconds",
    "fault_server_error",
    "fault_malformed_json",
    "slow_ms",
    "clock_offset_minutes",
)


class SwitchesForm(forms.ModelForm):
    """The clock may be left out (it stays as it is) or blank (the real time)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "clock_offset_minutes" in self.fields:
            self.fields["clock_offset_minutes"].required = False

    def clean_clock_offset_minutes(self):
        value = self.cleaned_data.get("clock_offset_minutes")
        if value is None and "clock_offset_minutes" in self.data:
            return 0
        return value  # None when left out: the model form keeps the stored value


def fault_form(fields: tuple[str, ...]) -> type[forms.ModelForm]:
    """The form of the switches a platform's API applies (its sandbox part's `faults`)."""
    return forms.modelform_factory(
        SandboxAccount, form=SwitchesForm, fields=list(fields), labels={f: LABELS[f] for f in fields}
    )


FaultForm = fault_form(COMMON_FAULTS)
