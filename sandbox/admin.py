"""Admin for the sandbox: accounts are editable (fault switches); each platform's sandbox has its own admin."""

from django import forms
from django.contrib import admin
from django.db import models

from connections.admin_platforms import PlatformFilter, platform_choices, platform_name

from . import platforms
from .models import AnswerSwitch, SandboxAccount


class AnswerSwitchInline(admin.TabularInline):
    """An ambiguous answer per read endpoint (`sandbox.answers`); the endpoints are the platform's reads."""

    model = AnswerSwitch
    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        part = platforms.part(obj.platform) if obj is not None else None
        if part is not None and part.reads:
            formset.form.base_fields["endpoint"].widget = forms.Select(
                choices=[(read.name, f"{read.name}: {read.label}") for read in part.reads]
            )
        return formset


@admin.register(SandboxAccount)
class SandboxAccountAdmin(admin.ModelAdmin):
    inlines = [AnswerSwitchInline]
    list_display = [
        "shortcode",
        "platform_label",
        "name",
        "token",
        "fault_rate_limit",
        "fault_server_error",
        "fault_malformed_json",
        "fault_empty_body",
        "slow_ms",
        "clock_offset_minutes",
    ]
    list_filter = [PlatformFilter]
    search_fields = ["token", "shortcode", "name"]
    readonly_fields = ["created_at"]

    @admin.display(description="Platform", ordering="platform")
    def platform_label(self, account):
        return platform_name(account.platform)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "platform":  # chosen by name, kept by key
            return forms.ChoiceField(label="Platform", choices=platform_choices())
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class WebhookSenderAdmin(admin.ModelAdmin):
    """A fake account that sends webhooks (`sandbox.models.WebhookSender`): a URL typed without a
    scheme is taken as https, as Django 6 will take it (and 5.2 warns until told)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyAdmin(admin.ModelAdmin):
    """What a fake API and its webhooks made (orders, deliveries): look, don't touch; change them
    through the platform's sandbox pages, which keep their documents and outboxes in step."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
