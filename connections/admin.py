"""Staff screens: every merchant's connections and runs, with the operations support needs.

Credentials appear only as hints; the encrypted value is never rendered, and the staff
form that replaces them has write-only fields. Destructive or remote actions (pause,
disconnect, sync of several, the platform authorization, replacing credentials) ask
for confirmation first; every operation is logged in the object's history and in the
audit trail. The work itself is done by `connections.services`, as for merchants.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from audit.staff import MerchantFilter, StaffActionsMixin, confirmed, merchant_filter
from audit.timeline import connection_timeline
from audit.trail import Action, credential_fields_changed, record
from portal.counting import count_up_to

from . import health, services, webhooks
from .admin_options import option_field_names, options_form
from .admin_paging import LargeTableAdmin
from .admin_platforms import PlatformFilter, platform_filter, platform_name
from .admin_search import IndexedSearchAdmin, value_filter
from .forms import add_credential_problems, credential_form_field
from .models import Connection, Credential, Problem, SyncRun, WebhookEvent
from .sync import SyncRefused, request_sync


class CredentialInline(admin.StackedInline):
    model = Credential
    fields = ("hints", "updated_at")
    readonly_fields = ("hints", "updated_at")
    can_delete = False
    extra = 0
    max_num = 0
    verbose_name_plural = "Credentials (hints only; secrets are write-only: use Replace credentials)"


#: How many runs a connection's change page lists; the rest are one link away (the sync-run list).
SHOWN_RUNS = 20


class SyncRunInline(admin.TabularInline):
    model = SyncRun
    fields = (
        "queued_at",
        "trigger",
        "status",
        "pages",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "retries_absorbed",
        "error",
    )
    readonly_fields = fields
    raw_id_fields = ("requested_by",)
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ("-queued_at", "-id")
    verbose_name_plural = f"Latest sync runs (the {SHOWN_RUNS} newest; the link below lists them all)"

    def get_queryset(self, request):
        # Each row's title names its connection: loaded with the run, not once a row.
        return super().get_queryset(request).select_related("connection").order_by("-queued_at", "-id")

    def latest(self, request, connection: Connection):
        """The connection's newest SHOWN_RUNS runs: what the change page lists, however many there are."""
        newest = SyncRun.objects.filter(connection=connection).order_by("-queued_at", "-id").values("pk")
        return self.get_queryset(request).filter(pk__in=newest[:SHOWN_RUNS])

    @admin.display(description="Retries absorbed")
    def retries_absorbed(self, run):
        return run.retries_summary or "none"


def retries_table(run: SyncRun):
    """A run's absorbed faults, one line each, in words."""
    rows = run.retries_shown
    if not rows:
        return "none"
    return format_html_join(
        mark_safe("<br>"),
        "{} ({}): {} time(s), longest wait {} s",
        ((row["label"], row["kind"], row["count"], f"{row['longest_wait']:.1f}") for row in rows),
    )


def yes_no_filter(title: str, parameter: str, yes: str, no: str, condition: Q) -> type[admin.SimpleListFilter]:
    """A list filter of two choices: the rows where `condition` holds (`yes`), and the others (`no`)."""

    class YesNoFilter(admin.SimpleListFilter):
        def lookups(self, request, model_admin):
            return [("yes", yes), ("no", no)]

        def queryset(self, request, queryset):
            if self.value() == "yes":
                return queryset.filter(condition)
            if self.value() == "no":
                return queryset.exclude(condition)
            return queryset

    YesNoFilter.title, YesNoFilter.parameter_name = title, parameter
    return YesNoFilter


RetriedFilter = yes_no_filter("retries", "retried", "Needed retries", "No retries", ~Q(retries={}))


def _open_problems():
    return Problem.objects.filter(connection=OuterRef("pk"), closed_at=None)


class HealthFilter(admin.SimpleListFilter):
    """The health the merchant sees: needs attention is the status or any open problem."""

    title = "health"
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return [
            ("needs_attention", "Needs attention"),
            ("connected", "Connected"),
            ("syncing", "Syncing"),
            ("paused", "Paused"),
            ("disconnected", "Disconnected"),
            ("pending", "Pending"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        status = Connection.Status
        quiet = [status.PAUSED, status.DISCONNECTED, status.PENDING]
        if value in quiet:
            return queryset.filter(status=value)
        troubled = Q(status=status.NEEDS_ATTENTION) | Q(Exists(_open_problems()))
        if value == "needs_attention":
            return queryset.exclude(status__in=quiet).filter(troubled)
        return queryset.filter(status=value).exclude(troubled)


class ReplaceCredentialsForm(forms.Form):
    """Staff type new credentials: write-only fields, blank keeps the stored value, its hint shown."""

    def __init__(self, connection: Connection, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = connection
        self.adapter = connection.adapter
        hints = connection.credential_hints()
        for spec in self.adapter.credential_fields:
            stored_hint = hints.get(spec.name, "")
            field = credential_form_field(spec, stored_hint=stored_hint if spec.secret else "", required=False)
            if spec.secret:
                # Never the staff member's own password from the browser's store.
                field.widget.attrs["autocomplete"] = "new-password"
                if not stored_hint:
                    field.help_text = f"Nothing stored. {spec.help_text}".strip()
            else:
                field.initial = stored_hint  # not secret: the hint is the value
            self.fields[spec.name] = field
        self.fields["confirm"] = forms.BooleanField(
            label=f"Replace the credentials of {connection} (the platform checks them first)",
            help_text="Nothing is saved when the platform refuses them.",
            label_suffix="",
        )

    @property
    def credentials(self) -> dict[str, str]:
        return {spec.name: self.cleaned_data.get(spec.name, "") for spec in self.adapter.credential_fields}

    def changed_fields(self) -> list[str]:
        held = self.connection.stored_credentials()
        return credential_fields_changed(held, {**held, **{k: v for k, v in self.credentials.items() if v}})

    def clean(self):
        cleaned = super().clean()
        # The same rules as the merchant's Edit form.
        add_credential_problems(self, self.adapter, self.credentials, self.connection)
        merged = {**self.connection.stored_credentials(), **{k: v for k, v in self.credentials.items() if v}}
        options = {"auto_accept": self.connection.auto_accept, "push_tracking": self.connection.push_tracking}
        if problems := self.adapter.option_problems(merged, options):
            raise forms.ValidationError(" ".join(sorted(set(problems.values()))))
        if not self.errors and not self.changed_fields():
            raise forms.ValidationError("Nothing to replace: type at least one new value.")
        return cleaned


@admin.register(Connection)
class ConnectionAdmin(StaffActionsMixin, admin.ModelAdmin):
    # Short headings and wrapping cells: the list fits a laptop's 1280 px (static/portal-admin.css).
    list_display = (
        "connection_name",
        "merchant",
        "platform_label",
        "status_badge",
        "open_problems",
        "last_sync",
        "next_sync",
        "short_error",
    )
    list_display_links = ("connection_name",)
    list_filter = (
        MerchantFilter,
        PlatformFilter,
        HealthFilter,
        "status",
        "auto_sync",
        "push_tracking",
        "created_at",
        "last_success_at",
    )
    search_fields = ("name", "store_name", "merchant__name")
    list_select_related = ("merchant",)
    raw_id_fields = ("merchant",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "status",
        "cursor",
        "last_success_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "next_sync_at",
        "next_reconcile_at",
        "account_facts",
        "last_checked_at",
        "webhook_id",
        "created_at",
        "updated_at",
        "retry_notice",
    )
    fieldsets = (
        (None, {"fields": ("merchant", "platform_label", "name", "store_name", "status", "base_url_override")}),
        ("State (written by the portal)", {"fields": readonly_fields[1:]}),
    )
    inlines = [CredentialInline, SyncRunInline]
    formfield_overrides = {models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}}
    actions = [
        "test_selected",
        "sync_selected",
        "pause_selected",
        "resume_selected",
        "disconnect_selected",
        "authorize_selected",
        "replace_credentials_selected",
    ]

    def has_add_permission(self, request):
        # Connections are added through the merchant's Add Account flow, which checks credentials.
        return False

    @admin.display(description="Retries notice")
    def retry_notice(self, connection):
        """The health's notice when the recent runs keep needing retries (connections.health)."""
        return health.retry_notice(connection) or "none: its recent runs did not keep needing retries"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(open_problem_count=Count("problems", filter=Q(problems__closed_at=None)))
        )

    def get_fieldsets(self, request, obj=None):
        """The sync options as the merchant's form has them, for this connection's platform."""
        general, state = self.fieldsets
        if obj is None:
            return self.fieldsets
        return (general, ("Sync options", {"fields": option_field_names(obj.adapter)}), state)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = options_form(obj.adapter)
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # Orders carry their merchant: a connection never moves to another merchant or platform.
        return ("merchant", "platform_label", *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        # Only what staff may edit is written, so a run's outcome or a pause is never overwritten.
        services.save_staff_edit(obj, actor=self.actor(request))

    def delete_model(self, request, obj):
        record(Action.DELETED, connection=obj, actor=self.actor(request))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        actor = self.actor(request)
        for connection in queryset.select_related("merchant"):
            record(Action.DELETED, connection=connection, actor=actor)
        super().delete_queryset(request, queryset)

    # -- the change page: its timeline and a way to replace the credentials ---------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        connection = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if connection is not None:
            extra_context["timeline"] = connection_timeline(connection)
            extra_context["sync_runs_count"] = count_up_to(connection.sync_runs.all())
            extra_context["sync_runs_url"] = (
                reverse("admin:connections_syncrun_changelist", current_app=self.admin_site.name)
                + f"?connection__id__exact={connection.pk}"
            )
            extra_context["audit_url"] = (
                reverse("admin:audit_auditentry_changelist", current_app=self.admin_site.name)
                + f"?connection__id__exact={connection.pk}"
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, SyncRunInline) and obj is not None and obj.pk is not None:
            kwargs["queryset"] = inline.latest(request, obj)
        return kwargs

    def get_urls(self):
        return [
            path(
                "<path:object_id>/credentials/",
                self.admin_site.admin_view(self.replace_credentials_view),
                name="connections_connection_credentials",
            ),
            *super().get_urls(),
        ]

    def replace_credentials_view(self, request, object_id):
        """Staff type new credentials; checked by the platform exactly as the merchant's Edit does."""
        connection = self.get_object(request, unquote(object_id))
        if connection is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, connection):
            raise PermissionDenied
        failure, status = None, 200
        if request.method == "POST":
            form = ReplaceCredentialsForm(connection, request.POST)
            if form.is_valid():
                fields = form.changed_fields()
                try:
                    services.update_connection(
                        connection, connection.name, form.credentials, {}, actor=self.actor(request)
                    )
                except services.CheckFailed as exc:
                    failure = exc
                    connection.refresh_from_db()
                except services.NameTaken:  # pragma: no cover - the name is unchanged
                    failure = "Another connection took this name meanwhile."
                else:
                    self.log_change(request, connection, f"Credentials replaced: {', '.join(fields)}")
                    self.message_user(
                        request,
                        f"{connection}: credentials replaced ({', '.join(fields)}). "
                        f"Status: {connection.get_status_display().lower()}.",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse(
                            "admin:connections_connection_change",
                            args=[connection.pk],
                            current_app=self.admin_site.name,
                        )
                    )
            status = 400
        else:
            form = ReplaceCredentialsForm(connection)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Replace the credentials of {connection}",
            "opts": self.opts,
            "original": connection,
            "form": form,
            "failure": failure,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/connections/connection/replace_credentials.html", context, status=status
        )

    # -- list columns ---------------------------------------------------------------------------

    @admin.display(description="Connection", ordering="name")
    def connection_name(self, obj):
        return obj.name  # the platform has its own column

    @admin.display(description="Platform", ordering="platform")
    def platform_label(self, obj):
        return platform_name(obj.platform)

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="status status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="Problems", ordering="open_problem_count")
    def open_problems(self, obj):
        return obj.open_problem_count

    @admin.display(description="Last sync", ordering="last_success_at", empty_value="never")
    def last_sync(self, obj):
        return obj.last_success_at

    @admin.display(description="Next sync", ordering="next_sync_at")
    def next_sync(self, obj):
        return obj.next_sync_at

    @admin.display(description="Last error")
    def short_error(self, obj):
        return (obj.last_error[:90] + "\u2026") if len(obj.last_error) > 90 else obj.last_error

    # -- actions --------------------------------------------------------------------------------

    @admin.action(description="Test connection…")
    def test_selected(self, request, queryset):
        if not confirmed(request):
            return self.confirmation(
                request,
                queryset,
                action="test_selected",
                title="Test these connections?",
                question="Each connection below makes one cheap call to its platform with its stored credentials; "
                "a refusal marks it as needing attention and opens a problem the merchant is told about.",
                button="Yes, test them",
            )
        actor = self.actor(request)
        for connection in queryset:
            try:
                facts = services.test_connection(connection, actor=actor)
            except services.CheckFailed as failure:
                self.message_user(request, f"{connection}: test failed. {failure}", messages.ERROR)
                self.log_change(request, connection, f"Tested: failed ({failure.message})")
            else:
                self.message_user(request, f"{connection}: test passed. {facts.summary}", messages.SUCCESS)
                self.log_change(request, connection, "Tested: passed")

    @admin.action(description="Sync now (Fetch Orders)…")
    def sync_selected(self, request, queryset):
        if not confirmed(request):
            return self.confirmation(
                request,
                queryset,
                action="sync_selected",
                title="Sync these connections now?",
                question="Each connection below fetches its orders from its platform now, using its "
                "request budget. Connections already syncing keep their run.",
                button="Yes, sync them now",
            )
        for connection in queryset:
            try:
                run, created = request_sync(connection, trigger=SyncRun.Trigger.ADMIN, user=request.user)
            except SyncRefused as exc:
                self.message_user(request, str(exc), messages.WARNING)
                continue
            verb = "queued" if created else "already running as"
            self.message_user(request, f"{connection}: sync {verb} run #{run.pk}.", messages.INFO)
            self.note(
                request,
                connection,
                f"Sync requested (run #{run.pk})",
                action=Action.SYNC_REQUESTED,
                connection=connection,
                changes={"run": run.pk, "new_run": created},
            )

    @admin.action(description="Start the platform authorization\u2026")
    def authorize_selected(self, request, queryset):
        able = [c for c in queryset if c.adapter.authorization is not None]
        if able and not confirmed(request):
            return self.confirmation(
                request,
                queryset.filter(pk__in=[c.pk for c in able]),
                action="authorize_selected",
                title="Start the platform authorization?",
                question="The portal sends the first request of the platform's authorization for each "
                "connection below; the merchant then approves the application in the platform and pastes "
                "the verification code on the connection's page. An authorization already waiting is replaced.",
                button="Yes, start the authorization",
            )
        for connection in queryset:
            if connection.adapter.authorization is None:
                self.message_user(
                    request, f"{connection}: {connection.adapter.short_name} has no such step.", messages.WARNING
                )
        actor = self.actor(request)
        for connection in able:
            try:
                services.start_authorization(connection, actor=actor)
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
        return None

    @admin.action(description="Pause\u2026")
    def pause_selected(self, request, queryset):
        if not confirmed(request):
            return self.confirmation(
                request,
                queryset,
                action="pause_selected",
                title="Pause these connections?",
                question="No automatic imports and no pushes to the platform until they are resumed; "
                "a sync under way stops at its next page. The merchants see them as paused.",
                button="Yes, pause them",
            )
        actor = self.actor(request)
        paused = 0
        for connection in queryset:
            if services.pause(connection, actor=actor):
                paused += 1
                self.log_change(request, connection, "Paused")
        self.message_user(request, f"Paused {paused} connection(s).", messages.INFO)
        return None

    @admin.action(description="Resume…")
    def resume_selected(self, request, queryset):
        if not confirmed(request):
            return self.confirmation(
                request,
                queryset,
                action="resume_selected",
                title="Resume these connections?",
                question="Automatic imports and pushes start again at the next tick; pushes held while paused are "
                "sent.",
                button="Yes, resume them",
            )
        actor = self.actor(request)
        resumed = 0
        for connection in queryset:
            if services.resume(connection, actor=actor):
                resumed += 1
                self.log_change(request, connection, "Resumed")
        self.message_user(request, f"Resumed {resumed} connection(s).", messages.INFO)

    @admin.action(description="Disconnect (delete the credentials)\u2026")
    def disconnect_selected(self, request, queryset):
        if not confirmed(request):
            return self.confirmation(
                request,
                queryset,
                action="disconnect_selected",
                title="Disconnect these connections?",
                question="Syncing stops and the stored credentials are deleted; the orders already imported "
                "stay. To connect again, the merchant (or staff, with Replace credentials) enters them anew.",
                warning="This cannot be undone: the credentials are destroyed.",
                button="Yes, disconnect them",
            )
        actor = self.actor(request)
        for connection in queryset:
            services.disconnect(connection, actor=actor)
            self.log_change(request, connection, "Disconnected (credentials deleted)")
        self.message_user(request, f"Disconnected {queryset.count()} connection(s).", messages.INFO)
        return None

    @admin.action(description="Replace credentials\u2026")
    def replace_credentials_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one connection to replace its credentials.", messages.WARNING)
            return None
        return HttpResponseRedirect(
            reverse(
                "admin:connections_connection_credentials",
                args=[queryset.get().pk],
                current_app=self.admin_site.name,
            )
        )


#: A connection named in the search box, exactly (any case): its rows, by the connection's id.
BY_CONNECTION_NAME = {"connection_id": (Connection, ("name__iexact",))}


@admin.register(SyncRun)
class SyncRunAdmin(IndexedSearchAdmin, LargeTableAdmin):
    list_display = (
        "pk",
        "connection",
        "kind",
        "trigger",
        "status",
        "queued_at",
        "pages",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "retries_column",
        "checked",
    )
    sortable_by = ("queued_at",)  # syncrun_queued_id (connections/admin_paging.py)
    list_filter = (
        merchant_filter("connection__merchant"),
        "kind",
        "status",
        RetriedFilter,
        "trigger",
        platform_filter("connection__platform"),
        "queued_at",
    )
    contains_search_fields = ("error",)
    related_exact_search = BY_CONNECTION_NAME
    search_help_text = "A run's id, a connection's exact name, or words of its error (3 characters or more)."
    list_select_related = ("connection",)
    raw_id_fields = ("connection", "requested_by")

    def get_readonly_fields(self, request, obj=None):
        # The absorbed faults in words rather than their JSON.
        return [f.name if f.name != "retries" else "retries_absorbed" for f in self.model._meta.fields]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description="Retries absorbed")
    def retries_column(self, run):
        return run.retries_summary or "\u2014"

    @admin.display(description="Retries absorbed")
    def retries_absorbed(self, run):
        return retries_table(run)

    def has_add_permission(self, request):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(StaffActionsMixin, IndexedSearchAdmin, LargeTableAdmin):
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
    sortable_by = ("received_at",)  # webhookevent_received_id (connections/admin_paging.py)
    list_filter = (
        merchant_filter("connection__merchant"),
        "state",
        value_filter("event_status", "event status"),
        platform_filter("connection__platform"),
        "received_at",
    )
    exact_search_fields = ("order_external_id__iexact",)
    contains_search_fields = ("order_external_id",)
    related_exact_search = BY_CONNECTION_NAME
    search_help_text = "An event's id, an order's platform id (or 3 characters of it), or a connection's exact name."
    list_select_related = ("connection",)
    raw_id_fields = ("connection",)
    actions = ["reprocess_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="What happened")
    def short_outcome(self, obj):
        text = obj.error or obj.outcome
        return (text[:90] + "\u2026") if len(text) > 90 else text

    @admin.action(description="Reprocess (apply again)…")
    def reprocess_selected(self, request, queryset):
        if not confirmed(request):
            return self.confirmation(
                request,
                queryset,
                action="reprocess_selected",
                title="Reprocess these webhook events?",
                question="Each event below is applied again through the ingest path now; an event older than "
                "the order we hold changes nothing.",
                button="Yes, reprocess them",
            )
        result = webhooks.reprocess(queryset)
        level = messages.WARNING if result.failed or result.waiting else messages.SUCCESS
        self.message_user(request, str(result), level)
        by_connection: dict[int, list[WebhookEvent]] = {}
        for event in queryset.select_related("connection__merchant"):
            self.log_change(request, event, f"Reprocessed: {event.get_state_display()}")
            by_connection.setdefault(event.connection_id, []).append(event)
        actor = self.actor(request)
        for events in by_connection.values():
            record(
                Action.WEBHOOKS_REPROCESSED,
                connection=events[0].connection,
                actor=actor,
                changes={
                    "events": [e.pk for e in events],
                    "still_failed": sum(e.state == WebhookEvent.State.FAILED for e in events),
                },
            )


OpenFilter = yes_no_filter("state", "open", "Open", "Closed", Q(closed_at__isnull=True))


@admin.register(Problem)
class ProblemAdmin(IndexedSearchAdmin, LargeTableAdmin):
    """Every connection's problems, open and closed: what support looks at first."""

    list_display = ("connection", "merchant", "cause", "count", "first_seen_at", "last_seen_at", "closed_at")
    sortable_by = ("first_seen_at", "last_seen_at", "closed_at")
    list_filter = (
        OpenFilter,
        merchant_filter("connection__merchant"),
        "cause",
        platform_filter("connection__platform"),
        "last_seen_at",
    )
    contains_search_fields = ("message",)
    related_exact_search = BY_CONNECTION_NAME
    search_help_text = "A problem's id, a connection's exact name, or words of the message (3 characters or more)."
    list_select_related = ("connection__merchant",)
    raw_id_fields = ("connection",)

    @admin.display(ordering="connection__merchant__name")
    def merchant(self, problem):
        return problem.connection.merchant

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False
