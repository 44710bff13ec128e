"""Orders a platform showed us that were not imported, with the reason: "where is my order?".

Ingest records them (`SkippedOrder`, the latest reason per order); an order imported
since, after a change of settings or a corrected record, drops out of the list here,
so ingest never has to delete anything on its hot path. Each row also keeps the state
and time of the newest copy seen, which ingest reads so that an older copy arriving
later never creates the order (the reason shown stays the newest copy's).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import render
from django.views.decorators.http import require_GET

from connections.models import Connection
from portal.access import merchant_required
from portal.widgets import LongSelect

from .forms import connection_choices
from .models import Order, SkippedOrder

PAGE_SIZE = 50
# What the merchant can do about each kind of reason (matched by how the reason starts).
WAYS_OUT = (
    ("status", "Not one of the statuses this connection imports: Edit the connection to import it."),
    ("placed before", "Placed before the connection's import-from date: Edit the connection to move the date."),
    ("invalid data", "The platform sent this order with data we could not read; staff can see the details."),
)


def still_missing(skipped: QuerySet[SkippedOrder]) -> QuerySet[SkippedOrder]:
    """The skipped orders that are still not imported."""
    imported = Order.objects.filter(connection=OuterRef("connection"), external_id=OuterRef("external_id"))
    return skipped.filter(~Exists(imported))


def way_out(reason: str) -> str:
    return next((words for start, words in WAYS_OUT if reason.startswith(start)), "")


@merchant_required
@require_GET
def skipped_orders(request):
    connections = Connection.objects.filter(merchant=request.merchant).order_by("name").labelled()
    skipped = still_missing(SkippedOrder.objects.filter(connection__merchant=request.merchant))
    chosen = request.GET.get("connection", "")
    if chosen.isdigit():
        skipped = skipped.filter(connection_id=int(chosen))
    search = request.GET.get("q", "").strip()
    if search:
        skipped = skipped.filter(Q(number__icontains=search) | Q(external_id__icontains=search))
    page = Paginator(skipped.select_related("connection"), PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.way_out = way_out(row.reason)
    query = request.GET.copy()
    query.pop("page", None)
    choices = connection_choices(connections)
    connection_select = LongSelect(choices=choices).render("connection", chosen, {"id": "id_connection"})
    context = {"page": page, "connection_select": connection_select, "q": search, "query": query.urlencode()}
    return render(request, "orders/skipped.html", context)
