from __future__ import annotations

from collections import Counter
from functools import reduce
from operator import or_
from typing import NamedTuple

from django import forms
from django.db.models import Q
from django.utils.text import slugify

from connections.models import Connection
from connections.platforms import registry
from orders.search import Search, holding
from portal.forms import PortalForm
from portal.widgets import LongSelect


class StateOption(NamedTuple):
    words: str
    orders: Q  # the orders in the state
    codes: list[Q]  # the same, one platform code at a time (orders/paging.py reads a search by them)


def state_options(connections) -> dict[str, StateOption]:
    """{value: option}: the states of these connections' platforms, one option per wording.

    Two platforms that say a state the same way ("Cancelled") share one option, which finds
    the orders of both. A code no other option uses is matched by the code alone, so the list
    reads (and counts) it from the order table's (merchant, state, placed_at, id) index; a code
    two of the merchant's platforms word differently also names the connections of its platform."""
    by_platform: dict[str, list[int]] = {}
    for connection in connections:
        by_platform.setdefault(connection.platform, []).append(connection.pk)
    options: dict[str, tuple[str, list[tuple[str, list[int]]]]] = {}
    for key, ids in by_platform.items():
        for state in registry.get(key).states:
            _, held = options.setdefault(slugify(state.words), (state.words, []))
            held.append((state.code, ids))
    owners = Counter(code for _, held in options.values() for code in {code for code, _ in held})

    def option(words: str, held) -> StateOption:
        alone = sorted({code for code, _ in held if owners[code] == 1})
        shared = [Q(connection_id__in=ids, platform_status=code) for code, ids in held if owners[code] > 1]
        orders = reduce(or_, [Q(platform_status__in=alone)] * bool(alone) + shared)
        return StateOption(words, orders, [Q(platform_status=code) for code in alone] + shared)

    return {value: option(words, held) for value, (words, held) in options.items()}


def connection_choices(connections) -> list[tuple]:
    """The choices of a filter by one connection: "All connections", then each by its label."""
    return [("", "All connections"), *((connection.pk, str(connection)) for connection in connections)]


#: Shorter search terms than this match an order number exactly: a trigram index serves
#: "contains" only from three characters on, and a shorter one matches too many orders.
MIN_SEARCH = 3


class OrderFilterForm(PortalForm):
    """The order list's filters; its states are those of the platforms the merchant has connections for."""

    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Order number, customer or email", "type": "search"}),
    )
    connection = forms.TypedChoiceField(
        label="Connection", required=False, coerce=int, empty_value=None, widget=LongSelect
    )
    status = forms.ChoiceField(label="Status", required=False)

    def __init__(self, merchant, *args, **kwargs):
        super().__init__(*args, **kwargs)
        connections = list(Connection.objects.filter(merchant=merchant).labelled())
        self.fields["connection"].choices = connection_choices(connections)
        self.states = state_options(connections)
        self.fields["status"].choices = [("", "Any status")] + [(v, option.words) for v, option in self.states.items()]

    def apply(self, orders, *, search: bool = True, status: bool = True):
        """`orders` with the form's filters: its search unless `search` is False, its state unless `status` is."""
        if not self.is_valid():
            return orders
        data = self.cleaned_data
        if data.get("connection"):
            orders = orders.filter(connection_id=data["connection"])
        if data.get("status") and status:
            orders = orders.filter(self.states[data["status"]].orders)
        term = self._term
        if not search or not term:
            return orders
        if len(term) >= MIN_SEARCH:
            # The number, name and email, upper-cased as the row was written: the term is upper-cased by the
            # same database, so both agree on every letter. Its trigram index and the list's index hold it
            # on PostgreSQL (migration 0016).
            return orders.filter(holding("search_text", term))
        return orders.filter(number=term)

    def text_search(self, orders, *, status: bool = True) -> Search | None:
        """The search of the order's text, over `orders` with the form's filters (its state unless `status` is
        False), for the list's pages to look through the newest first (orders/paging.py); None without one
        (no term, or a short one)."""
        if len(self._term) < MIN_SEARCH:
            return None
        return Search(self.apply(orders, search=False, status=status), self._term)

    @property
    def status_codes(self) -> list[Q] | None:
        """The chosen state's codes, where it has more than one (see StateOption), for a search's page."""
        option = self.states.get(self.cleaned_data.get("status") or "") if self.is_valid() else None
        return option.codes if option and len(option.codes) > 1 else None

    @property
    def _term(self) -> str:
        return (self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""

    @property
    def searching(self) -> bool:
        return bool(self._term)

    @property
    def narrow(self) -> bool:
        """A connection is asked for: its index lacks the merchant, so counting it reads rows."""
        return self.is_valid() and bool(self.cleaned_data.get("connection"))

    @property
    def short_search(self) -> bool:
        """The search term is too short to search names: it matched order numbers exactly."""
        return 0 < len(self._term) < MIN_SEARCH


class DispatchForm(PortalForm):
    """Mark dispatched: what the portal keeps of a dispatch, and what the platform is told of it.

    The platform's `Shipments` part adds its words to a field it treats its own way, and
    offers the optional fields that fit the order (`for_order`).
    """

    tracking_number = forms.CharField(label="Tracking number", max_length=100, required=False)
    tracking_url = forms.URLField(label="Tracking URL", max_length=500, required=False, assume_scheme="https")
    carrier = forms.CharField(label="Carrier", max_length=100, required=False)
    estimated_delivery_date = forms.DateField(
        label="Estimated delivery date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    resolve_enquiry = forms.BooleanField(label="Resolve the customer's enquiry", required=False)
    OPTIONAL = ("resolve_enquiry",)

    def __init__(self, *args, offered: frozenset[str] = frozenset(), field_help: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.OPTIONAL:
            if name not in offered:
                del self.fields[name]
        for name, words in (field_help or {}).items():
            if name in self.fields:
                self.fields[name].help_text = words

    @classmethod
    def for_order(cls, order, data=None, **kwargs) -> DispatchForm:
        """The form as the order's platform takes a dispatch of it."""
        shipments = order.connection.adapter.shipments
        if shipments is None:
            return cls(data, **kwargs)
        return cls(data, offered=shipments.offers(order.flags), field_help=shipments.field_help, **kwargs)

    def clean_tracking_number(self):
        return "".join(self.cleaned_data["tracking_number"].split())
