"""What the settings' one log handler ("console": scrubbed, formatted) writes, captured in a test."""

from __future__ import annotations

import io
import logging
import time
from contextlib import contextmanager


@contextmanager
def console_output():
    """Yields a StringIO holding every line the console handler writes while inside `with`."""
    console = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    written = io.StringIO()
    earlier = console.setStream(written)
    try:
        yield written
    finally:
        console.setStream(earlier)


def wait_for_line(written: io.StringIO, text: str, seconds: float = 10) -> None:
    """Wait until `text` is written: a server writes its access line after the client has the answer."""
    deadline = time.monotonic() + seconds
    while text not in written.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
