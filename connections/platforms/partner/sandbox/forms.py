"""Forms of the Partner API's control pages: a new chain, its webhook settings and switches, Test Order."""

import re

from django import forms

from .data import CANCELLED_BY, CUSTOMER_CANCELLATION
from .models import PARTNER_STATUSES, PICKING_MODES, TRANSPORT_TYPES, SandboxPartnerChain
from .orders import CANCEL_REASONS

HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an HTTP header name (RFC 9110 token)
TEST_ORDER_STATUSES = ("RECEIVED", "READY_FOR_PICKUP", "CANCELLED")


class PartnerChainForm(forms.Form):
    name = forms.CharField(max_length=200, initial="Corner Grocer")
    picking_mode = forms.ChoiceField(choices=PICKING_MODES, label="Picking mode")
    vendors = forms.IntegerField(min_value=1, max_value=20, initial=2, label="Stores")


class PartnerWebhookForm(forms.ModelForm):
    """What the Partner Portal's Shops Integrations page sets, plus how the sandbox retries."""

    webhook_url = forms.URLField(max_length=500, required=False, assume_scheme="https", label="Webhook URL")

    class Meta:
        model = SandboxPartnerChain
        fields = [
            "webhook_url",
            "webhook_secret",
            "webhook_header",
            "vendor_delivery_confirmation",
            "webhook_timeout_seconds",
            "webhook_backoff_seconds",
            "webhook_backoff_cap_seconds",
            "webhook_max_attempts",
        ]
        labels = {
            "webhook_secret": "Secret",
            "webhook_header": "Header name",
            "vendor_delivery_confirmation": "After a vendor PUT DISPATCHED send",
            "webhook_timeout_seconds": "Timeout (s)",
            "webhook_backoff_seconds": "First retry after (s)",
            "webhook_backoff_cap_seconds": "Longest wait (s)",
            "webhook_max_attempts": "Give up after attempts",
        }

    def clean_webhook_header(self):
        name = self.cleaned_data["webhook_header"].strip()
        if not HEADER_NAME.fullmatch(name):
            raise forms.ValidationError("A header name is letters, digits and -, with no spaces or colon.")
        return name

    def clean(self):
        data = super().clean()
        if data.get("webhook_url") and not data.get("webhook_secret"):
            self.add_error("webhook_secret", "The Portal needs a secret with the webhook URL.")
        return data


class PartnerSwitchesForm(forms.ModelForm):
    class Meta:
        model = SandboxPartnerChain
        fields = [
            "rate_limit_per_minute",
            "access_token_seconds",
            "webhook_duplicate",
            "webhook_out_of_order",
            "webhook_drop_percent",
            "webhook_drop_seed",
            "webhook_wrong_secret",
        ]
        labels = {
            "rate_limit_per_minute": "Requests a minute",
            "access_token_seconds": "Access tokens last (s)",
            "webhook_duplicate": "Send twice next N",
            "webhook_out_of_order": "Out of order next N",
            "webhook_drop_percent": "Drop %",
            "webhook_drop_seed": "Drop seed",
            "webhook_wrong_secret": "Wrong secret next N",
        }


class PartnerTestOrderForm(forms.Form):
    """Like the Partner Portal's Test Order button: a store, a status, a delivery, the items."""

    vendor = forms.ChoiceField(label="Store")
    status = forms.ChoiceField(choices=[(s, s) for s in TEST_ORDER_STATUSES])
    transport_type = forms.ChoiceField(choices=TRANSPORT_TYPES, label="Delivery")
    items = forms.IntegerField(min_value=1, max_value=20, initial=3)
    cancellation_reason = forms.ChoiceField(
        choices=[(r, r) for r in (*CANCEL_REASONS, CUSTOMER_CANCELLATION["reason"])],
        initial="ITEM_UNAVAILABLE",
        required=False,
        label="Cancellation reason",
        help_text="Only for CANCELLED.",
    )
    cancelled_by = forms.ChoiceField(
        choices=[(b, b) for b in CANCELLED_BY], initial="VENDOR", required=False, label="Cancelled by"
    )

    def __init__(self, *args, chain: SandboxPartnerChain, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendors = {vendor.vendor_id: vendor for vendor in chain.vendors.all()}
        self.fields["vendor"].choices = [(v.vendor_id, f"{v.name} ({v.vendor_id})") for v in self.vendors.values()]

    def cancellation(self) -> dict | None:
        data = self.cleaned_data
        if data["status"] != "CANCELLED":
            return None
        return {
            "reason": data["cancellation_reason"] or self.fields["cancellation_reason"].initial,
            "cancelled_by": data["cancelled_by"] or self.fields["cancelled_by"].initial,
        }


class PartnerGenerateForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=100_000, initial=100)
    days = forms.IntegerField(min_value=1, max_value=60, initial=10, label="over the last (days)")
    status = forms.ChoiceField(choices=[("mixed", "mixed")] + [(s, s) for s in PARTNER_STATUSES], initial="mixed")
    notify = forms.BooleanField(required=False, label="queue their webhooks")
