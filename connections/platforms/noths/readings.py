"""What NOTHS documents for each read the adapter makes (platforms/noths.md §2, §3).

Only these shapes are believed (`answers`); anything else with a 200 is retried, then the
read fails. The documented "none" of a list is `data: []` with `query.total` 0 (§2.1: an
`OrderIndex`); a page that is empty while the total says more is the adapter's to refuse.
"""

from ..answers import Anything, Count, Either, ListOf, Pdf, Reading, document

# GET /api/v1/orders: an OrderIndex, {"query": {"results", "total"}, "data": [Order], "links"} (§2.1).
ORDER_INDEX = document(
    "an order list", data=ListOf("orders", key="id"), query=document("the list's counts", total=Count("a total"))
)
LIST = Reading("the order list", ORDER_INDEX)
BY_ID = Reading("the orders asked for by id", ORDER_INDEX)
COUNT = Reading("the order count", ORDER_INDEX)
# GET /api/v1/orders/{id}: a bare Order by the spec; {"data": Order} is accepted too (§2 row 2).
_ORDER = document("an order", id=Anything(), state=Anything())
ORDER = Reading("the order", Either(_ORDER, document("an order", data=_ORDER)))
# GET /api/v1/orders/{id}/dispatch_note: a PDF (§2 row 6).
DISPATCH_NOTE = Reading("the dispatch note", Pdf())
