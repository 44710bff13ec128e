"""Keyset pages of the merchant order list: newest first, at any depth for the cost of the first.

The list's order is (placed_at DESC, id DESC), orders without a placing time last (by id,
newest first). A page is the rows strictly after a key in that order ("Older", `?after=`)
or strictly before one ("Newer", `?before=`, read backwards and turned round); "Oldest" is
the page before the end (`?before=end`). Each is one index range scan of `PAGE_SIZE + 1`
rows (the extra row says whether there is a further page; a search scans for ids, then reads
their rows, and where its matches are few may read them through the trigram index and sort
them instead: orders/search.py), so page 8,000 costs what page 1 does, where OFFSET read and
threw away every row before it. The id breaks ties of placed_at, so no order is shown twice
or skipped at a page boundary.

A key is written plainly in the link, `<placed_at ISO>_<id>` (`_<id>` for an order without
a placing time): the merchant scoping of the queryset, not the key, decides what is shown,
so nothing needs signing. A key that does not parse reads as no key (the newest page).

Old `?page=N` links keep working for the first `OFFSET_PAGES` pages (read by OFFSET over
the same index, which costs little that near the start); a deeper `?page=N` shows the newest
page.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from itertools import islice

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from orders.search import Search

PAGE_SIZE = 50
#: Old `?page=N` links are read by OFFSET up to this page; deeper ones show the newest page.
OFFSET_PAGES = 20
END = "end"

# NULLS LAST (FIRST backwards), as the list's indexes are built on PostgreSQL (migration 0012): a plain
# index on placed_at cannot give this order, so the planner never walks every merchant's orders by
# time looking for this merchant's (seconds for a merchant whose orders are all old).
NEWEST_FIRST = (F("placed_at").desc(nulls_last=True), F("id").desc())
OLDEST_FIRST = (F("placed_at").asc(nulls_first=True), F("id").asc())
KEY_FIELDS = ("placed_at", "id")  # what orders a part of the list, in its order (`_merged_ids`)


@dataclass(frozen=True)
class Key:
    """An order's place in the list: (placed_at, id); placed_at None sorts after every time."""

    placed_at: datetime | None
    id: int

    @classmethod
    def of(cls, order) -> Key:
        return cls(order.placed_at, order.pk)

    def encode(self) -> str:
        moment = self.placed_at.astimezone(UTC).isoformat() if self.placed_at else ""
        return f"{moment}_{self.id}"

    @classmethod
    def decode(cls, value: str | None) -> Key | None:
        moment, sep, pk = (value or "").rpartition("_")
        if not sep or not pk.isdigit():
            return None
        if not moment:
            return cls(None, int(pk))
        try:
            placed_at = datetime.fromisoformat(moment)
        except ValueError:
            return None
        if timezone.is_naive(placed_at):
            return None
        return cls(placed_at, int(pk))


@dataclass(frozen=True)
class Page:
    object_list: list
    newer: str | None = None  # `before=` of the page of newer orders, None on the newest page
    older: str | None = None  # `after=` of the page of older orders, None on the oldest page

    @property
    def at_newest(self) -> bool:
        return self.newer is None

    @property
    def at_oldest(self) -> bool:
        return self.older is None


def _dated(orders: QuerySet) -> QuerySet:
    return orders.filter(placed_at__isnull=False)


def _undated(orders: QuerySet) -> QuerySet:
    return orders.filter(placed_at__isnull=True)


def _older_parts(orders: QuerySet, key: Key | None) -> list[QuerySet]:
    """The orders after `key` in list order, as index-ordered querysets to read one after the other."""
    if key is None:
        return [_dated(orders).order_by(*NEWEST_FIRST), _undated(orders).order_by("-id")]
    if key.placed_at is None:
        return [_undated(orders).filter(id__lt=key.id).order_by("-id")]
    p = key.placed_at
    # The plain bound on placed_at lets the database start the index scan at the key.
    dated = orders.filter(Q(placed_at__lt=p) | Q(placed_at=p, id__lt=key.id), placed_at__lte=p)
    return [dated.order_by(*NEWEST_FIRST), _undated(orders).order_by("-id")]


def _newer_parts(orders: QuerySet, key: Key | None) -> list[QuerySet]:
    """The orders before `key` in list order, nearest first (`key` None: from the end)."""
    dated = _dated(orders).order_by(*OLDEST_FIRST)
    if key is None:
        return [_undated(orders).order_by("id"), dated]
    if key.placed_at is None:
        return [_undated(orders).filter(id__gt=key.id).order_by("id"), dated]
    p = key.placed_at
    newer = orders.filter(Q(placed_at__gt=p) | Q(placed_at=p, id__gt=key.id), placed_at__gte=p)
    return [newer.order_by(*OLDEST_FIRST)]


def _read(orders: QuerySet, parts: list[QuerySet], limit: int, ids_first: bool, looks: list | None = None) -> list:
    """Up to `limit` of `orders`, taken from the parts in turn.

    `ids_first` (a search): the parts give ids, and the rows are read by id after, in one query.
    An ids query needs only what the list's index holds (on PostgreSQL the search text too,
    migration 0016), so it walks the index without the table: about five times faster when the
    search skips many rows (every newer order, for a term only old orders match). Without a
    search the rows are read at once: the extra query would cost more than it saves.

    `looks` (a search, `_looks`): for each part, what reads its ids instead of its own query.
    """
    found: list = []
    for n, part in enumerate(parts):
        wanted = limit - len(found)
        found += looks[n](wanted) if looks else (part.values_list("id", flat=True) if ids_first else part)[:wanted]
        if len(found) >= limit:
            break
    if not ids_first or not found:
        return found
    return in_order(orders, found)


def in_order(orders: QuerySet, ids: list[int]) -> list:
    """The rows of `orders` with these ids, in the ids' order (one query); an id `orders` lacks is left out."""
    rows = orders.filter(id__in=ids).order_by().in_bulk()
    return [rows[pk] for pk in ids if pk in rows]


def _key(order) -> str:
    return Key.of(order).encode()


def _looks(orders: QuerySet, search: Search | None, codes: list[Q] | None, parts_of, key: Key | None) -> list | None:
    """For each part `parts_of` cuts at `key`, how a search reads its ids (see `_read`), or None for the
    part's own query: the search's first look through its newest rows, and a state of several codes one
    code at a time (`_merged_ids`). With `codes`, `orders` and the search's leave the state out: each code
    is then the whole of its condition, which PostgreSQL guesses better (orders/views.py)."""
    if search is None and not codes:
        return None
    branches = []
    for code in codes or [Q()]:
        parts = parts_of(orders.filter(code), key)
        plain = parts_of(search.plain.filter(code), key) if search else [None] * len(parts)
        branches.append(list(zip(parts, plain, strict=True)))
    return [partial(_merged_ids, [parts[n] for parts in branches], search) for n in range(len(branches[0]))]


def _merged_ids(branches: list[tuple[QuerySet, QuerySet | None]], search: Search | None, limit: int) -> list[int]:
    """The first `limit` ids of one part of the list, read branch by branch, each in the part's order,
    and merged in it. Each branch's rows are its search's first look through its newest rows unsearched
    (`orders.search.first_matches`), or, where those hold too few, the branch's own query (planned for every
    match, `Search.matches`).

    A state two platforms word alike is two codes, a branch each. Searched as one (`IN`), no index gives
    the list's order, and PostgreSQL either sorts every match or walks the merchant's index reading each
    order's row for its state (160 ms for a term only old orders match, on a million orders). One code
    at a time, each walks the state index in the list's order and stops at `limit`."""
    first = branches[0][0].query.order_by[0]
    descending = first.startswith("-") if isinstance(first, str) else first.descending
    rows = []
    for part, plain in branches:
        rows.append(
            search.matches(plain, part, limit, KEY_FIELDS) if search else list(part.values_list(*KEY_FIELDS)[:limit])
        )
    # Within a part placed_at is all set or all None (an undated part), so the pairs compare.
    return [pk for _, pk in islice(heapq.merge(*rows, reverse=descending), limit)]


def older_than(
    orders: QuerySet,
    key: Key | None,
    size: int = PAGE_SIZE,
    skip: int = 0,
    *,
    ids_first: bool = False,
    search: Search | None = None,
    codes: list[Q] | None = None,
) -> Page:
    """The page after `key` (None: the newest page), `skip` rows further on (`ids_first`, `search`,
    `codes`: see `_read` and `_looks`)."""
    looks = _looks(orders, search, codes, _older_parts, key)
    rows = _read(orders, _older_parts(orders, key), skip + size + 1, ids_first, looks)
    more = len(rows) > skip + size
    rows = rows[skip : skip + size]
    if not rows:
        if key is None and not skip:
            return Page([])
        return newer_than(orders, None, size, ids_first=ids_first, search=search, codes=codes)
    return Page(
        rows,
        newer=_key(rows[0]) if key is not None or skip else None,
        older=_key(rows[-1]) if more else None,
    )


def newer_than(
    orders: QuerySet,
    key: Key | None,
    size: int = PAGE_SIZE,
    *,
    ids_first: bool = False,
    search: Search | None = None,
    codes: list[Q] | None = None,
) -> Page:
    """The page before `key` (None: the oldest page); the newest page where fewer are left."""
    looks = _looks(orders, search, codes, _newer_parts, key)
    rows = _read(orders, _newer_parts(orders, key), size + 1, ids_first, looks)
    if len(rows) < size and key is not None:  # a short page at the top: a full newest page
        return older_than(orders, None, size, ids_first=ids_first, search=search, codes=codes)
    more = len(rows) > size
    rows = rows[:size][::-1]
    if not rows:
        return Page([])
    return Page(rows, newer=_key(rows[0]) if more else None, older=_key(rows[-1]) if key is not None else None)


def page(
    orders: QuerySet,
    params,
    size: int | None = None,
    *,
    ids_first: bool = False,
    search: Search | None = None,
    codes: list[Q] | None = None,
) -> Page:
    """The page the request's `after`, `before` or old `page` parameter asks for (`size`: PAGE_SIZE;
    `ids_first`, `search` and `codes`, for a search: see `_read` and `_looks`)."""
    size = size or PAGE_SIZE
    how = {"ids_first": ids_first, "search": search, "codes": codes}
    if params.get("before") == END:
        return newer_than(orders, None, size, **how)
    if before := Key.decode(params.get("before")):
        return newer_than(orders, before, size, **how)
    if after := Key.decode(params.get("after")):
        return older_than(orders, after, size, **how)
    number = params.get("page", "")
    if number.isdigit() and 1 < int(number) <= OFFSET_PAGES:
        return older_than(orders, None, size, skip=(int(number) - 1) * size, **how)
    return older_than(orders, None, size, **how)
