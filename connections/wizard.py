"""The Add Connection wizard (the DropStream way), for every platform in the registry.

Four steps: Basic Information, Merchant Information, Sync Settings, Store Setup, in the
DropStream article's order: the platform is chosen on Store Setup, the last step.

One page, one form. Every step's fields are in the form on every step; the server shows
the current step and hides the others (the ``hidden`` attribute), so each Next or Back
posts everything typed so far and the answer carries it on. Nothing is kept on the
server between requests: no session, no database row before Add connection. That is how
secrets survive Back and forward without ever being stored: they travel only in the
form's own fields, rendered back (never cached) only into the same in-progress wizard,
and a saved connection's secrets are never rendered at all.

What depends on the platform (its states to import, what to tell it back, its
credentials) sits with the platform on Store Setup, one group per platform with its
values kept while the form is open; only the chosen platform's group shows and is
checked. Sync Settings asks only what is the same on every platform, so no step ever
has to be redone when the platform changes.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from audit.trail import Actor
from portal.forms import PortalForm
from portal.models import Merchant
from portal.widgets import LongSelect

from . import schedule_words, services
from .forms import (
    PlatformCredentialsForm,
    clean_connection_name,
    common_sync_fields,
    credential_form_field,
    name_taken_message,
    platform_sync_fields,
    sync_options_from,
)
from .models import Connection
from .platforms import registry

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
    """When to import: the sync settings that are the same on every platform."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(common_sync_fields())


class _NamesOnly(forms.models.ModelChoiceIterator):
    """The choices read only what they show (`ConnectionQuerySet.labelled`)."""

    def __init__(self, field):
        super().__init__(field)
        self.queryset = field.queryset.labelled()


class StoreChoiceField(forms.ModelChoiceField):
    """One of the merchant's stores; the one picked is read whole (`to_python`), to be edited."""

    iterator = _NamesOnly


class StoreForm(PortalForm):
    """Create new store (or use an existing one), its Name and its Platform."""

    store_choice = forms.ChoiceField(
        label="Store",
        choices=(("new", "Create new store"), ("existing", "Use an existing store")),
        widget=forms.RadioSelect,
        initial="new",
    )
    existing = StoreChoiceField(
        label="Existing store", queryset=Connection.objects.none(), required=False, widget=LongSelect
    )
    store_name = forms.CharField(label="Name", max_length=200, required=False, help_text="The store's name.")
    platform = forms.ChoiceField(label="Platform", error_messages={"required": "Choose the platform."})

    def __init__(self, *args, merchant: Merchant | None, **kwargs):
        super().__init__(*args, **kwargs)
        platforms = [(p.key, p.name) for p in registry.all_platforms()]
        self.fields["platform"].choices = [("", "Choose a platform"), *platforms]
        if merchant is not None:
            self.fields["existing"].queryset = Connection.objects.filter(merchant=merchant)
        if not self.fields["existing"].queryset.exists():
            self.fields["store_choice"].choices = [("new", "Create new store")]  # nothing to pick from

    def clean(self):
        cleaned = super().clean()
        existing, key = cleaned.get("existing"), cleaned.get("platform")
        if cleaned.get("store_choice") == "existing":
            if existing is None:
                self.add_error("existing", "Pick the store.")
            elif key and existing.platform != key:
                chosen = registry.get(key).short_name
                self.add_error("existing", f"That store is on {existing.adapter.short_name}, not {chosen}.")
        return cleaned

    def chosen_platform(self) -> str:
        """The platform chosen (as posted, or as first offered), "" while none is."""
        key = self["platform"].value() or ""
        return key if registry.is_known(key) else ""

    def existing_store(self) -> Connection | None:
        """The store to update, when "Use an existing store" picked one of the merchant's."""
        if self["store_choice"].value() != "existing" or "existing" in self.errors:
            return None
        return self.cleaned_data.get("existing")


class PlatformForm(PlatformCredentialsForm):
    """One platform's credentials and its own sync settings, named "<key>-<field>".

    The wizard has one per platform, so what is typed for each is kept while the form is
    open; only the chosen platform's is checked. Secrets are rendered back (into this
    in-progress wizard only) so that Back and forward keep them.
    """

    def __init__(self, *args, adapter, editing: Connection | None = None, **kwargs):
        super().__init__(*args, prefix=adapter.key, **kwargs)
        self.adapter = adapter
        self.connection = editing
        for spec in adapter.credential_fields:
            field = credential_form_field(spec, required=spec.required and not (editing and spec.secret))
            if spec.secret:
                field.widget.render_value = True
            self.fields[spec.name] = field
        self.fields.update(platform_sync_fields(adapter))

    def setting_bound_fields(self):
        return [self[name] for name in platform_sync_fields(self.adapter)]


class Wizard:
    """The four steps' forms, bound to one post (or fresh), and which of them to check."""

    def __init__(self, request, data=None, platform: str = ""):
        self.staff = request.user.is_staff
        self.basic = BasicForm(data)
        self.merchant = MerchantForm(data, staff=self.staff)
        self.sync = SyncForm(data)
        self.store = StoreForm(data, merchant=self._merchant(request), initial={"platform": platform})
        editing = self.store.existing_store() if self.store.is_bound else None
        self.platforms = {
            adapter.key: PlatformForm(data, adapter=adapter, editing=editing) for adapter in registry.all_platforms()
        }

    def _merchant(self, request) -> Merchant | None:
        """The merchant the connection is for: the member's own, or the one staff picked."""
        if not self.staff:
            return request.merchant
        picked = self.merchant.is_bound and self.merchant.is_valid()
        if picked and self.merchant.cleaned_data["merchant_choice"] == "existing":
            return self.merchant.cleaned_data["merchant"]
        return None

    @property
    def chosen(self) -> PlatformForm | None:
        key = self.store.chosen_platform()
        return self.platforms[key] if key else None

    def forms_of(self, step: str) -> list[forms.Form]:
        if step == "store":
            return [self.store, *([self.chosen] if self.chosen else [])]
        return [getattr(self, step)]

    def first_invalid_step(self, upto: str) -> str | None:
        """The first step, up to and including `upto`, with something to correct."""
        for step in STEP_NAMES[: STEP_NAMES.index(upto) + 1]:
            if not all(form.is_valid() for form in self.forms_of(step)):
                return step
        return None

    def quiet_except(self, step: str | None) -> None:
        """Errors show only on the step that was checked: the others are as the merchant left them."""
        checked = self.forms_of(step) if step else []
        every = [self.basic, self.merchant, self.sync, self.store, *self.platforms.values()]
        for form in every:
            if form.is_bound and form not in checked:
                form.errors.clear()

    def platform_groups(self):
        """[(adapter, its PlatformForm, shown)] for the template."""
        key = self.store.chosen_platform()
        return [(form.adapter, form, form.adapter.key == key) for form in self.platforms.values()]


# -- the view ------------------------------------------------------------------------------------


def member_or_staff(view):
    @login_required
    def wrapper(request, *args, **kwargs):
        if request.merchant is None and not request.user.is_staff:
            raise PermissionDenied("The Add Connection wizard is for merchant members and staff.")
        return view(request, *args, **kwargs)

    return wrapper


@never_cache  # a page may carry secrets typed into this wizard: never kept by a browser or a proxy
@member_or_staff
def wizard(request):
    """Add Connection: a fresh wizard (optionally for one platform, ?platform=<key>), then each step's post."""
    if request.method != "POST":
        key = request.GET.get("platform", "")
        return _render(request, Wizard(request, platform=key if registry.is_known(key) else ""), "basic")
    wizard = Wizard(request, request.POST)
    step = request.POST.get("step")
    index = STEP_NAMES.index(step) if step in STEP_NAMES else 0
    if request.POST.get("go") == "back":
        return _render(request, wizard, STEP_NAMES[max(0, index - 1)])
    wrong = wizard.first_invalid_step(STEP_NAMES[index])
    if wrong is not None:
        return _render(request, wizard, wrong, checked=True)
    if index < len(STEP_NAMES) - 1:
        return _render(request, wizard, STEP_NAMES[index + 1])
    return _finish(request, wizard)


def _render(request, wizard: Wizard, step: str, *, checked=False, failure=None, status=200):
    """The wizard at `step`; with `checked`, that step's errors show."""
    wizard.quiet_except(step if checked else None)
    index = STEP_NAMES.index(step)
    context = {
        "steps": [(n, label, i < index, i == index) for i, (n, label) in enumerate(STEPS)],
        "step": step,
        "step_label": STEPS[index][1],
        "first": index == 0,
        "last": index == len(STEPS) - 1,
        "wizard": wizard,
        "staff": wizard.staff,
        "failure": failure,
    }
    return render(request, "connections/wizard.html", context, status=status)


def _finish(request, wizard: Wizard):
    """Add connection: every step is valid; check the credentials, save everything at once."""
    chosen = wizard.chosen
    adapter = chosen.adapter
    name = wizard.basic.cleaned_data["name"]
    options = sync_options_from({**wizard.sync.cleaned_data, **chosen.cleaned_data}, adapter)
    options["store_name"] = wizard.store.cleaned_data.get("store_name") or ""
    existing = wizard.store.existing_store()
    try:
        if existing is not None:
            connection = services.update_connection(
                existing, name, chosen.credentials, options, actor=Actor.from_request(request)
            )
        else:
            connection = _create(request, wizard.merchant, adapter, name, chosen.credentials, options)
    except services.CheckFailed as failure:
        return _render(request, wizard, "store", checked=True, failure=failure, status=400)
    except (services.NameTaken, forms.ValidationError):
        wizard.basic.add_error("name", name_taken_message(adapter, name))
        return _render(request, wizard, "basic", checked=True)
    first = "" if existing is not None else schedule_words.first_download_words(connection, None)
    summary = connection.account_facts.get("summary", "")
    messages.success(request, f"{connection} is {connection.get_status_display().lower()}. {summary} {first}".strip())
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
