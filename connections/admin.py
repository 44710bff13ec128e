"""Staff screens: every merchant's connections and runs, with test, sync and pause actions.

Credentials appear only as hints; the encrypted value is never rendered.
"""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html

from . import services, webhooks
from .models import SYNC_OPTION_FIELDS, Connection, Credential, Problem, SyncRun, WebhookEvent
from .sync import SyncRefused, request_sync


class CredentialInline(admin.StackedInline):
    model = Credential
    fields = ("hints", "updated_at")
    readonly_fields = ("hints", "updated_at")
    can_delete = False
    extra = 0
    max_num = 0
    verbose_name_plural = "Credentials (hints only; secrets are write-only)"


class SyncRunInline(admin.TabularInline):
    model = SyncRun
    fields = ("queued_at", "trigger", "status", "pages", "created", "updated", "unchanged", "skipped", "error")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ("-queued_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-queued_at")


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "merchant", "platform", "status_badge", "last_success_at", "next_sync_at", "short_error")
    list_filter = ("platform", "status", "auto_sync", "push_tracking")
    search_fields = ("name", "merchant__name")
    list_select_related = ("merchant",)
    raw_id_fields = ("merchant",)
    readonly_fields = (
        "status",
        "cursor",
        "last_success_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "next_sync_at",
        "account_facts",
        "last_checked_at",
        "webhook_id",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("merchant", "platform", "name", "store_name", "status", "base_url_override")}),
        (
            "Sync options",
            {"fields": (*SYNC_OPTION_FIELDS, "platform_options")},
        ),
        ("State (written by the portal)", {"fields": readonly_fields[1:]}),
    )
    inlines = [CredentialInline, SyncRunInline]
    formfield_overrides = {models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}}
    actions = ["test_selected", "sync_selected", "pause_selected", "resume_selected", "authorize_selected"]

    def has_add_permission(self, request):
        # Connections are added through the merchant's Add Account flow, which checks credentials.
        return False

    def get_readonly_fields(self, request, obj=None):
        # Orders carry their merchant: a connection never moves to another merchant or platform.
        return ("merchant", "platform", *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        # Only what staff may edit is written, so a run's outcome or a pause is never overwritten.
        obj.save(
            update_fields=[
                "name",
                "store_name",
                "base_url_override",
                *SYNC_OPTION_FIELDS,
                "platform_options",
                "updated_at",
            ]
        )

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="status status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="Last error")
    def short_error(self, obj):
        return (obj.last_error[:90] + "\u2026") if len(obj.last_error) > 90 else obj.last_error

    @admin.action(description="Test connection")
    def test_selected(self, request, queryset):
        for connection in queryset:
            try:
                facts = services.test_connection(connection)
            except services.CheckFailed as failure:
                self.message_user(request, f"{connection}: test failed. {failure}", messages.ERROR)
                self.log_change(request, connection, f"Tested: failed ({failure.message})")
            else:
                self.message_user(request, f"{connection}: test passed. {facts.summary}", messages.SUCCESS)
                self.log_change(request, connection, "Tested: passed")

    @admin.action(description="Sync now (Fetch Orders)")
    def sync_selected(self, request, queryset):
        for connection in queryset:
            try:
                run, created = request_sync(connection, trigger=SyncRun.Trigger.ADMIN, user=request.user)
            except SyncRefused as exc:
                self.message_user(request, str(exc), messages.WARNING)
                continue
            verb = "queued" if created else "already running as"
            self.message_user(request, f"{connection}: sync {verb} run #{run.pk}.", messages.INFO)
            self.log_change(request, connection, f"Sync requested (run #{run.pk})")

    @admin.action(description="Start the platform authorization (NuORDER initiate)")
    def authorize_selected(self, request, queryset):
        for connection in queryset:
            if not connection.adapter.supports_authorization:
                self.message_user(
                    request, f"{connection}: {connection.adapter.short_name} has no such step.", messages.WARNING
                )
                continue
            try:
                services.start_authorization(connection)
            except services.CheckFailed as failure:
                self.message_user(
                    request, f"{connection}: the authorization could not start. {failure}", messages.ERROR
                )
                self.log_change(request, connection, f"Authorization not started ({failure.message})")
            else:
                self.message_user(
                    request,
                    f"{connection}: authorization requested; the merchant approves it in "
                    f"{connection.adapter.short_name} and pastes the code on the connection's page.",
                    messages.SUCCESS,
                )
                self.log_change(request, connection, "Authorization started")

    @admin.action(description="Pause")
    def pause_selected(self, request, queryset):
        for connection in queryset:
            services.pause(connection)
            self.log_change(request, connection, "Paused")
        self.message_user(request, f"Paused {queryset.count()} connection(s).", messages.INFO)

    @admin.action(description="Resume")
    def resume_selected(self, request, queryset):
        for connection in queryset:
            services.resume(connection)
            self.log_change(request, connection, "Resumed")
        self.message_user(request, f"Resumed {queryset.count()} connection(s).", messages.INFO)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "connection",
        "trigger",
        "status",
        "queued_at",
        "pages",
        "created",
        "updated",
        "unchanged",
        "skipped",
    )
    list_filter = ("status", "trigger", "connection__platform", "queued_at")
    search_fields = ("connection__name", "connection__merchant__name", "error")
    list_select_related = ("connection",)
    date_hierarchy = "queued_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """Every pushed event as received (the secret never stored), what applying it did, and a way to retry."""

    list_display = (
        "pk",
        "connection",
        "received_at",
        "order_external_id",
        "event_status",
        "state",
        "duplicates",
        "attempts",
        "short_outcome",
    )
    list_filter = ("state", "event_status", "connection__platform", "received_at")
    search_fields = ("order_external_id", "connection__name", "connection__merchant__name", "error", "outcome")
    list_select_related = ("connection",)
    raw_id_fields = ("connection",)
    date_hierarchy = "received_at"
    actions = ["reprocess_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="What happened")
    def short_outcome(self, obj):
        text = obj.error or obj.outcome
        return (text[:90] + "\u2026") if len(text) > 90 else text

    @admin.action(description="Reprocess (apply again)")
    def reprocess_selected(self, request, queryset):
        count = webhooks.reprocess(queryset)
        failed = queryset.filter(state=WebhookEvent.State.FAILED).count()
        level = messages.WARNING if failed else messages.SUCCESS
        self.message_user(request, f"Reprocessed {count} event(s); {failed} still failed.", level)
        for event in queryset:
            self.log_change(request, event, f"Reprocessed: {event.get_state_display()}")


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", "Open"), ("no", "Closed")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(closed_at__isnull=self.value() == "yes")
        return queryset


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    """Every connection's problems, open and closed: what support looks at first."""

    list_display = ("connection", "merchant", "cause", "count", "first_seen_at", "last_seen_at", "closed_at")
    list_filter = (OpenFilter, "cause", "connection__platform", "last_seen_at")
    search_fields = ("connection__name", "connection__merchant__name", "message")
    list_select_related = ("connection__merchant",)
    raw_id_fields = ("connection",)
    date_hierarchy = "first_seen_at"

    @admin.display(ordering="connection__merchant__name")
    def merchant(self, problem):
        return problem.connection.merchant

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False
