"""The Add Connection wizard (the DropStream way), for every platform in the registry.

Four steps: Basic Information, Merchant Information, Sync Settings, Store Setup. What
is typed is kept in the session between steps so Back and forward lose nothing, except
secrets: a credential marked secret is never written to the session, a cookie or a
hidden field; it is typed on the last step and used there. Add connection checks the
credentials with the platform and saves, or shows the platform's answer on that step.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from audit.trail import Actor
from portal.forms import PortalForm
from portal.models import Merchant

from . import services
from .forms import (
    add_credential_problems,
    clean_connection_name,
    credential_form_field,
    name_taken_message,
    sync_option_fields,
    sync_options_from,
)
from .models import Connection
from .platforms import registry

SESSION_KEY = "add_connection_wizard"
STEPS = (
    ("basic", "Basic Information"),
    ("merchant", "Merchant Information"),
    ("sync", "Sync Settings"),
    ("store", "Store Setup"),
)
STEP_NAMES = [name for name, _ in STEPS]


# -- the step forms ---------------------------------------------------------------------------


class BasicForm(PortalForm):
    name = forms.CharField(label="Connection Name", max_length=100, help_text="How this connection is shown.")


class MerchantForm(PortalForm):
    """Staff pick the merchant or create one; a merchant member only sees their own."""

    merchant_choice = forms.ChoiceField(
        label="Merchant",
        choices=(("existing", "An existing merchant"), ("new", "A new merchant")),
        widget=forms.RadioSelect,
        initial="existing",
    )
    merchant = forms.ModelChoiceField(label="Existing merchant", queryset=Merchant.objects.all(), required=False)
    new_merchant_name = forms.CharField(label="New merchant's name", max_length=200, required=False)

    def __init__(self, *args, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = staff
        if not staff:
            self.fields.clear()

    def clean(self):
        cleaned = super().clean()
        if not self.staff:
            return cleaned
        if cleaned.get("merchant_choice") == "new" and not cleaned.get("new_merchant_name", "").strip():
            self.add_error("new_merchant_name", "Enter the new merchant's name.")
        if cleaned.get("merchant_choice") == "existing" and not cleaned.get("merchant"):
            self.add_error("merchant", "Pick the merchant.")
        return cleaned


class SyncForm(PortalForm):
    def __init__(self, *args, adapter, **kwargs):
        super().__init__(*args, **kwargs)
        self.adapter = adapter
        self.fields.update(sync_option_fields(adapter))


class StoreForm(PortalForm):
    """Create new store (or use an existing one), its Name and Platform, and the credentials.

    Every platform's credential fields are on the page (prefixed with its key); only the
    chosen platform's are validated. portal.js shows the chosen platform's group.
    """

    store_choice = forms.ChoiceField(
        label="Store",
        choices=(("new", "Create new store"), ("existing", "Use an existing store")),
        widget=forms.RadioSelect,
        initial="new",
    )
    existing = forms.ModelChoiceField(label="Existing store", queryset=Connection.objects.none(), required=False)
    store_name = forms.CharField(label="Name", max_length=200, required=False, help_text="The store's name.")
    platform = forms.ChoiceField(label="Platform")

    def __init__(self, *args, merchant: Merchant | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = [(p.key, p.name) for p in registry.all_platforms()]
        if merchant is not None:
            self.fields["existing"].queryset = Connection.objects.filter(merchant=merchant)
        if not self.fields["existing"].queryset.exists():
            self.fields["store_choice"].choices = [("new", "Create new store")]  # nothing to pick from
        for adapter in registry.all_platforms():
            for spec in adapter.credential_fields:
                self.fields[f"{adapter.key}-{spec.name}"] = credential_form_field(spec, required=False)

    def platform_groups(self):
        """[(adapter, [bound fields])] for the template."""
        return [
            (adapter, [self[f"{adapter.key}-{spec.name}"] for spec in adapter.credential_fields])
            for adapter in registry.all_platforms()
        ]

    def clean(self):
        cleaned = super().clean()
        adapter = registry.get(cleaned.get("platform") or registry.all_platforms()[0].key)
        existing = cleaned.get("existing")
        if cleaned.get("store_choice") == "existing":
            if existing is None:
                self.add_error("existing", "Pick the store.")
            elif existing.platform != adapter.key:
                self.add_error("existing", f"That store is on {existing.adapter.short_name}, not {adapter.short_name}.")
        editing = cleaned.get("store_choice") == "existing" and existing is not None
        for spec in adapter.credential_fields:
            name = f"{adapter.key}-{spec.name}"
            if spec.required and not cleaned.get(name) and not (editing and spec.secret):
                self.add_error(name, "This field is required.")
        typed = {spec.name: cleaned.get(f"{adapter.key}-{spec.name}") or "" for spec in adapter.credential_fields}
        add_credential_problems(self, adapter, typed, existing if editing else None, prefix=f"{adapter.key}-")
        return cleaned

    def credentials(self) -> dict[str, str]:
        adapter = registry.get(self.cleaned_data["platform"])
        return {
            spec.name: self.cleaned_data.get(f"{adapter.key}-{spec.name}") or "" for spec in adapter.credential_fields
        }

    def secret_names(self) -> set[str]:
        return {f"{a.key}-{s.name}" for a in registry.all_platforms() for s in a.credential_fields if s.secret}


# -- what the session keeps ------------------------------------------------------------------


class WizardState:
    """The steps' submitted values, minus secrets, in the session."""

    def __init__(self, request):
        self.request = request
        self.data = request.session.setdefault(SESSION_KEY, {})

    def save_step(self, step: str, post: QueryDict, drop=()) -> None:
        kept = {k: v for k, v in post.lists() if k != "csrfmiddlewaretoken" and k not in drop and k != "go"}
        self.data[step] = kept
        self.request.session.modified = True

    def step_data(self, step: str) -> QueryDict:
        data = QueryDict(mutable=True)
        for key, values in self.data.get(step, {}).items():
            data.setlist(key, values)
        return data

    def has(self, step: str) -> bool:
        return step in self.data

    @property
    def platform(self) -> str:
        chosen = self.data.get("platform")
        return chosen if registry.is_known(chosen) else registry.all_platforms()[0].key

    def set_platform(self, key: str) -> None:
        self.data["platform"] = key
        self.request.session.modified = True

    def clear(self) -> None:
        self.request.session.pop(SESSION_KEY, None)


# -- the view ------------------------------------------------------------------------------------


def member_or_staff(view):
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.merchant is None and not request.user.is_staff:
            raise PermissionDenied("The Add Connection wizard is for merchant members and staff.")
        return view(request, *args, **kwargs)

    return wrapper


@member_or_staff
def start(request):
    """Add Connection: a fresh wizard, optionally for one platform (?platform=<key>)."""
    state = WizardState(request)
    state.clear()
    state = WizardState(request)
    if request.GET.get("platform"):
        state.set_platform(request.GET["platform"])
    return redirect("connections:wizard_step", step=STEP_NAMES[0])


@member_or_staff
def step_view(request, step):
    if step not in STEP_NAMES:
        raise Http404("No such step")
    state = WizardState(request)
    index = STEP_NAMES.index(step)
    staff = request.user.is_staff
    if request.method == "POST":
        go = request.POST.get("go", "next")
        form = _form(step, request, state, data=request.POST)
        drop = form.secret_names() if isinstance(form, StoreForm) else ()
        if go == "back":
            state.save_step(step, request.POST, drop=drop)  # kept as typed, errors and all
            return redirect("connections:wizard_step", step=STEP_NAMES[max(0, index - 1)])
        chosen = request.POST.get("platform")
        if step == "store" and chosen != state.platform and registry.is_known(chosen):
            return _switch_platform(request, state, chosen, drop)
        if form.is_valid():
            state.save_step(step, request.POST, drop=drop)
            if step == "store":
                return _finish(request, state, form)
            return redirect("connections:wizard_step", step=STEP_NAMES[index + 1])
    else:
        form = _form(step, request, state, data=state.step_data(step) if state.has(step) else None)
        if form.is_bound:
            form.is_valid()  # show what was wrong when the merchant left it
            if step == "store":
                form.errors.clear()  # the secrets were never kept: not an error of theirs
    return _render(request, state, step, form, staff=staff)


def _switch_platform(request, state: WizardState, key: str, drop) -> HttpResponse:
    """Another Platform on Store Setup: its Sync Settings differ (states, writes), so show them first."""
    state.save_step("store", request.POST, drop=drop)
    state.set_platform(key)
    state.data.pop("sync", None)
    adapter = registry.get(key)
    messages.info(
        request,
        f"Sync Settings are now {adapter.short_name}'s: check them, then continue. "
        "You will enter the credentials on Store Setup.",
    )
    return redirect("connections:wizard_step", step="sync")


def _form(step, request, state: WizardState, data=None):
    if step == "basic":
        return BasicForm(data)
    if step == "merchant":
        return MerchantForm(data, staff=request.user.is_staff)
    if step == "sync":
        return SyncForm(data, adapter=registry.get(state.platform))
    form = StoreForm(data, merchant=_merchant(request, state), initial={"platform": state.platform})
    return form


def _render(request, state, step, form, *, staff, failure=None, status=200):
    index = STEP_NAMES.index(step)
    context = {
        "steps": [(n, label, i < index, i == index) for i, (n, label) in enumerate(STEPS)],
        "step": step,
        "step_label": STEPS[index][1],
        "first": index == 0,
        "last": index == len(STEPS) - 1,
        "form": form,
        "staff": staff,
        "platform": registry.get(state.platform),
        "failure": failure,
    }
    return render(request, "connections/wizard.html", context, status=status)


def _merchant(request, state: WizardState) -> Merchant | None:
    """The merchant the connection is for: the member's own, or the one staff picked."""
    if not request.user.is_staff:
        return request.merchant
    data = state.step_data("merchant")
    if data.get("merchant_choice") == "existing" and data.get("merchant"):
        return Merchant.objects.filter(pk=data["merchant"]).first()
    return None


def _finish(request, state: WizardState, store: StoreForm):
    """Add connection: re-validate every step, check the credentials, save everything at once."""
    adapter = registry.get(store.cleaned_data["platform"])
    forms_by_step = {s: _form(s, request, state, data=state.step_data(s)) for s in STEP_NAMES[:-1]}
    for step, form in forms_by_step.items():
        if not form.is_valid():
            messages.error(request, f"{dict(STEPS)[step]} needs another look.")
            return redirect("connections:wizard_step", step=step)
    name = forms_by_step["basic"].cleaned_data["name"]
    options = sync_options_from(forms_by_step["sync"].cleaned_data, adapter)
    options["store_name"] = store.cleaned_data.get("store_name") or ""
    credentials = store.credentials()
    merchant_form = forms_by_step["merchant"]
    existing = store.cleaned_data.get("existing") if store.cleaned_data["store_choice"] == "existing" else None
    for field_name, problem in adapter.option_problems(credentials, options).items():
        messages.error(request, f"{dict(sync_option_fields(adapter))[field_name].label}: {problem}")
        return redirect("connections:wizard_step", step="sync")
    try:
        if existing is not None:
            connection = services.update_connection(
                existing, name, credentials, options, actor=Actor.from_request(request)
            )
        else:
            connection = _create(request, merchant_form, adapter, name, credentials, options)
    except services.CheckFailed as failure:
        return _render(request, state, "store", store, staff=request.user.is_staff, failure=failure, status=400)
    except (services.NameTaken, forms.ValidationError):
        messages.error(request, name_taken_message(adapter, name))
        return redirect("connections:wizard_step", step="basic")
    state.clear()
    messages.success(
        request,
        f"{connection} is {connection.get_status_display().lower()}. {connection.account_facts.get('summary', '')}",
    )
    return redirect("connections:detail", pk=connection.pk)


def _create(request, merchant_form: MerchantForm, adapter, name, credentials, options) -> Connection:
    """Check first, then create the merchant (if new) and the connection in one transaction."""
    merchant = None if request.user.is_staff else request.merchant
    if request.user.is_staff and merchant_form.cleaned_data.get("merchant_choice") == "existing":
        merchant = merchant_form.cleaned_data["merchant"]
    clean_connection_name(name, merchant, adapter)
    probe = services.new_connection(merchant, adapter.key, name, options)
    facts = services.check_new(probe, credentials)
    with transaction.atomic():
        if merchant is None:
            merchant = Merchant.objects.create(name=merchant_form.cleaned_data["new_merchant_name"].strip())
        return services.create_connection(
            merchant,
            adapter.key,
            name,
            credentials,
            options,
            checked=True,
            facts=facts,
            actor=Actor.from_request(request),
        )
