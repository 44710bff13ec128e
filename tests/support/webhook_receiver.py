"""A real HTTP receiver for a sandbox platform's webhooks: a small http.server on 127.0.0.1 in a
thread that records each request and answers the codes it is told to.

Each platform's test helpers subclass it to say how its deliveries authenticate (`accepts`)
and what their event is called.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler

from .local_server import LocalServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class WebhookReceiver(LocalServer):
    """Each POST is recorded; the answer is the next of `codes` (then `default`), after `delay`
    seconds (for timeouts); with `secret`, a request `accepts` refuses gets 401."""

    path = "/webhooks/sandbox/abc/"

    def __init__(self, *codes: int, default: int = 200, delay: float = 0, secret: str | None = None):
        self.codes = deque(codes)
        self.default, self.delay, self.secret = default, delay, secret
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = Received(self.path, dict(self.headers.items()), body)
                receiver.received.append(request)
                time.sleep(receiver.delay)
                self.send_response(receiver.answer(request))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(Handler)

    def accepts(self, request: Received) -> bool:
        """Whether the request authenticates under `secret` (only asked when one is set)."""
        raise NotImplementedError

    def answer(self, request: Received) -> int:
        if self.secret is not None and not self.accepts(request):
            return 401
        return self.codes.popleft() if self.codes else self.default

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"
