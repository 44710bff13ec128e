from django import forms

from connections.models import Connection
from connections.platforms import partner_picking
from connections.platforms.base import ItemUpdate, OrderUpdate
from connections.platforms.partner_picking import ITEM_STATUSES
from portal.forms import PortalForm

from .models import STATUS_CHOICES


class OrderFilterForm(PortalForm):
    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Order number or customer", "type": "search"}),
    )
    connection = forms.TypedChoiceField(label="Connection", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *STATUS_CHOICES])

    def __init__(self, merchant, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connection"].choices = [("", "All connections")] + [
            (c.pk, str(c)) for c in Connection.objects.filter(merchant=merchant)
        ]

    def apply(self, orders):
        if not self.is_valid():
            return orders
        data = self.cleaned_data
        if data.get("connection"):
            orders = orders.filter(connection_id=data["connection"])
        if data.get("status"):
            orders = orders.filter(status=data["status"])
        if data.get("q"):
            term = data["q"].strip()
            orders = orders.filter(number__icontains=term) | orders.filter(customer_name__icontains=term)
        return orders


class DispatchForm(PortalForm):
    tracking_number = forms.CharField(label="Tracking number", max_length=100, required=False)
    tracking_url = forms.URLField(label="Tracking URL", max_length=500, required=False, assume_scheme="https")
    carrier = forms.CharField(
        label="Carrier",
        max_length=100,
        required=False,
        help_text="Kept here; NOTHS has no carrier field, so give a tracking URL.",
    )
    estimated_delivery_date = forms.DateField(
        label="Estimated delivery date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Left blank: worked out from the connection's estimated delivery days.",
    )
    resolve_enquiry = forms.BooleanField(label="Resolve the customer's enquiry", required=False)

    def __init__(self, *args, unresolved_enquiry: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not unresolved_enquiry:
            del self.fields["resolve_enquiry"]

    def clean_tracking_number(self):
        return "".join(self.cleaned_data["tracking_number"].split())


class OrderUpdateForm(PortalForm):
    """The picking marks of a Partner Picking order's items, and the update to send with them.

    Each item has a row of fields named by its position; a hidden field carries the item's
    id on the platform, so marks made on a page the order has since changed under are
    refused, never applied to another item.
    """

    status = forms.ChoiceField(label="Send")
    cancel_reason = forms.ChoiceField(
        label="Reason", required=False, choices=[("", "Choose a reason"), *partner_picking.CANCEL_REASONS]
    )

    def __init__(self, items, fulfil_statuses: tuple[str, ...], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.fulfil_choices = [(s, partner_picking.STATUS_LABELS[s]) for s in fulfil_statuses]
        self.fields["status"].choices = [
            (partner_picking.UPDATE_CART, partner_picking.STATUS_LABELS[partner_picking.UPDATE_CART]),
            *self.fulfil_choices,
            (partner_picking.CANCELLED, partner_picking.STATUS_LABELS[partner_picking.CANCELLED]),
        ]
        marks = [("", "Leave as is"), *((s, partner_picking.ITEM_STATUS_LABELS[s]) for s in ITEM_STATUSES)]
        for key, item in self._keyed_items():
            self.fields[f"{key}_id"] = forms.CharField(
                widget=forms.HiddenInput, initial=item.external_id, required=False
            )
            self.fields[f"{key}_status"] = forms.ChoiceField(label=f"Mark {item.title}", required=False, choices=marks)
            self.fields[f"{key}_sku"] = forms.CharField(
                label=f"Replacement SKU for {item.title}",
                max_length=100,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": "SKU"}),
            )
            self.fields[f"{key}_name"] = forms.CharField(
                label=f"Replacement name for {item.title}",
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": "Name"}),
            )
            self.fields[f"{key}_quantity"] = forms.IntegerField(
                label=f"Quantity of {item.title}",
                min_value=1,
                max_value=9999,
                required=False,
                widget=forms.NumberInput(attrs={"class": "quantity"}),
            )

    def _keyed_items(self):
        return [(f"item{n}", item) for n, item in enumerate(self.items)]

    @property
    def rows(self) -> list[dict]:
        """One row per item for the page: the item, where its picking stands, and its fields."""
        return [
            {
                "item": item,
                "picking": partner_picking.ITEM_STATUS_LABELS.get(picking_status(item), picking_status(item)),
                **{name: self[f"{key}_{name}"] for name in ("id", "status", "sku", "name", "quantity")},
            }
            for key, item in self._keyed_items()
        ]

    def clean(self):
        data = super().clean()
        status = data.get("status")
        marks = self._marks(data)
        if status == partner_picking.CANCELLED and not data.get("cancel_reason"):
            self.add_error("cancel_reason", "Choose why the order is cancelled.")
        if status == partner_picking.UPDATE_CART and not marks:
            raise forms.ValidationError("Mark at least one item picked, not found or replaced.")
        if status in partner_picking.FULFIL_BY_TRANSPORT.values():
            marked = {mark.item_id for mark in marks}
            unpicked = [
                item.title
                for item in self.items
                if picking_status(item) in ("", "NOT_PROCESSED") and item.external_id not in marked
            ]
            if unpicked:
                raise forms.ValidationError(
                    f"Mark every item picked, not found or replaced before “{partner_picking.STATUS_LABELS[status]}”"
                    f" (not yet: {', '.join(unpicked)})."
                )
        self.marks = marks
        return data

    def _marks(self, data) -> list[ItemUpdate]:
        marks = []
        for key, item in self._keyed_items():
            mark = data.get(f"{key}_status")
            if not mark:
                continue
            if data.get(f"{key}_id") != item.external_id:
                raise forms.ValidationError(
                    "The order changed on the platform since this page was loaded: check the items and mark them again."
                )
            if mark == "REPLACED" and not data.get(f"{key}_sku"):
                self.add_error(f"{key}_sku", "Enter the SKU of what replaces it.")
            marks.append(
                ItemUpdate(
                    item_id=item.external_id,
                    status=mark,
                    replacement_sku=data.get(f"{key}_sku", "").strip() if mark == "REPLACED" else "",
                    replacement_name=data.get(f"{key}_name", "").strip() if mark == "REPLACED" else "",
                    quantity=data.get(f"{key}_quantity") if mark != "NOT_FOUND" else None,
                )
            )
        return marks

    def order_update(self) -> OrderUpdate:
        """The update the valid form asks for."""
        status = self.cleaned_data["status"]
        reason = self.cleaned_data.get("cancel_reason", "") if status == partner_picking.CANCELLED else ""
        return OrderUpdate(status=status, items=tuple(self.marks), cancel_reason=reason)


def picking_status(item) -> str:
    """The item's picking status on the platform, from its options ('' when it has none)."""
    return next((value for name, value in item.options or () if name == partner_picking.PICKING_OPTION), "")
