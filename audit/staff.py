"""What every staff screen shares: confirmed actions, logged twice, and a merchant filter.

A destructive or remote admin action first answers with a confirmation page listing
what it will act on; only the POST from that page (``post=yes``) does it. Each staff
operation is logged in Django's LogEntry (the object's history) and, when it concerns
a connection, in the audit trail with the staff member's address and browser.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from portal.models import Merchant

from .trail import Actor, record

CONFIRM_TEMPLATE = "admin/confirm_action.html"
LISTED = 50  # objects named on a confirmation page; the rest are counted


def confirmed(request) -> bool:
    """The staff member pressed the confirmation page's button."""
    return request.POST.get("post") == "yes"


class StaffActionsMixin:
    """For ModelAdmins: confirmation pages for actions, and logging to LogEntry and the audit trail."""

    def confirmation(self, request, queryset, *, action: str, title: str, question: str, button: str, warning=""):
        """The page an action shows before it acts: what, on which objects, and a button to go on."""
        objects = list(queryset)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "question": question,
            "warning": warning,
            "button": button,
            "objects": objects[:LISTED],
            "more": max(0, len(objects) - LISTED),
            "pks": [obj.pk for obj in objects],
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, CONFIRM_TEMPLATE, context)

    def note(self, request, obj, message: str, *, action: str = "", connection=None, changes=None) -> None:
        """Log a staff operation on `obj`: its history (LogEntry) and, with `action`, the audit trail."""
        self.log_change(request, obj, message)
        if action:
            record(action, connection=connection, actor=self.actor(request), changes=changes)

    @staticmethod
    def actor(request) -> Actor:
        return Actor.from_request(request)


class MerchantFilter(admin.SimpleListFilter):
    """By merchant: a box taking a merchant's id or part of its name (no list of every merchant)."""

    title = "merchant"
    parameter_name = "merchant"
    template = "admin/input_filter.html"
    path = "merchant"  # the lookup from the listed model to its merchant

    def __init__(self, request, params, model, model_admin):
        self.kept = [(k, v) for k, v in request.GET.lists() if k not in (self.parameter_name, "p")]
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [("", "any")]  # the box is drawn by the template; one lookup so the filter shows

    def choices(self, changelist):
        yield {
            "kept": [(k, v) for k, values in self.kept for v in values],
            "value": self.value() or "",
            "clear": changelist.get_query_string(remove=[self.parameter_name]),
        }

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        if value.isdigit():
            return queryset.filter(**{f"{self.path}__pk": int(value)})
        # The merchants first, on their own small table: the list is then filtered by their ids,
        # which its indexes serve, rather than joined to every merchant's name.
        merchants = Merchant.objects.filter(name__icontains=value).values_list("pk", flat=True)
        return queryset.filter(**{f"{self.path}__in": list(merchants)})


def merchant_filter(path: str) -> type[MerchantFilter]:
    """A MerchantFilter for a model that reaches its merchant through `path`."""
    return type(f"MerchantFilter_{path}", (MerchantFilter,), {"path": path})
