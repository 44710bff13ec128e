"""Plain values the platforms' sandboxes share: JSON as they serve it, and millisecond times."""

import json
from datetime import UTC, datetime


def dump_json(value) -> str:
    """Compact JSON, UTF-8 kept as is (the responses are UTF-8)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def iso_ms(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z (2014-09-19T12:54:54.921Z), as many APIs write times."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_ms(moment: datetime) -> datetime:
    """A moment cut to whole milliseconds, so a column and the JSON say the same."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
