"""`CompressedJSONField`: a JSON document stored as zlib-compressed bytes.

An order's raw payload is read only on its page (staff) and when it is reprocessed, but it
was most of the orders table (2.2 of 3.5 GB per million orders as `jsonb`). Stored as
zlib-compressed JSON it takes a fraction of that, and the attribute stays a dict: code
reads and assigns `order.raw` as before, `bulk_create` and `bulk_update` included. It cannot
be queried into (no `raw__key` lookups), which nothing does.
"""

from __future__ import annotations

import json
import zlib

import orjson
from django.db import models

# zlib's fastest level: nearly level 6's ratio on JSON at a fraction of the CPU an ingest pays.
LEVEL = 1


def pack(value) -> bytes:
    """A JSON value as compressed bytes."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        # What orjson refuses (integers past 64 bits, say) the standard library writes.
        text = json.dumps(value, separators=(",", ":")).encode()
    return zlib.compress(text, LEVEL)


def pack_text(text: str | bytes) -> bytes:
    """JSON text already written (as a database returns `jsonb`) as compressed bytes."""
    return zlib.compress(text.encode() if isinstance(text, str) else text, LEVEL)


def unpack(data: bytes | memoryview):
    """The JSON value `pack` stored."""
    # The standard library's parser: orjson reads integers past 64 bits as floats, losing digits.
    return json.loads(zlib.decompress(data))


class CompressedJSONField(models.BinaryField):
    description = "A JSON document, zlib-compressed"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return None if value is None else unpack(value)

    def to_python(self, value):
        if isinstance(value, (bytes, memoryview)):
            return unpack(value)
        if isinstance(value, str):
            # As `value_to_string` wrote it for a fixture.
            return json.loads(value)
        return value

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        return super().get_db_prep_value(pack(value), connection, prepared)

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))
