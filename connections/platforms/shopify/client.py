"""GraphQL to one store's Admin API, over the kit's HTTP client.

What Shopify adds to plain HTTP (platforms/shopify.md §1, §3, §6):

* The token rides in `X-Shopify-Access-Token`. It is the merchant's Admin API access
  token, or one the portal gets for the client ID and secret of the merchant's own app
  (client credentials, 24 hours): cached encrypted in the kit's `TokenCache`, renewed an
  hour early, and once more on a 401.
* Every answer carries the query's cost and the store's bucket (`extensions.cost`). The
  client keeps the last bucket and, before the next query, waits until the bucket holds
  that query's cost: it waits for the bucket rather than being refused. A THROTTLED
  answer, whether it comes with HTTP 200 or 429, is waited out the same way and sent
  again. A wait longer than MAX_WAIT ends the call as RateLimited, so a sync resumes
  later instead of holding a worker. Each refusal waited out is a retry the run absorbed
  (the kit's `FaultLog`); a wait for the bucket before a query is pacing, not a fault.
* Errors come back with HTTP 200: `errors` beside (or instead of) `data`. They are told
  apart by `extensions.code` and become the kit's four kinds.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ..answers import Reading
from ..base import PlatformContext
from ..errors import AuthError, PlatformError, RateLimited, TransientError, cut_short
from ..faults import RATE_LIMIT
from ..http import PlatformClient, parse_retry_after
from ..tokens import TokenCache

NAME = "Shopify"
TOKENS = TokenCache(NAME, "shopify-token", renew_before=3600, default_lifetime=86399)
# The longest wait for the bucket inside one call; longer, and the run resumes later.
MAX_WAIT = 30.0
# THROTTLED answers waited out, in a row, before the call gives up as rate limited.
MAX_THROTTLED = 5


def api_version(ctx: PlatformContext) -> str:
    """The Admin API version: the pinned one, unless staff set the option `api_version` on the connection."""
    return str(ctx.options.get("api_version") or settings.SHOPIFY_API_VERSION)


class AboveBucket(PlatformError):
    """The query costs more than the store's whole bucket holds: it can never be sent as it is."""

    def __init__(self, cost: float, maximum: float):
        super().__init__(
            f"{NAME} allows this store {maximum:.0f} points a query at most, and the portal's query needs {cost:.0f}."
        )
        self.cost, self.maximum = cost, maximum


@dataclass
class Bucket:
    """The store's cost bucket as the last answer told it."""

    available: float
    maximum: float
    restore_rate: float
    at: float  # monotonic time of that answer

    def wait_for(self, cost: float, now: float) -> float:
        """Seconds until the bucket holds `cost`, restoring at its rate; 0 when it holds it now."""
        held = min(self.maximum, self.available + self.restore_rate * (now - self.at))
        if held >= cost or self.restore_rate <= 0:
            return 0.0
        return (cost - held) / self.restore_rate


class GraphQL:
    """One store's Admin API for the length of one adapter call."""

    def __init__(self, ctx: PlatformContext, secrets: list[str], *, sleep=None, clock=None):
        self.ctx = ctx
        self.secrets = secrets
        self.path = f"/admin/api/{api_version(ctx)}/graphql.json"
        self.sleep, self.clock = sleep or time.sleep, clock or time.monotonic
        self.bucket: Bucket | None = None
        self.costs: dict[str, float] = {}  # the requested cost each document was last charged
        self.http = self._http()

    def query(
        self, document: str, variables: dict | None = None, *, reading: Reading | None, cost: float | None = None
    ) -> dict:
        """`data` of the answer; waits for the bucket first (`cost`: the document's requested cost, when known).

        A query that reads names its `reading` (`readings`): an answer Shopify does not document is
        retried, then fails the read. A mutation (None) is not judged: it may have acted."""
        expected = cost if cost is not None else self.costs.get(document, 0.0)
        for attempt in range(MAX_THROTTLED + 1):
            if self.bucket is not None and expected > self.bucket.maximum:
                raise AboveBucket(expected, self.bucket.maximum)
            self._wait(self.bucket.wait_for(expected, self.clock()) if self.bucket else 0.0, "its query budget")
            body = self._post({"query": document, "variables": variables or {}}, reading)
            self._note_cost(document, body)
            if _code(body) == "THROTTLED":
                # The answer told the bucket: the wait above, next time round, is for it. Without a
                # bucket that explains the refusal, try again in a second.
                expected = self._requested(body) or expected
                wait = self.bucket.wait_for(expected, self.clock()) if self.bucket is not None else 0.0
                if attempt < MAX_THROTTLED and wait <= MAX_WAIT:  # else the call gives up: not absorbed
                    self.http.absorbed(RATE_LIMIT, wait or 1.0, label="THROTTLED (query cost)")
                if wait <= 0:
                    self._wait(1.0, "its query budget")
                continue
            return _data(body)
        raise RateLimited(
            f"{NAME} throttled {MAX_THROTTLED + 1} queries in a row; the run goes on later.", retry_after=MAX_WAIT
        )

    # -- transport -------------------------------------------------------------------------------
    def _http(self, *, renew: bool = False) -> PlatformClient:
        token = self._token(renew=renew)
        return PlatformClient(
            NAME,
            self.ctx,
            secrets=[*self.secrets, token],
            headers={"X-Shopify-Access-Token": token},
        )

    def _token(self, *, renew: bool) -> str:
        c = self.ctx.credentials
        if c.get("access_token"):
            return c["access_token"]

        def fetch():
            client = PlatformClient(NAME, self.ctx, secrets=self.secrets)
            return client.post_form(
                "/admin/oauth/access_token",
                {
                    "grant_type": "client_credentials",
                    "client_id": c.get("client_id", ""),
                    "client_secret": c.get("client_secret", ""),
                },
            )

        return TOKENS.token(self.ctx, fetch, renew=renew)

    def _post(self, payload: dict, reading: Reading | None) -> Any:
        """The answer's JSON; a 429 is read here (its body may say THROTTLED)."""

        def send():
            return self.http.request(
                "POST", self.path, json_body=payload, idempotent=True, also_ok=(429,), reading=reading
            )

        try:
            reply = send()
        except AuthError:
            if self.ctx.credentials.get("access_token") or not self.ctx.credentials.get("client_id"):
                raise
            TOKENS.forget(self.ctx)  # a day's token expired or was revoked early: one more, once
            self.http = self._http(renew=True)
            reply = send()
        body = reply.value if reading is not None and reply.status != 429 else self.http.decode(reply)
        if reply.status == 429 and _code(body) != "THROTTLED":
            wait = parse_retry_after(reply.headers.get("Retry-After"))
            if wait > MAX_WAIT:
                raise RateLimited(
                    f"{NAME} is limiting how fast we may call it (HTTP 429); it asked us to wait {wait:.0f} seconds.",
                    retry_after=wait,
                    status=429,
                )
            self._wait(wait, "its request limit")
            self.http.absorbed(RATE_LIMIT, wait, status=429)
            return self._post(payload, reading)
        return body

    # -- the bucket ------------------------------------------------------------------------------
    def _note_cost(self, document: str, body: Any) -> None:
        cost = _cost(body)
        status = cost.get("throttleStatus") if isinstance(cost.get("throttleStatus"), dict) else None
        if status is not None:
            with contextlib.suppress(KeyError, TypeError, ValueError):  # unreadable: the bucket stays as it was
                self.bucket = Bucket(
                    available=float(status["currentlyAvailable"]),
                    maximum=float(status["maximumAvailable"]),
                    restore_rate=float(status["restoreRate"]),
                    at=self.clock(),
                )
        if (requested := self._requested(body)) is not None:
            self.costs[document] = requested

    @staticmethod
    def _requested(body: Any) -> float | None:
        try:
            return float(_cost(body)["requestedQueryCost"])
        except (KeyError, TypeError, ValueError):
            return None

    def _wait(self, seconds: float, what: str) -> None:
        if seconds <= 0:
            return
        if seconds > MAX_WAIT:
            raise RateLimited(
                f"{NAME} needs {seconds:.0f} seconds to refill {what}; the run goes on later.", retry_after=seconds
            )
        self.sleep(seconds + 0.05)


def _cost(body: Any) -> dict:
    extensions = body.get("extensions") if isinstance(body, dict) else None
    cost = extensions.get("cost") if isinstance(extensions, dict) else None
    return cost if isinstance(cost, dict) else {}


def errors_of(body: Any) -> list[dict]:
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, str):  # the REST-style {"errors": "Not Found"}
        return [{"message": errors}]
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _code(body: Any) -> str:
    for error in errors_of(body):
        extensions = error.get("extensions") if isinstance(error.get("extensions"), dict) else {}
        if extensions.get("code"):
            return str(extensions["code"])
    return ""


def _data(body: Any) -> dict:
    """The answer's `data`, or its errors as the kit's kinds. A field Shopify hides from the app
    (protected customer data: ACCESS_DENIED with a path) is null in `data`, not a failure."""
    errors = errors_of(body)
    data = body.get("data") if isinstance(body, dict) else None
    fatal = [e for e in errors if not (e.get("path") and error_code(e) == "ACCESS_DENIED" and data)]
    if fatal:
        error = fatal[0]
        code, words = error_code(error), cut_short(str(error.get("message") or "an error without words"))
        kwargs = {"code": code, "platform_message": words, "status": 200}
        if code == "ACCESS_DENIED":
            raise AuthError(f"{NAME} refused access: {words}", **kwargs)
        if code in ("INTERNAL_SERVER_ERROR", "TIMEOUT"):
            raise TransientError(f"{NAME} had a server error: {words}", **kwargs)
        raise PlatformError(f"{NAME} refused the query: {words}", **kwargs)
    if not isinstance(data, dict):
        raise TransientError(f"{NAME} answered without the data it was asked for.")
    return data


def error_code(error: dict) -> str:
    extensions = error.get("extensions") if isinstance(error.get("extensions"), dict) else {}
    return str(extensions.get("code") or "")
