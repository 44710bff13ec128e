"""What a seller (or the customer) can do to a fake NOTHS order, with NOTHS's rules.

The single-order API views, the bulk API views and the control pages all come through
here, so each rule lives in one place. A refused action raises `NothsError`, which the
API turns into `{"errors": [{"code", "title"}]}` (see platforms/noths.md §3 and §4).
"""

from datetime import UTC, date, datetime, time

from sandbox.models import SandboxAccount
from sandbox.pdf import simple_pdf

from .models import SandboxNothsOrder


class NothsError(Exception):
    """A refusal the API reports with an HTTP status and one `{code, title}` error."""

    def __init__(self, code: str, title: str, status: int = 400):
        super().__init__(f"{code}: {title}")
        self.code = code
        self.title = title
        self.status = status


def not_found() -> NothsError:
    return NothsError("RESOURCE_NOT_FOUND", "Couldn't find the requested resource", status=404)


def invalid(title: str) -> NothsError:
    return NothsError("INVALID_PARAMETER", title)


def get_order(account: SandboxAccount, order_id, *, for_update: bool = False) -> SandboxNothsOrder:
    """The account's order with this NOTHS id; another account's order is "not found" too."""
    orders = account.noths_orders.all()
    if for_update:
        orders = orders.select_for_update()
    try:
        return orders.get(noths_id=int(order_id))
    except (SandboxNothsOrder.DoesNotExist, TypeError, ValueError):
        raise not_found() from None


def now(account: SandboxAccount) -> datetime:
    """The time on the account's NOTHS clock in whole seconds, as NOTHS shows it, so columns and JSON agree."""
    return account.now().replace(microsecond=0)


def start_of(day: date) -> datetime:
    """NOTHS takes estimated dates as yyyy-mm-dd but shows them as date-times."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def accept(order: SandboxNothsOrder, *, estimated_delivery_date: date, estimated_dispatch_at: date) -> None:
    if order.state != "placed":
        raise NothsError("ORDER_NOT_PLACED", "Only placed orders can be accepted")
    moment = now(order.account)
    order.state = "accepted"
    order.accepted_at = moment
    order.estimated_delivery_date = start_of(estimated_delivery_date)
    order.estimated_dispatch_at = start_of(estimated_dispatch_at)
    _save(order, bump_to=moment)


def decline(order: SandboxNothsOrder) -> None:
    """Decline a placed order. NOTHS's Order has no field for the reason, so it is not kept."""
    if order.state != "placed":
        raise NothsError("ORDER_NOT_PLACED", "Only placed orders can be declined")
    moment = now(order.account)
    order.state = "declined"
    order.declined_at = moment
    _save(order, bump_to=moment)


def dispatch(
    order: SandboxNothsOrder,
    *,
    estimated_delivery_date: date,
    tracking_number: str = "",
    parcel_tracking_url: str = "",
    resolve_enquiry: bool = False,
    ignore_unresolved_enquiries: bool = False,
) -> None:
    """Dispatch an accepted order whose dispatch note was printed (§2 #5, §5 items 1 and 5)."""
    if order.state != "accepted":
        raise NothsError("ORDER_NOT_ACCEPTED", "Order must be accepted before it can be dispatched")
    if not order.dispatch_note_viewed:
        raise NothsError("DISPATCH_NOTE_NOT_VIEWED", "The dispatch note must be printed before dispatch")
    if order.has_unresolved_enquiry:
        if resolve_enquiry:
            order.enquiry_state = "resolved"
        elif not ignore_unresolved_enquiries:
            raise NothsError("UNRESOLVED_ENQUIRY", "The order has an unresolved customer enquiry")
    moment = now(order.account)
    order.state = "dispatched"
    order.dispatched_at = moment
    order.estimated_delivery_date = start_of(estimated_delivery_date)
    order.tracking_number = tracking_number
    order.parcel_tracking_url = parcel_tracking_url
    _save(order, bump_to=moment)


def print_dispatch_notes(orders: list[SandboxNothsOrder], *, force_regular: bool = False) -> bytes:
    """The dispatch notes as one PDF (a page per order), marking each order's note viewed.

    Viewing the note is a change to the order itself (not to a nested resource), so
    the first print bumps `updated_at` and an incremental sync sees the new flag.
    Printing it again changes nothing.
    """
    pages = []
    for order in orders:
        if not order.dispatch_note_viewed:
            order.dispatch_note_viewed = True
            _save(order, bump_to=now(order.account))
        kind = "Gift note" if order.gift and not force_regular else "Dispatch note"
        doc = order.parsed()
        address = doc.get("delivery_address") or {}
        lines = [
            f"{kind} - NOTHS sandbox",
            f"Order {order.number} (id {order.noths_id})",
            f"Ship to: {order.delivery_recipient_name}",
            *[address.get(key) for key in ("address1", "address2", "town", "county", "post_code") if address.get(key)],
            "",
            *[f"{item['quantity']} x {item['item_title']}" for item in doc.get("items") or []],
        ]
        if kind == "Gift note" and doc.get("gift_message"):
            lines += ["", f"Message: {doc['gift_message']}"]
        pages.append(lines)
    return simple_pdf(pages)


def open_enquiry(order: SandboxNothsOrder, message: str) -> None:
    """The customer opens (or adds to) an enquiry.

    Like NOTHS, enquiry changes do not bump `updated_at` (§2.1: the filter ignores
    nested resources), so an incremental sync does not see them.
    """
    order.enquiry_state = "opened"
    order.enquiry_messages = [*order.enquiry_messages, message]
    _save(order, bump_to=None)


def resolve_enquiry(order: SandboxNothsOrder) -> None:
    """The seller resolves the enquiry in the NOTHS admin (no `updated_at` bump, as above)."""
    if not order.has_unresolved_enquiry:
        raise NothsError("NO_UNRESOLVED_ENQUIRY", "The order has no unresolved customer enquiry")
    order.enquiry_state = "resolved"
    _save(order, bump_to=None)


def _save(order: SandboxNothsOrder, *, bump_to: datetime | None) -> None:
    if bump_to is not None:
        order.updated_at = bump_to
    order.write_document()
    order.save()
