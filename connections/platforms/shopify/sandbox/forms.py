"""Forms of the sandbox Shopify's pages: a new shop, its webhook subscription, switches and bucket, fake activity."""

from django import forms

from connections.platforms.shopify.shop import shop_domain

from .data import MIXES
from .models import TOPICS, SandboxShopifyShop

CURRENCIES = [("GBP", "GBP"), ("USD", "USD"), ("EUR", "EUR"), ("CAD", "CAD"), ("AUD", "AUD")]
TIMEZONES = [
    (zone, zone)
    for zone in ("Europe/London", "America/New_York", "America/Los_Angeles", "Europe/Paris", "Australia/Sydney", "UTC")
]


class ShopForm(forms.Form):
    """A new shop: its name, and optionally its domain (else the name's handle)."""

    name = forms.CharField(max_length=200, initial="Corner Crafts")
    domain = forms.CharField(max_length=255, required=False, help_text="handle.myshopify.com; empty: from the name.")
    currency = forms.ChoiceField(choices=CURRENCIES)
    iana_timezone = forms.ChoiceField(choices=TIMEZONES, label="Time zone")

    def clean_domain(self):
        value = self.cleaned_data["domain"].strip()
        if not value:
            return ""
        try:
            domain = shop_domain(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        if SandboxShopifyShop.objects.filter(domain=domain).exists():
            raise forms.ValidationError(f"A sandbox shop has the domain {domain} already.")
        return domain


class TopicsField(forms.MultipleChoiceField):
    """The subscribed topics, kept as a comma-separated column."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=[(t, t) for t in TOPICS], required=False, **kwargs)

    def prepare_value(self, value):
        return [t for t in value.split(",") if t] if isinstance(value, str) else value

    def clean(self, value):
        chosen = super().clean(value)
        return ",".join(t for t in TOPICS if t in chosen)


class ShopWebhookForm(forms.ModelForm):
    """The app's webhook subscription (its address and topics) and how the sandbox retries."""

    webhook_url = forms.URLField(max_length=500, required=False, assume_scheme="https", label="Webhook URL")
    webhook_topics = TopicsField(label="Topics")

    class Meta:
        model = SandboxShopifyShop
        fields = [
            "webhook_url",
            "webhook_topics",
            "api_version",
            "webhook_timeout_seconds",
            "webhook_backoff_seconds",
            "webhook_backoff_cap_seconds",
            "webhook_max_attempts",
        ]
        labels = {
            "api_version": "API version",
            "webhook_timeout_seconds": "Timeout (s)",
            "webhook_backoff_seconds": "First retry after (s)",
            "webhook_backoff_cap_seconds": "Longest wait (s)",
            "webhook_max_attempts": "Give up after attempts",
        }


class ShopSwitchesForm(forms.ModelForm):
    """What makes webhooks and answers misbehave."""

    class Meta:
        model = SandboxShopifyShop
        fields = [
            "webhook_duplicate",
            "webhook_out_of_order",
            "webhook_drop_percent",
            "webhook_drop_seed",
            "webhook_wrong_secret",
            "sign_with_previous",
            "redact_customer_data",
            "throttle_status",
        ]
        labels = {
            "webhook_duplicate": "Send twice next N",
            "webhook_out_of_order": "Out of order next N",
            "webhook_drop_percent": "Drop %",
            "webhook_drop_seed": "Drop seed",
            "webhook_wrong_secret": "Wrong key next N",
            "sign_with_previous": "Previous secret next N",
            "redact_customer_data": "No protected customer data",
            "throttle_status": "THROTTLED answers with HTTP",
        }


class ShopBucketForm(forms.ModelForm):
    """The cost bucket, the access tokens' lifetime and the plan the shop reports."""

    class Meta:
        model = SandboxShopifyShop
        fields = ["bucket_size", "restore_rate", "access_token_seconds", "plan_name", "shopify_plus"]
        labels = {
            "bucket_size": "Bucket (points)",
            "restore_rate": "Restore (points/s)",
            "access_token_seconds": "Access tokens last (s)",
            "plan_name": "Plan",
            "shopify_plus": "Shopify Plus",
        }


class GenerateForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=100_000, initial=100)
    days = forms.IntegerField(min_value=1, max_value=365, initial=30, label="over the last (days)")
    mix = forms.ChoiceField(choices=[("mixed", "mixed")] + [(m, m) for m in MIXES], initial="mixed")
    notify = forms.BooleanField(required=False, label="queue orders/create webhooks")


class TouchForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=10_000, initial=10)


class TestOrderForm(forms.Form):
    line_items = forms.IntegerField(min_value=1, max_value=20, initial=2, label="Line items")
