from django import forms

from connections.models import Connection

from .models import STATUS_CHOICES


class OrderFilterForm(forms.Form):
    label_suffix = ""
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


class DispatchForm(forms.Form):
    label_suffix = ""
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
