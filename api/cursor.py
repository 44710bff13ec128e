"""The `updated_since` / `cursor` feed of orders: keyset pages on (updated_at, id).

How it works
------------
Every order has an `updated_at`, set by the one ingest path to the time of the write
each time the portal's copy of the order changes. A page is the orders whose key
(updated_at, id) is strictly after the cursor's key, in ascending key order, up to
the page size, and no newer than the *horizon*: the time the page is read less
`API_CURSOR_SETTLE_SECONDS`. The next cursor is the key of the page's last order (or
the same position again when the page is empty). A cursor is opaque (signed) so that
clients keep it whole.

A *pass* is a run of requests, each with the `next_cursor` of the answer before it,
until `has_more` is false.

The guarantee
-------------
Assumption: a write gives an order an `updated_at` no more than the settle time
before its commit (ingest takes the time inside its transaction, which holds one page
of orders; clocks of the portal's servers agree to within that time).

1. Nothing is missed. An order that matches the filters, whose latest change is at or
   after the pass's start and is older than the settle time when the pass's last page
   is read, is returned by the pass in that latest version. Its later changes are
   returned by the next pass, started from the final `next_cursor`.
2. Nothing repeats unless it changed. Within a pass an order is returned again only
   if it changed after the page that returned it was read; it then comes back later
   in the pass, in its new version. Keys only increase through a pass.

Why. Pages cover consecutive, disjoint key ranges (c0, c1], (c1, c2], ... so two rows
returned by a pass have different keys: the same order twice means its key changed,
i.e. it was written after the read that returned its old key. For (1): every cursor is
at most the horizon of the page that set it. A write committed after page i was read
has updated_at ≥ commit − settle > read time − settle = horizon ≥ c_i, so it lands
after c_i: a page already read can never be behind a row written later. So an order's
latest key K lies in the range of the page that covers K, and that page was read after
K was written: it returned the order. Offset paging misses or repeats rows when rows
move; ordering by updated_at alone (with "≥ since") repeats or misses ties at a page
boundary; reading right up to "now" misses a write that took its time before a
concurrent one but committed after it — hence the key with the id, and the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Q, QuerySet
from django.utils import timezone

from orders.paging import in_order
from orders.search import Search

SALT = "api.orders.cursor"


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Position:
    """Just after the order (updated_at, id) in key order."""

    updated_at: datetime
    id: int

    @classmethod
    def since(cls, moment: datetime) -> Position:
        """Just before every order updated at or after `moment` (ids start at 1)."""
        return cls(moment, 0)

    def encode(self) -> str:
        return signing.dumps([self.updated_at.astimezone(UTC).isoformat(), self.id], salt=SALT, compress=False)

    @classmethod
    def decode(cls, value: str) -> Position:
        try:
            moment, pk = signing.loads(value, salt=SALT)
            moment = datetime.fromisoformat(moment)
        except (signing.BadSignature, TypeError, ValueError):
            raise BadCursor("This cursor is not one the API gave out; start again from `updated_since`.") from None
        if timezone.is_naive(moment) or not isinstance(pk, int) or isinstance(pk, bool):
            raise BadCursor("This cursor is not one the API gave out; start again from `updated_since`.")
        return cls(moment, pk)

    def after(self) -> Q:
        return Q(updated_at__gt=self.updated_at) | Q(updated_at=self.updated_at, id__gt=self.id)


@dataclass(frozen=True)
class Page:
    orders: list
    next_position: Position | None
    has_more: bool


def horizon(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(seconds=settings.API_CURSOR_SETTLE_SECONDS)


def read_page(orders: QuerySet, start: Position | None, size: int, search: Search | None = None) -> Page:
    """One page of `orders` after `start`, in key order, no newer than the horizon.

    `search` (`orders` are searched): its orders unsearched, which are looked through first, as the
    order list does (`orders.search.first_matches`): PostgreSQL guesses some terms with thousands of
    matches rare and reads them all through the trigram index (60 ms for "customer40" on a million).
    Where the look finds too few, the page's ids are read first, then their rows, as the order list's
    are (`orders.paging`): the ids are in the feed's indexes, so a walk past many orders that do not
    match reads no table rows ("Smith" among the 101,125 orders of a status he has none of, on a million:
    97 ms reading each row, 18 ms from the index), and PostgreSQL plans that read for every match
    (`orders.search.planned_whole`), so a few matches far from `updated_since` are not walked to."""
    limit = horizon()  # taken before the query runs: see the guarantee above

    def after_start(rows: QuerySet) -> QuerySet:
        rows = rows.filter(updated_at__lte=limit)
        if start is not None:
            # The range condition lets the database use the index on updated_at alone too.
            rows = rows.filter(start.after(), updated_at__gte=start.updated_at)
        return rows.order_by("updated_at", "id")

    rows = after_start(orders)
    if search is None:
        page = list(rows[: size + 1])
    else:
        ids = [pk for (pk,) in search.matches(after_start(search.plain), rows, size + 1, ("id",))]
        page = in_order(rows, ids)
    has_more = len(page) > size
    page = page[:size]
    position = Position(page[-1].updated_at, page[-1].id) if page else start
    return Page(page, position, has_more)
