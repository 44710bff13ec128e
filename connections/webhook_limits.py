"""What one webhook event may hold: checked as it arrives, so that an event the drain could never
apply is refused at once (400, with the reason) and nothing is stored, instead of being accepted
and failing in the drain.

After parsing, one pass over the event, level by level (no recursion, so no depth reaches
Python's limit), holds it to the limits in the settings: its nesting depth (WEBHOOK_MAX_DEPTH),
its longest text, key or value (WEBHOOK_MAX_STRING_CHARS), and the most entries of one list or
keys of one object (WEBHOOK_MAX_ITEMS). Real events are far inside them (the platforms' own
fixtures: 3 to 6 levels, 44 entries at most). Two limits are not settings but facts:

* ingest fingerprints an order's document with orjson, which writes at most APPLICABLE_DEPTH
  levels; a WEBHOOK_MAX_DEPTH above it counts as it. orjson reads at most PARSED_DEPTH levels:
  a deeper body is refused as it is parsed, in the same words.
* the order id is at most what `Order.external_id` holds: ingest writes it whole (PostgreSQL
  refuses a longer one), so a longer id could never be applied.

Where the event goes over a limit, the words say where (`items[3].name`), found by a second
walk only then.
"""

from __future__ import annotations

import json
import re

from django.conf import settings

from orders.models import Order

APPLICABLE_DEPTH = 254  # orjson.dumps raises beyond it ("Recursion limit reached")
PARSED_DEPTH = 1024  # orjson.loads raises beyond it ("depth limit exceeded")
ORDER_ID_CHARS = Order._meta.get_field("external_id").max_length
CONTAINERS = (dict, list)  # what orjson makes of JSON's objects and arrays, exactly these types
MAX_PATH_CHARS = 120
MAX_NAME_CHARS = 40
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def max_depth() -> int:
    """The deepest nesting accepted: the setting, but never deeper than ingest can write."""
    return max(1, min(settings.WEBHOOK_MAX_DEPTH, APPLICABLE_DEPTH))


def beyond(payload) -> str:
    """Why the parsed event goes over a limit, in words; '' when it does not."""
    most_deep, most_chars, most_items = max_depth(), settings.WEBHOOK_MAX_STRING_CHARS, settings.WEBHOOK_MAX_ITEMS
    if type(payload) is str and len(payload) > most_chars:
        return f"The event is a text of {len(payload):,} characters; the most the portal accepts is {most_chars:,}."
    level = [payload] if type(payload) in CONTAINERS else []
    depth = 0
    while level:
        depth += 1
        if depth > most_deep:
            return too_deep(f"{_deepest(level, depth):,}")
        below = []
        for container in level:
            if len(container) > most_items:
                return _too_many(payload, container, most_items)
            if type(container) is dict:
                if container and max(map(len, container)) > most_chars:
                    return _long_key(payload, container, most_chars)
                pairs = container.items()
            else:
                pairs = enumerate(container)
            for key, value in pairs:
                kind = type(value)
                if kind is str:
                    if len(value) > most_chars:
                        return _too_long(payload, container, key, most_chars)
                elif kind is dict or kind is list:
                    below.append(value)
        level = below
    return ""


def too_deep(depth: str) -> str:
    return f"The event is nested {depth} levels deep; the most the portal accepts is {max_depth():,}."


def too_deep_to_parse() -> str:
    """The words for a body deeper than orjson reads (it stops there, so the depth is not known)."""
    return too_deep(f"more than {PARSED_DEPTH:,}")


def order_id_beyond(order_ids) -> str:
    """Why one of the event's order ids (the delivery's, the record's) cannot be stored; '' if none."""
    longest = max((len(order_id) for order_id in order_ids), default=0)
    if longest > ORDER_ID_CHARS:
        return (
            f"The event's order id is {longest:,} characters long; the most the portal can store is {ORDER_ID_CHARS:,}."
        )
    return ""


def _deepest(level: list, depth: int) -> int:
    """How deep the event goes, `level` being its containers at `depth` (only once it is too deep)."""
    while True:
        below = [v for c in level for v in (c.values() if type(c) is dict else c) if type(v) in CONTAINERS]
        if not below:
            return depth
        level, depth = below, depth + 1


def _too_many(payload, container, most: int) -> str:
    what, unit = ("object", "keys") if type(container) is dict else ("list", "entries")
    return (
        f"The event's {what} {_at(_path_to(payload, container))} has {len(container):,} {unit}; "
        f"the most the portal accepts is {most:,}."
    )


def _too_long(payload, container, key, most: int) -> str:
    text = container[key]
    return (
        f"The event's text {_at([*_path_to(payload, container), key])} is {len(text):,} characters long; "
        f"the most the portal accepts is {most:,}."
    )


def _long_key(payload, container: dict, most: int) -> str:
    key = next(key for key in container if len(key) > most)
    return (
        f"A key of the event's object {_at(_path_to(payload, container))} is {len(key):,} characters long; "
        f"the most the portal accepts is {most:,}."
    )


def _path_to(payload, target) -> list:
    """The keys and indexes that lead from the event to `target` (a container of it), walked without recursion."""
    stack = [(payload, [])]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        pairs = node.items() if type(node) is dict else enumerate(node)
        stack.extend((value, [*path, key]) for key, value in pairs if type(value) in CONTAINERS)
    return []


def _at(path: list) -> str:
    """Where in the event, as a reader writes it: `at items[3].name`, or `at its top level`."""
    if not path:
        return "at its top level"
    words = ""
    for step in path:
        if type(step) is int:
            words += f"[{step}]"
        elif PLAIN_NAME.fullmatch(step) and len(step) <= MAX_NAME_CHARS:
            words += f".{step}" if words else step
        else:  # quoted, as JSON writes it: an empty key, spaces, dots, control characters
            cut = step if len(step) <= MAX_NAME_CHARS else step[:MAX_NAME_CHARS] + "\u2026"
            words += f"[{json.dumps(cut, ensure_ascii=False)}]"
    if len(words) > MAX_PATH_CHARS:
        words = words[:MAX_PATH_CHARS] + "\u2026"
    return f"at {words}"
