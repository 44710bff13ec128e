"""The order page's picking form: each item's mark, and the update to send with them."""

from django import forms

from . import picking
from .picking import ITEM_STATUSES, ItemUpdate, OrderUpdate


class PickingForm(forms.Form):
    """The picking marks of a Partner Picking order's items, and the update to send with them.

    Each item has a row of fields named by its position; a hidden field carries the item's
    id on the platform, so marks made on a page the order has since changed under are
    refused, never applied to another item.
    """

    status = forms.ChoiceField(label="Send")
    cancel_reason = forms.ChoiceField(
        label="Reason", required=False, choices=[("", "Choose a reason"), *picking.CANCEL_REASONS]
    )

    def __init__(self, items, fulfil_statuses: tuple[str, ...], *args, marks: dict[str, str] | None = None, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the portal's labels carry no ":"
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.marks_held = marks or {}  # {item id: its picking mark on the platform}
        self.fulfil_choices = [(s, picking.STATUS_LABELS[s]) for s in fulfil_statuses]
        self.fields["status"].choices = [
            (picking.UPDATE_CART, picking.STATUS_LABELS[picking.UPDATE_CART]),
            *self.fulfil_choices,
            (picking.CANCELLED, picking.STATUS_LABELS[picking.CANCELLED]),
        ]
        marks = [("", "Leave as is"), *((s, picking.ITEM_STATUS_LABELS[s]) for s in ITEM_STATUSES)]
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

    def _held(self, item) -> str:
        """The item's picking mark on the platform: from the order's flags, or (an order read before
        they kept it) its Picking option, which then held the mark itself."""
        if item.external_id in self.marks_held:
            return self.marks_held[item.external_id]
        shown = next((value for name, value in item.options or () if name == picking.PICKING_OPTION), "")
        return shown if shown in picking.ITEM_STATUS_LABELS else ""

    def _keyed_items(self):
        return [(f"item{n}", item) for n, item in enumerate(self.items)]

    @property
    def rows(self) -> list[dict]:
        """One row per item for the page: the item, where its picking stands, and its fields."""
        return [
            {
                "item": item,
                "picking": picking.mark_words(self._held(item)),
                **{name: self[f"{key}_{name}"] for name in ("id", "status", "sku", "name", "quantity")},
            }
            for key, item in self._keyed_items()
        ]

    def clean(self):
        data = super().clean()
        status = data.get("status")
        marks = self._marks(data)
        if status == picking.CANCELLED and not data.get("cancel_reason"):
            self.add_error("cancel_reason", "Choose why the order is cancelled.")
        if status == picking.UPDATE_CART and not marks:
            raise forms.ValidationError("Mark at least one item picked, not found or replaced.")
        if status in picking.FULFIL_BY_TRANSPORT.values():
            marked = {mark.item_id for mark in marks}
            unpicked = [
                item.title
                for item in self.items
                if self._held(item) in ("", "NOT_PROCESSED") and item.external_id not in marked
            ]
            if unpicked:
                raise forms.ValidationError(
                    f"Mark every item picked, not found or replaced before “{picking.STATUS_LABELS[status]}”"
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
        reason = self.cleaned_data.get("cancel_reason", "") if status == picking.CANCELLED else ""
        return OrderUpdate(status=status, items=tuple(self.marks), cancel_reason=reason)

    def payload(self) -> dict:
        """What the order's update action keeps and sends."""
        return self.order_update().payload()
