"""Merchant pages for connections: Order downloads, Manage Connection, a connection's page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from audit.trail import Actor
from orders.skipped import still_missing
from portal.access import merchant_required
from portal.counting import count_up_to
from portal.models import Heartbeat

from . import clock, health, schedule_words, services
from .forms import AccountForm, header_value
from .models import Connection, Problem, SyncRun, WebhookEvent
from .platforms import registry
from .platforms.deliveries import typed_secret_problem
from .reveal import PasswordAgainForm
from .sealed import STAFF_FIX, UNREADABLE_WORDS
from .sync import SyncRefused, request_sync

RECENT_RUNS = 10
#: Order downloads and Manage Connection show this many connections a page, by name: a chain's hundreds
#: of outlets cost 0.2-0.5 ms a row to render (200 took Order downloads to 130 ms and 540 KB).
CONNECTIONS_PER_PAGE = 25
PROBLEMS_FIXED_SHOWN_FOR = timedelta(days=7)
# The tick runs every minute; past this the page warns that nothing is scheduling syncs.


def _connections(request):
    return Connection.objects.filter(merchant=request.merchant)


def _connection(request, pk) -> Connection:
    """One of the merchant's connections, with its merchant and stored credentials (one query)."""
    return get_object_or_404(_connections(request).select_related("merchant", "credential"), pk=pk)


def _adapter_or_404(key: str):
    try:
        return registry.get(key)
    except LookupError:
        raise Http404("No such platform") from None


def _back(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _connections_page(request) -> tuple[Page, dict]:
    """One page of the merchant's connections by name, those whose name holds `?q=` if given, each read
    with `latest_run_id` (for `_with_latest_run`); and what the page's links and filter keep (`q`, and
    `query`: the other parameters). A first page that holds them all is not counted: most merchants
    have one page, and the count would be a query more for nothing."""
    search = request.GET.get("q", "").strip()
    newest = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-queued_at", "-id").values("pk")[:1]
    connections = _connections(request).annotate(latest_run_id=Subquery(newest)).order_by("name", "id")
    if search:
        connections = connections.filter(name__icontains=search)
    number = request.GET.get("page")
    paginator = Paginator(connections, CONNECTIONS_PER_PAGE)
    if number:
        page = paginator.get_page(number)
    else:  # the first page, and one more row to say whether there is a second
        rows = list(connections[: CONNECTIONS_PER_PAGE + 1])
        if len(rows) <= CONNECTIONS_PER_PAGE:
            paginator = Paginator(rows, CONNECTIONS_PER_PAGE)  # counted by len()
        page = Page(rows[:CONNECTIONS_PER_PAGE], 1, paginator)
    query = request.GET.copy()
    query.pop("page", None)
    return page, {"q": search, "query": query.urlencode()}


def _with_latest_run(connections) -> list[Connection]:
    """The connections, read with `latest_run_id` (`_connections_page`), each with `latest_run` (or None):
    one query."""
    connections = list(connections)
    runs = SyncRun.objects.in_bulk([c.latest_run_id for c in connections if c.latest_run_id])
    for connection in connections:
        connection.latest_run = runs.get(connection.latest_run_id)
    return connections


# -- pages ------------------------------------------------------------------------------------


@merchant_required
@require_GET
def downloads(request):
    """Order downloads: the connections, a page at a time, each with its Fetch Orders button and progress."""
    page, paging = _connections_page(request)
    connections = _with_first_download(_with_latest_run(page.object_list))
    problems = _problems_to_show(Problem.objects.filter(connection__merchant=request.merchant))
    health.healths(connections, [problem for problem in problems if problem.is_open])
    context = {"connections": connections, "page": page, **paging, "problems": problems}
    return render(request, "connections/downloads.html", context)


def _credentials_shown(connection: Connection) -> list[tuple[str, str]]:
    """(label, what is shown) per stored credential: a secret's hint, a choice's label."""
    fields = {f.name: f for f in connection.adapter.credential_fields}
    shown = []
    for name, hint in connection.credential_hints().items():
        field = fields.get(name)
        if field is None:
            continue
        shown.append((field.label, dict(field.choices).get(hint, hint) if not field.secret else hint))
    return shown


def _unreadable_notice(connection: Connection) -> str:
    """What the page says when FERNET_KEYS cannot decrypt the stored credentials ('' when it can)."""
    if connection.credentials_readable():
        return ""
    return (
        f"{UNREADABLE_WORDS} Orders already imported stay; fetches and webhook events wait. Staff: {STAFF_FIX} "
        "If that key is lost for good, Disconnect this connection and enter its credentials again with Edit."
    )


def _problems_to_show(problems) -> list[Problem]:
    """The open problems, then those fixed in the last week, newest first."""
    recent = timezone.now() - PROBLEMS_FIXED_SHOWN_FOR
    shown = problems.filter(Q(closed_at=None) | Q(closed_at__gte=recent)).select_related("connection")
    return sorted(shown, key=lambda p: (not p.is_open, -p.last_seen_at.timestamp()))


@merchant_required
@require_GET
def manage(request):
    """Manage Connection: the integrations with their Add Account, and the accounts added."""
    return _render_manage(request)


def _render_manage(request, *, open_form: AccountForm | None = None, failure=None, status=200):
    forms = []
    for adapter in registry.all_platforms():
        if open_form is not None and open_form.adapter.key == adapter.key:
            forms.append(open_form)
        else:
            form = AccountForm(adapter, request.merchant, auto_id=f"id_{adapter.key}_%s")
            form.blank_fields = _blank_account_fields(form)
            forms.append(form)
    page, paging = _connections_page(request)
    context = {
        "account_forms": forms,
        "open_platform": open_form.adapter.key if open_form is not None else "",
        "failure": failure,
        "connections": _with_first_download(_with_latest_run(page.object_list)),
        "page": page,
        **paging,
    }
    return render(request, "connections/manage.html", context, status=status)


_BLANK_ACCOUNT_FIELDS: dict[str, str] = {}


def _blank_account_fields(form: AccountForm) -> str:
    """The fields of a platform's blank Add Account form, rendered once per process.

    Manage Connection carries every platform's Add Account dialog, and rendering their widgets
    was most of the page's time (some fifty fields, ~25 ms). A blank form is the same for every
    merchant (the merchant only matters when a typed one is checked), so each process renders
    it once; with DEBUG on, each time, so edited templates show at once.
    """
    if settings.DEBUG:
        return render_to_string("connections/_account_fields.html", {"form": form})
    if form.adapter.key not in _BLANK_ACCOUNT_FIELDS:
        _BLANK_ACCOUNT_FIELDS[form.adapter.key] = render_to_string("connections/_account_fields.html", {"form": form})
    return _BLANK_ACCOUNT_FIELDS[form.adapter.key]


def _with_first_download(connections: list[Connection], seen: Iterable[SyncRun] = ()) -> list[Connection]:
    """Each connection with `first_download`: the words about its automatic first download, or ''
    (`seen`: runs already loaded, as `schedule_words.first_fetches` takes them)."""
    fetches = schedule_words.first_fetches(connections, seen)
    for connection in connections:
        only = fetches.get(connection.pk, False)
        connection.first_download = "" if only is False else schedule_words.first_download_words(connection, only)
    return connections


@merchant_required
def add_account(request, platform):
    """The Add Account dialog's form: check the credentials, then save, or say what is wrong."""
    adapter = _adapter_or_404(platform)
    if request.method != "POST":
        form = AccountForm(adapter, request.merchant, auto_id=f"id_{adapter.key}_%s")
        return _render_manage(request, open_form=form)
    form = AccountForm(adapter, request.merchant, request.POST, auto_id=f"id_{adapter.key}_%s")
    if not form.is_valid():
        return _render_manage(request, open_form=form, status=400)
    try:
        connection = services.create_connection(
            request.merchant,
            adapter.key,
            form.cleaned_data["name"],
            form.credentials,
            form.options,
            actor=Actor.from_request(request),
        )
    except services.CheckFailed as failure:
        form.focus_credentials()
        return _render_manage(request, open_form=form, failure=failure, status=400)
    except services.NameTaken:
        form.add_error("name", form.name_taken_message(form.cleaned_data["name"]))
        return _render_manage(request, open_form=form, status=400)
    first = schedule_words.first_download_words(connection, None)
    messages.success(
        request,
        f"{adapter.short_name} account {connection.name} is connected. "
        f"{connection.account_facts.get('summary', '')} {first}".strip(),
    )
    return redirect("connections:detail", pk=connection.pk)


@merchant_required
@require_GET
@never_cache  # it shows a webhook secret the portal made, once: no browser or proxy cache may keep a copy
def detail(request, pk):
    return _detail_response(request, _connection(request, pk))


@merchant_required
@require_POST
@never_cache  # the answer holds the decrypted secret: Cache-Control no-store
def reveal_webhook_secret(request, pk):
    """Show the webhook secret the portal made again, to a member who types their password."""
    connection = _connection(request, pk)
    if not services.secret_shown_again(connection):
        raise Http404("This connection has no webhook secret the portal can show.")
    form = PasswordAgainForm(request, request.POST)
    if not form.is_valid():
        return _detail_response(request, connection, form=form, status=400)
    secret = services.reveal_webhook_secret_again(connection, actor=Actor.from_request(request))
    return _detail_response(request, connection, revealed=secret)


def _detail_response(request, connection: Connection, *, revealed: str = "", form=None, status: int = 200):
    """The connection's page; a TemplateResponse whose `form` (the password asked before the secret is
    shown again) portal.lockout can put the cool-off on."""
    runs = list(connection.sync_runs.all()[:RECENT_RUNS])
    heartbeat = Heartbeat.last_tick()
    scheduler_running = Heartbeat.is_recent(heartbeat)
    active_run = next((r for r in runs if r.is_active), None)
    context = {
        "connection": connection,
        "credentials_unreadable": _unreadable_notice(connection),
        "adapter": connection.adapter,
        "problems": _problems_to_show(connection.problems.all()),
        "retry_notice": health.retry_notice(connection, runs),
        "clock_skew": clock.skew_words(connection),
        "not_imported": still_missing(connection.skipped_orders.all()).count(),
        # Capped ("10,000+"): counting a big connection's 400,000 orders cost more than the page.
        "orders_held": count_up_to(connection.orders.all()),
        "runs": runs,
        "last_check": _last_check(connection),
        "active_run": active_run,
        "next_sync": schedule_words.next_sync_words(connection, active_run, scheduler_running=scheduler_running),
        "first_download": _first_download(connection, runs),
        "credentials_shown": _credentials_shown(connection),
        "scheduler_heartbeat": heartbeat,
        "scheduler_silent": connection.auto_sync and not scheduler_running,
        "authorization": connection.adapter.authorization,
        "authorization_pending": services.authorization_pending(connection),
        "webhook": _webhook_facts(request, connection, revealed) if connection.adapter.deliveries else None,
        "form": form or PasswordAgainForm(request),
    }
    return TemplateResponse(request, "connections/detail.html", context, status=status)


def _first_download(connection: Connection, runs: list[SyncRun]) -> str:
    return _with_first_download([connection], runs)[0].first_download


def _last_check(connection: Connection) -> SyncRun | None:
    """The latest reconciliation that finished its pass: the page's trust signal."""
    if connection.adapter.reconciliation is None:
        return None
    finished = connection.sync_runs.filter(kind=SyncRun.Kind.RECONCILE, status=SyncRun.Status.SUCCEEDED)
    return finished.order_by("-finished_at", "-id").first()


def _webhook_facts(request, connection: Connection, revealed: str = "") -> dict:
    """The webhook URL, the secret (once, right after the portal made it, or `revealed` again to a
    member who typed their password) and the latest events."""
    events = connection.webhook_events.all()
    # Per state, each a range of the (connection, state) index, capped: an aggregate with
    # FILTER read every event of the connection (100,000 on a busy connection).
    counts = {
        "failed": count_up_to(events.filter(state=WebhookEvent.State.FAILED)),
        "not_applied": count_up_to(events.filter(state=WebhookEvent.State.NOT_APPLIED)),
    }
    deliveries = connection.adapter.deliveries
    return {
        "part": deliveries,
        "url": request.build_absolute_uri(reverse("webhook", args=[connection.platform, connection.webhook_id])),
        "secret": revealed or services.reveal_webhook_secret(connection),
        "revealed_again": bool(revealed),
        "can_reveal": services.secret_shown_again(connection),
        "previous_until": connection.previous_webhook_secret_until
        if connection.previous_webhook_secret_until and connection.previous_webhook_secret_until > timezone.now()
        else None,
        "recent": list(events[:10]),
        **counts,
    }


@merchant_required
@require_POST
def rotate_webhook_secret(request, pk):
    connection = _connection(request, pk)
    deliveries = connection.adapter.deliveries
    if deliveries is None:
        raise Http404("This platform sends no webhooks.")
    typed = header_value(request.POST.get("secret", ""))
    if problem := typed_secret_problem(typed):
        messages.error(request, problem)
        return redirect("connections:detail", pk=connection.pk)
    try:
        services.rotate_webhook_secret(connection, typed, actor=Actor.from_request(request))
    except services.SecretRequired as exc:
        messages.error(request, str(exc))
        return redirect("connections:detail", pk=connection.pk)
    hours = settings.WEBHOOK_SECRET_GRACE_HOURS
    paste = f"Paste it into {connection.adapter.short_name}'s webhook settings; " if deliveries.makes_secret else ""
    messages.success(
        request,
        f"New webhook secret saved. {paste}The old one is accepted for {hours} more hour{'s' if hours != 1 else ''}.",
    )
    return redirect("connections:detail", pk=connection.pk)


@merchant_required
def edit(request, pk):
    connection = _connection(request, pk)
    adapter = connection.adapter
    failure = None
    if unreadable := _unreadable_notice(connection):
        # Saving would need the stored values (blank secrets keep them): nothing is changed until they can be read.
        form = AccountForm(adapter, request.merchant, connection=connection)
        context = {"connection": connection, "form": form, "failure": None, "credentials_unreadable": unreadable}
        return render(request, "connections/edit.html", context, status=409 if request.method == "POST" else 200)
    if request.method == "POST":
        form = AccountForm(adapter, request.merchant, request.POST, connection=connection)
        if form.is_valid():
            try:
                services.update_connection(
                    connection,
                    form.cleaned_data["name"],
                    form.credentials,
                    form.options,
                    actor=Actor.from_request(request),
                )
            except services.CheckFailed as exc:
                failure = exc
                form.focus_credentials()
                connection.refresh_from_db()
            except services.NameTaken:
                form.add_error("name", form.name_taken_message(form.cleaned_data["name"]))
                connection.refresh_from_db()
            else:
                messages.success(request, f"Saved the changes to {connection.name}.")
                return redirect("connections:detail", pk=connection.pk)
    else:
        form = AccountForm(adapter, request.merchant, connection=connection)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "connections/edit.html", {"connection": connection, "form": form, "failure": failure}, status=status
    )


@merchant_required
@require_GET
def run_detail(request, pk, run_id):
    connection = _connection(request, pk)
    run = get_object_or_404(connection.sync_runs, pk=run_id)
    return render(request, "connections/run.html", {"connection": connection, "run": run})


@merchant_required
@require_GET
def progress(request, pk):
    """The latest run of a connection, for the progress bars (polled while a run is active)."""
    connection = _connection(request, pk)
    run = connection.sync_runs.order_by("-queued_at", "-id").first()
    return JsonResponse(
        {
            "connection": {
                "id": connection.pk,
                "status": connection.status,
                "status_label": connection.get_status_display(),
                "last_error": connection.last_error,
            },
            "run": run_progress(run),
        }
    )


def run_progress(run: SyncRun | None) -> dict | None:
    if run is None:
        return None
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": run.status_words,
        "active": run.is_active,
        # Running, but its worker gave no sign of life for SYNC_LOST_SECONDS: when, and what happens next.
        "lost_at": run.lost_at.isoformat() if run.lost_at else None,
        "lost": run.lost_words,
        "pages": run.pages,
        "orders_seen": run.orders_seen,
        "total_expected": run.total_expected,
        "percent": run.progress_percent,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "skipped": run.skipped,
        "error": run.error,
    }


# -- actions ----------------------------------------------------------------------------------


@merchant_required
@require_POST
def fetch(request, pk):
    """Fetch Orders: queue a sync, or point at the one already running."""
    connection = _connection(request, pk)
    back = _back(request, reverse("connections:detail", args=[pk]))
    try:
        run, created = request_sync(
            connection, trigger=SyncRun.Trigger.MANUAL, user=request.user, full=request.POST.get("full") == "1"
        )
    except SyncRefused as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if created:
        messages.info(request, f"Fetching orders from {connection}.")
    elif run.is_reconciliation:
        messages.info(request, f"A check of {connection}'s open orders is under way; it pauses for your fetch shortly.")
    else:
        since = timezone.localtime(run.started_at or run.queued_at)
        already = f"A fetch of {connection} is already under way (since {since:%H:%M})."
        if run.lost_words:  # request_sync has handed it to the broker again
            messages.warning(request, f"{already} {run.lost_words}")
        else:
            messages.info(request, already)
    return redirect(back)


@merchant_required
@require_POST
def test(request, pk):
    connection = _connection(request, pk)
    if connection.credentials_readable() and not connection.stored_credentials():
        label = connection.adapter.credential_fields[0].label
        messages.error(request, f"This connection has no {label} stored. Click Edit to enter it.")
        return redirect("connections:detail", pk=pk)
    try:
        facts = services.test_connection(connection, actor=Actor.from_request(request))
    except services.CheckFailed as failure:
        messages.error(request, f"Test failed. {failure}")
    else:
        messages.success(request, f"Test passed. {facts.summary}")
    return redirect("connections:detail", pk=pk)


@merchant_required
@require_POST
def pause(request, pk):
    connection = _connection(request, pk)
    services.pause(connection, actor=Actor.from_request(request))
    messages.info(request, f"{connection} is paused: no automatic imports or pushes until you resume it.")
    return redirect(_back(request, reverse("connections:detail", args=[pk])))


@merchant_required
@require_POST
def resume(request, pk):
    connection = _connection(request, pk)
    services.resume(connection, actor=Actor.from_request(request))
    messages.success(request, f"{connection} is resumed.")
    return redirect(_back(request, reverse("connections:detail", args=[pk])))


@merchant_required
def disconnect(request, pk):
    connection = _connection(request, pk)
    if request.method == "POST":
        services.disconnect(connection, actor=Actor.from_request(request))
        messages.info(
            request,
            f"{connection} is disconnected and its credentials are deleted. Its orders stay in the portal.",
        )
        return redirect("connections:detail", pk=pk)
    return render(request, "connections/disconnect.html", {"connection": connection})


# -- the authorization handshake (a platform's `Authorization` part) --------------------------------


@merchant_required
@require_POST
def start_authorization(request, pk):
    """Staff: send the platform's first request of its authorization, for the merchant."""
    connection = _connection(request, pk)
    if not request.user.is_staff:
        raise PermissionDenied("Only staff start the authorization.")
    try:
        services.start_authorization(connection, actor=Actor.from_request(request))
    except services.CheckFailed as failure:
        messages.error(request, f"The authorization could not start. {failure}")
    else:
        messages.success(request, "Authorization requested. " + connection.adapter.authorization.approve_words)
    return redirect("connections:detail", pk=pk)


@merchant_required
@require_POST
def finish_authorization(request, pk):
    """The merchant pastes the verification code the platform showed on approval."""
    connection = _connection(request, pk)
    code = request.POST.get("code", "").strip()
    if not code:
        messages.error(
            request,
            f"Paste the verification code {connection.adapter.short_name} showed when you approved the application.",
        )
        return redirect("connections:detail", pk=pk)
    try:
        facts = services.finish_authorization(connection, code, actor=Actor.from_request(request))
    except services.CheckFailed as failure:
        messages.error(request, f"The code was not accepted. {failure}")
    else:
        messages.success(request, f"{connection} is connected. {facts.summary}")
    return redirect("connections:detail", pk=pk)
