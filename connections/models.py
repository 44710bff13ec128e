"""Connections to platform accounts, their credentials and their sync runs."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from .platforms import faults, outbound, registry
from .sealed import CredentialsUnreadable, SealedTextField, opened


def validate_platform(value):
    try:
        registry.get(value)
    except LookupError:
        raise ValidationError(f"{value!r} is not a platform the portal knows.") from None


SYNC_INTERVAL_CHOICES = [
    (15, "Every 15 minutes"),
    (30, "Every 30 minutes"),
    (60, "Every hour"),
    (120, "Every 2 hours"),
    (360, "Every 6 hours"),
    (1440, "Once a day"),
]

# How often the open orders are read again (a platform with a `reconciliation` part).
RECONCILE_INTERVAL_CHOICES = [
    (60, "Every hour"),
    (360, "Every 6 hours"),
    (1440, "Once a day"),
    (10080, "Once a week"),
]
DEFAULT_RECONCILE_MINUTES = 1440


# The options a merchant chooses for a connection (the form and admin show these).
SYNC_OPTION_FIELDS = (
    "auto_sync",
    "sync_interval_minutes",
    "import_statuses",
    "import_from",
    "auto_accept",
    "push_tracking",
    "reconcile",
    "reconcile_interval_minutes",
)


class ConnectionQuerySet(models.QuerySet):
    def live(self):
        """Connections the portal may act for: not paused, not disconnected.

        Every automatic write of state goes through this, so a pause or disconnect that
        lands while a sync or push is under way always wins.
        """
        return self.exclude(status__in=[Connection.Status.PAUSED, Connection.Status.DISCONNECTED])

    def labelled(self):
        """Only what a connection's label (`str()`) reads, its platform and name: what a picker of one
        connection shows. A whole row (its JSON settings and state) costs about 0.1 ms to load, and a
        chain's 200 outlets took Add Connection past its target."""
        return self.only("platform", "name")


class Connection(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CONNECTED = "connected", "Connected"
        SYNCING = "syncing", "Syncing"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"
        PAUSED = "paused", "Paused"
        DISCONNECTED = "disconnected", "Disconnected"

    merchant = models.ForeignKey("portal.Merchant", on_delete=models.CASCADE, related_name="connections")
    platform = models.CharField(max_length=40, validators=[validate_platform])
    name = models.CharField(
        max_length=100, help_text="What the merchant calls it; the platform says what fits (its name_help)."
    )
    store_name = models.CharField(max_length=200, blank=True, help_text="The store's own name, when it differs.")
    # Written by code only (sync engine, connect/pause/disconnect services).
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, editable=False)
    base_url_override = models.URLField(
        blank=True, help_text="Staff only: send this connection's API calls to another host (sandbox, staging)."
    )

    auto_sync = models.BooleanField(default=True)
    sync_interval_minutes = models.PositiveIntegerField(default=30, choices=SYNC_INTERVAL_CHOICES)
    import_statuses = models.JSONField(default=list, blank=True, help_text="Platform states to import.")
    import_from = models.DateField(null=True, blank=True, help_text="Orders placed before this day are skipped.")
    auto_accept = models.BooleanField(default=False)
    push_tracking = models.BooleanField(default=True)
    platform_options = models.JSONField(default=dict, blank=True)
    reconcile = models.BooleanField(
        default=True, help_text="Read the open orders again now and then, and repair what the syncs missed."
    )
    reconcile_interval_minutes = models.PositiveIntegerField(
        default=DEFAULT_RECONCILE_MINUTES, choices=RECONCILE_INTERVAL_CHOICES
    )

    cursor = models.JSONField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    next_sync_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    # When the scheduler next starts a reconciliation (None while one runs; the tick sets it when missing).
    next_reconcile_at = models.DateTimeField(null=True, blank=True, editable=False)
    account_facts = models.JSONField(default=dict, blank=True, editable=False)
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The platform's clock against the portal's, as the Date of its answers said when last measured
    # (`connections.clock`): seconds ahead, negative behind. Adapters start from it; the page shows it when far off.
    clock_offset_seconds = models.IntegerField(null=True, blank=True, editable=False)
    clock_measured_at = models.DateTimeField(null=True, blank=True, editable=False)
    webhook_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The webhook secret is shown once, on the connection's page, after it is made or rotated.
    webhook_secret_shown_at = models.DateTimeField(null=True, blank=True, editable=False)
    # After a rotation the previous secret is still accepted until then.
    previous_webhook_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when a drain of this connection's webhook events is queued, cleared as it starts.
    webhook_drain_asked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the tick next looks at a webhook connection's rhythm (health.check_webhook_silence); none: at once.
    next_silence_check_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        ordering = ["merchant__name", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "merchant", "platform", name="connection_unique_name"),
        ]
        indexes = [
            # The tick's silence check: the live connections of the webhook platforms whose check is due.
            models.Index(
                fields=["platform", "next_silence_check_at"],
                condition=~Q(status__in=["paused", "disconnected"]),
                name="connection_silence_due",
            ),
            # The tick's reconciliations (reconcile.start_due): the live connections that have them, by
            # when the next is due (none: to be given a time).
            models.Index(
                fields=["platform", "next_reconcile_at"],
                condition=Q(reconcile=True) & ~Q(status__in=["paused", "disconnected"]),
                name="connection_reconcile_due",
            ),
            # The tick's repair of connections left syncing without a run (sync.repair_stuck_connections).
            models.Index(fields=["status"], condition=Q(status="syncing"), name="connection_syncing"),
        ]

    def __str__(self):
        return f"{self.adapter.short_name} \u00b7 {self.name}"

    @property
    def adapter(self):
        return registry.get(self.platform)

    @property
    def import_status_words(self) -> list[str]:
        """The states this connection imports, in its platform's words (empty: all)."""
        return [self.adapter.state(code).label for code in self.import_statuses or ()]

    def clean_fields(self, exclude=None):
        """Each field's own checks, then whether the portal would call the API host override."""
        errors = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as invalid:
            errors = invalid.error_dict
        if "base_url_override" not in {*(exclude or ()), *errors}:
            try:
                self.check_override()
            except ValidationError as refused:
                errors.update(refused.error_dict)
        if errors:
            raise ValidationError(errors)

    def check_override(self) -> None:
        """A field error in plain words when the override points where the portal sends no
        credentials (connections/platforms/outbound.py; every request is checked again)."""
        if self.base_url_override and (refusal := outbound.refusal(self.base_url_override)):
            raise ValidationError({"base_url_override": refusal})

    @property
    def base_url(self) -> str:
        return self.api_host(self.stored_credentials())

    def api_host(self, credentials: dict[str, str]) -> str:
        return self.base_url_override or self.adapter.default_base_url(credentials)

    @property
    def is_active(self) -> bool:
        return self.status not in (self.Status.PAUSED, self.Status.DISCONNECTED, self.Status.PENDING)

    def _credential_or_none(self) -> Credential | None:
        if self.pk is None:
            return None
        try:
            return self.credential
        except Credential.DoesNotExist:
            return None

    def stored_credentials(self) -> dict[str, str]:
        """The decrypted credentials; CredentialsUnreadable when FERNET_KEYS cannot decrypt them."""
        credential = self._credential_or_none()
        return credential.values() if credential else {}

    def credentials_readable(self) -> bool:
        """Whether FERNET_KEYS decrypts the stored credentials (True when there are none)."""
        try:
            self.stored_credentials()
        except CredentialsUnreadable:
            return False
        return True

    def stored_digests(self) -> dict[str, str]:
        """Digests of the webhook secrets (`Credential.digests`): read without decrypting anything."""
        credential = self._credential_or_none()
        return dict(credential.digests) if credential else {}

    def credential_hints(self) -> dict[str, str]:
        """Safe reminders of the stored credentials, e.g. {"token": "…a1b2"}."""
        credential = self._credential_or_none()
        return dict(credential.hints) if credential else {}

    def schedule_next_sync(self, now=None):
        """The next automatic sync time, or None when auto-sync is off or not active."""
        now = now or timezone.now()
        if self.auto_sync and self.is_active:
            return now + timedelta(minutes=self.sync_interval_minutes)
        return None

    @property
    def reconciles(self) -> bool:
        """Whether the scheduler reads this connection's open orders again (its setting, its platform)."""
        return self.reconcile and self.adapter.reconciliation is not None

    def schedule_next_reconcile(self, now=None):
        """The next reconciliation's time, or None when it is off or the connection is not active."""
        now = now or timezone.now()
        if self.reconciles and self.is_active:
            return now + timedelta(minutes=self.reconcile_interval_minutes)
        return None


class Credential(models.Model):
    """A connection's credentials. The values are encrypted at rest and never shown back.

    They are decrypted when read (`values`), not when the row is loaded, so a page that shows
    only the hints, or a webhook checked against the digests, works whatever FERNET_KEYS holds.
    """

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="credential")
    secret = SealedTextField(help_text="JSON object of every credential value, encrypted with FERNET_KEYS.")
    hints = models.JSONField(default=dict, blank=True, help_text="e.g. {'token': '\u2026a1b2'}, for display.")
    digests = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Salted digests of the webhook secrets, which a delivery is checked against without decrypting.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Credentials of {self.connection}"

    def values(self) -> dict[str, str]:
        """The decrypted values; CredentialsUnreadable (naming FERNET_KEYS) when the keys cannot decrypt them."""
        try:
            return json.loads(opened(self.secret))
        except CredentialsUnreadable:
            raise CredentialsUnreadable(self.connection_id) from None

    def set_values(self, values: dict[str, str], fields) -> None:
        """Store every value encrypted; keep display hints only for the platform's declared
        fields (a secret's last characters, a choice's value), never for anything else; and
        the digests of the webhook secrets when the platform's webhook can be checked by them."""
        self.secret = json.dumps(values)
        self.hints = {
            f.name: (hint(values[f.name]) if f.secret else values[f.name]) for f in fields if values.get(f.name)
        }
        part = registry.get(self.connection.platform).deliveries
        self.digests = part.digests(values) if part is not None else {}


def hint(value: str) -> str:
    """A short, safe reminder of a secret: its last four characters, only when long enough."""
    if not value:
        return ""
    return f"\u2026{value[-4:]}" if len(value) >= 12 else "\u2026(set)"


class SyncRun(models.Model):
    """One fetch of a connection's orders, or one reconciliation: what the status page and progress bar read."""

    class Kind(models.TextChoices):
        SYNC = "sync", "Fetch"
        RECONCILE = "reconcile", "Check of open orders"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        # A reconciliation that stepped aside for a sync, or for the platform's rate limit: it goes
        # on from its last page after them. Not active, so the sync may run meanwhile.
        WAITING = "waiting", "Waiting"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Stopped"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Fetch Orders"
        SCHEDULED = "scheduled", "Schedule"
        RETRY = "retry", "Retry after failure"
        COMMAND = "command", "Command line"
        ADMIN = "admin", "Staff (admin)"

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    # A run whose worker was lost this many times is not resumed again by itself.
    MAX_CLAIMS = 5

    # No index of its own: the indexes below start with it. Alone, the planner took it for a day's
    # runs and filtered all 10,000 of a busy connection's, where (connection, started_at) reads the day.
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="sync_runs", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SYNC)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    full_resync = models.BooleanField(default=False, help_text="Start from the import-from date, not the cursor.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(default=timezone.now)
    # When the task was last handed to the broker; the tick hands it over again only
    # when this is older than the lease, so a busy queue never fills with copies.
    enqueued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    claims = models.PositiveIntegerField(default=0, help_text="How many times a worker took this run on.")

    pages = models.PositiveIntegerField(default=0)
    total_expected = models.PositiveIntegerField(null=True, blank=True)
    orders_seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # A reconciliation's findings: the orders it compared with the platform's copy (its `created`
    # are the missing orders it added, its `updated` the stale ones it repaired), and the open orders
    # the platform no longer has.
    checked = models.PositiveIntegerField(default=0)
    gone = models.PositiveIntegerField(default=0)
    # The numbers of the first orders a reconciliation repaired.
    repaired_examples = models.JSONField(default=list, blank=True)
    # {"reason": {"count": n, "examples": ["order number", ...]}}
    skipped_reasons = models.JSONField(default=dict, blank=True)
    # The passing faults its requests' retries absorbed (connections/platforms/faults.py), e.g.
    # {"HTTP 429": {"kind": "rate_limit", "status": 429, "count": 1, "longest_wait": 30.0}}
    retries = models.JSONField(
        default=dict, blank=True, help_text="Passing faults absorbed by retries: kind, status, count, longest wait."
    )

    # Where this run stands: the cursor stored with its last committed page.
    cursor = models.JSONField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    error_kind = models.CharField(max_length=20, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        constraints = [
            # The database itself refuses a second active run for a connection.
            models.UniqueConstraint(
                fields=["connection"],
                condition=Q(status__in=["queued", "running"]),
                name="syncrun_one_active_per_connection",
            ),
        ]
        indexes = [
            # How long a connection's fetches took per day (connections/activity.py): a range of one connection.
            models.Index(fields=["connection", "started_at"], name="syncrun_connection_started"),
            # The admin run list's order, and a connection's newest runs read backwards off the
            # index (its page, the progress bar, Order downloads' latest run, the filtered list).
            models.Index(fields=["queued_at", "id"], name="syncrun_queued_id"),
            models.Index(fields=["connection", "queued_at", "id"], name="syncrun_connection_queued_id"),
            # A connection's latest passed check of open orders, on its page: a few rows among
            # thousands of syncs, read newest first without a filter over the connection's runs.
            models.Index(
                fields=["connection", "finished_at", "id"],
                condition=Q(kind="reconcile", status="succeeded"),
                name="syncrun_check_passed",
            ),
        ]

    def __str__(self):
        return f"Sync #{self.pk} of {self.connection} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def outcome_words(self) -> str:
        """'All 178 orders were already up to date.' for a run that succeeded and found nothing to
        change (copies older than the ones held included: they are no loss); '' otherwise."""
        if self.status != self.Status.SUCCEEDED or not self.orders_seen or self.unchanged != self.orders_seen:
            return ""
        if self.orders_seen == 1:
            return "The 1 order read was already up to date."
        return f"All {self.orders_seen} orders were already up to date."

    @property
    def retries_absorbed(self) -> int:
        return faults.total(self.retries)

    @property
    def retries_summary(self) -> str:
        """'3 retries absorbed (1 rate limit, 2 server errors)', or ''."""
        return faults.describe(self.retries)

    @property
    def retries_shown(self) -> list[dict]:
        """The faults absorbed, most frequent first, each with its words: for the run's page and the admin."""
        rows = [
            {
                "label": label,
                "kind": faults.KIND_WORDS.get(entry.get("kind"), faults.KIND_WORDS[faults.OTHER])[0],
                "count": entry.get("count", 0),
                "longest_wait": entry.get("longest_wait", 0),
            }
            for label, entry in (self.retries or {}).items()
            if isinstance(entry, dict)
        ]
        return sorted(rows, key=lambda row: -row["count"])

    @property
    def is_reconciliation(self) -> bool:
        return self.kind == self.Kind.RECONCILE

    @property
    def repaired(self) -> int:
        """What a reconciliation repaired: the missing orders it added and the stale ones it updated."""
        return self.created + self.updated

    @property
    def findings(self) -> str:
        """A reconciliation's findings in words: "checked 4,120 orders, 0 missing, 0 stale"."""
        if self.repaired:
            said = f"repaired {self.updated:,} stale, {self.created:,} missing, of {self.checked:,} checked"
        else:
            said = f"checked {self.checked:,} order{'s' if self.checked != 1 else ''}, 0 missing, 0 stale"
        if self.gone:
            said += f"; {self.gone:,} no longer on the platform"
        return said

    @property
    def progress_percent(self) -> int | None:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total_expected:
            return None
        return min(99, int(100 * self.orders_seen / self.total_expected))

    @staticmethod
    def lost_before():
        """A running run whose heartbeat is older than this has lost its worker (SYNC_LOST_SECONDS)."""
        return timezone.now() - timedelta(seconds=settings.SYNC_LOST_SECONDS)

    @property
    def lost_at(self):
        """The lost worker's last sign of life, when this run is running without one; else None.

        Worked out from the heartbeat's age on every read, so a page says it before the tick
        has resumed the run (heartbeat.py says why a live worker is never taken for lost)."""
        if self.status == self.Status.RUNNING and self.heartbeat_at and self.heartbeat_at < self.lost_before():
            return self.heartbeat_at
        return None

    @property
    def status_words(self) -> str:
        return "Worker lost" if self.lost_at else self.get_status_display()

    @property
    def lost_words(self) -> str:
        """What the pages say about a lost worker, and what happens next ("" while none is lost)."""
        lost_at = self.lost_at
        if lost_at is None:
            return ""
        said = f"Worker lost at {timezone.localtime(lost_at):%H:%M} (its last sign of life)"
        if self.claims >= self.MAX_CLAIMS:
            return (
                f"{said}, the {self.claims}th time in this fetch: it is not resumed again and stops at the next tick."
            )
        return f"{said}; resuming from the last saved page…"


class HostBudget(models.Model):
    """Requests made to one platform host in the current window, shared by every process.

    See `connections.throttle`: it is only ever changed by conditional UPDATEs.
    """

    host = models.CharField(max_length=255, unique=True)
    window_started_at = models.DateTimeField()
    used = models.PositiveIntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True, help_text="The host answered 429: wait until then.")

    def __str__(self):
        return f"{self.host}: {self.used} since {self.window_started_at:%H:%M:%S}"


class WebhookEvent(models.Model):
    """One order event a platform pushed, stored raw before anything else is done with it."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        NOT_APPLIED = "not_applied", "Not applied (unknown status)"
        FAILED = "failed", "Failed"

    # No index of its own: the two below start with it. Every index is written by each event's
    # INSERT, the webhook's one durable write (bench/webhook.py), so there are no more than needed.
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="webhook_events", db_index=False)
    received_at = models.DateTimeField(default=timezone.now)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True, help_text="As received, less the Authorization header.")
    body = models.TextField()
    dedupe_key = models.CharField(max_length=255)
    # A second key of the same delivery, when the platform sends two ids (a delivery id and an
    # event id): a repeat of either is a duplicate.
    alt_dedupe_key = models.CharField(max_length=255, blank=True, default="")
    order_external_id = models.CharField(max_length=100, blank=True)
    event_status = models.CharField(max_length=50, blank=True)
    event_updated_at = models.DateTimeField(null=True, blank=True)
    duplicates = models.PositiveIntegerField(default=0, help_text="Copies received after this one, acknowledged.")

    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="What processing did, in words.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "dedupe_key"], name="webhookevent_unique_per_connection"),
            models.UniqueConstraint(
                fields=["connection", "alt_dedupe_key"],
                condition=~Q(alt_dedupe_key=""),
                name="webhookevent_unique_alt_key",
            ),
        ]
        indexes = [
            models.Index(fields=["connection", "state"], name="webhookevent_conn_state"),
            # A connection's latest events: the silence check each minute, its page, its timeline.
            models.Index(fields=["connection", "received_at"], name="webhookevent_conn_received"),
            # The admin's event list, newest first, read a page at a time instead of sorting them all.
            models.Index(fields=["received_at", "id"], name="webhookevent_received_id"),
            # The tick's drain (webhooks.drain_due): events waiting to be applied, and events a worker
            # holds. Partial, so they hold only the events not yet applied; the first is written by
            # each event's INSERT, the second only when a drain claims events.
            models.Index(fields=["received_at"], condition=Q(state="received"), name="webhookevent_received_wait"),
            models.Index(fields=["claimed_at"], condition=Q(state="processing"), name="webhookevent_claimed_stale"),
        ]

    def __str__(self):
        return f"{self.event_status or 'event'} for {self.order_external_id or '?'} ({self.get_state_display()})"


class Problem(models.Model):
    """Something wrong with a connection, recorded once while it lasts (see `connections.health`).

    One open problem per connection and cause: a repeat raises its count and last-seen
    time. It closes by itself when the cause goes away; the merchant's members are
    mailed once when it opens and once when it closes.
    """

    class Cause(models.TextChoices):
        CREDENTIALS_REJECTED = "credentials_rejected", "Credentials rejected"
        PLATFORM_REFUSING = "platform_refusing", "Platform refusing"
        REPEATED_FAILURES = "repeated_failures", "Repeated failures"
        WEBHOOK_SILENT = "webhook_silent", "Webhooks silent"
        CREDENTIALS_UNREADABLE = "credentials_unreadable", "Credentials unreadable (FERNET_KEYS)"
        SYNC_MISSES_CHANGES = "sync_misses_changes", "Syncs missing changes"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="problems")
    cause = models.CharField(max_length=30, choices=Cause.choices)
    message = models.TextField()
    count = models.PositiveIntegerField(default=1)
    # Indexed for the fleet's problems opened per day (connections/fleet.py), as closed_at is for those closed.
    first_seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    opened_mail_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_mail_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "cause"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_problem_per_cause",
            )
        ]
        # The admin's problem list, last seen first (ties by id, as the list adds it).
        indexes = [models.Index(fields=["last_seen_at", "id"], name="problem_last_seen_id")]

    def __str__(self):
        state = "closed" if self.closed_at else "open"
        return f"{self.get_cause_display()} on {self.connection} ({state}, seen {self.count}x)"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class KeyCanary(models.Model):
    """A known text encrypted with FERNET_KEYS, to tell at start-up and on /healthz whether the keys
    still decrypt what is stored (`connections.keys`). Written on a new install (the first check)
    and again by `rotate_fernet_keys`, with the first key, as every credential is."""

    TEXT = "FERNET_KEYS decrypt this portal's credentials."

    sealed = SealedTextField()
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "FERNET_KEYS check value"

    def __str__(self):
        return f"FERNET_KEYS check value, written {self.written_at:%Y-%m-%d %H:%M}"
