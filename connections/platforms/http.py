"""The one HTTP client every adapter uses.

It puts a timeout on every request, retries what is safe to retry, and turns every
failure into one of the four kinds in `errors` with a message in plain words that
holds no secret. Adapters never catch `requests` exceptions themselves. A host staff set
(the account's `PlatformContext.check_host`) is called only where `outbound` allows.
Each fault it absorbs by waiting and trying again is reported to the context's `FaultLog`
(`faults`), when the caller gave one.
"""

from __future__ import annotations

import email.utils
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson
import requests
from django.conf import settings

from . import faults, outbound
from . import scrub as scrubbing
from .answers import Reading, UnexpectedAnswer, answered, judge, platform_message
from .backoff import backoff_seconds
from .base import PlatformContext
from .errors import (
    AuthError,
    PlatformError,
    PlatformFailure,
    RateLimited,
    TransientError,
    cut_short,
)

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_RETRY_AFTER = 60.0
USER_AGENT = "order-integration-portal/1.0"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    content: bytes
    value: Any = None  # a read's answer, once judged to be what the platform documents

    def json(self) -> Any:
        return orjson.loads(self.content)


def parse_retry_after(value: str | None, now: float | None = None) -> float:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return DEFAULT_RETRY_AFTER
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    if when is None:
        return DEFAULT_RETRY_AFTER
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class PlatformClient:
    """HTTP to one platform account. Build one per adapter call; it is cheap."""

    def __init__(
        self,
        platform: str,
        ctx: PlatformContext,
        *,
        secrets=(),
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        auth=None,
        session: requests.Session | None = None,
        attempts: int | None = None,
        max_inline_wait: float | None = None,
        forbidden_is_auth: bool = True,
        sleep=time.sleep,
    ):
        """`ctx` says where the account is: its API host, and whether every request there is checked
        first (staff's override: `outbound`, which then also holds `session`).

        `forbidden_is_auth=False`: the platform answers 403 for an action the account may
        not take (a read-only account changing an order), not for bad credentials, so a 403 is a
        refusal in its words."""
        self.platform = platform
        self.base_url = ctx.base_url.rstrip("/")
        self.secrets = [s for s in secrets if s]
        for secret in self.secrets:
            scrubbing.remember(secret)
        self.params = dict(params or {})
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        self.auth = auth
        self.session = session or requests.Session()
        if ctx.check_host:
            outbound.guard(self.session)
        self.attempts = attempts if attempts is not None else settings.PLATFORM_HTTP_ATTEMPTS
        self.max_inline_wait = max_inline_wait if max_inline_wait is not None else settings.PLATFORM_MAX_INLINE_WAIT
        self.timeout = (settings.PLATFORM_CONNECT_TIMEOUT, settings.PLATFORM_READ_TIMEOUT)
        self.forbidden_is_auth = forbidden_is_auth
        self.sleep = sleep
        self.faults = ctx.faults
        self.clock = ctx.clock

    # -- public ---------------------------------------------------------------------
    def get_json(self, path: str, reading: Reading, params: dict[str, Any] | None = None) -> Any:
        """GET `path`: its answer, which `reading` says the platform documents (`answers`)."""
        return self.request("GET", path, params=params, reading=reading).value

    def post_form(self, path: str, data: dict[str, Any], params: dict[str, Any] | None = None) -> Any:
        return self.decode(self.request("POST", path, params=params, data=data), allow_empty=True)

    def get_bytes(self, path: str, reading: Reading, params: dict[str, Any] | None = None) -> bytes:
        """GET a file (a PDF) that `reading` describes."""
        return self.request("GET", path, params=params, reading=reading).value

    def post_json(self, path: str, body: Any, params: dict[str, Any] | None = None) -> Any:
        return self.decode(self.request("POST", path, params=params, json_body=body), allow_empty=True)

    def query_json(self, path: str, body: Any, reading: Reading) -> Any:
        """POST a request that only reads (a GraphQL query): retried as a GET is, its answer judged as one."""
        return self.request("POST", path, json_body=body, idempotent=True, reading=reading).value

    def request(
        self, method, path, *, params=None, data=None, json_body=None, also_ok=(), idempotent=False, reading=None
    ) -> Reply:
        """Send one request with bounded retries; return a 2xx `Reply` or raise a `PlatformFailure`.

        `also_ok` lists other statuses the caller handles itself (a 304 meaning "already so").

        GETs are retried on timeouts, connection failures and 5xx. Other methods are
        retried only when the request cannot have arrived (connect failure) or was
        refused with 429, because a repeated POST might act twice; unless `idempotent`
        says this one only reads.

        A read (`reading`) has its 2xx answer judged (`answers.judge`) into `Reply.value`: an
        answer the platform does not document is retried as a 5xx is, and when every attempt
        brings one, the words say what came back each time.
        """
        method = method.upper()
        query = {**self.params, **(params or {})}
        url = f"{self.base_url}{path}"
        safe = method in SAFE_METHODS or idempotent
        came_back: list[str] = []
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                reply = self._send_once(method, url, query, data, json_body, also_ok)
                if reading is not None and 200 <= reply.status < 300:
                    reply.value = self._judge(method, path, reading, reply)
                return reply
            except UnexpectedAnswer as exc:
                came_back.append(exc.came_back)
                if last or not safe:
                    raise UnexpectedAnswer(
                        self._scrub(answered(self.platform, reading, f"{method} {path}", came_back)),
                        answer=exc.answer,
                        came_back=exc.came_back,
                        status=exc.status,
                    ) from None
                self._wait_and_retry(exc, self._backoff(attempt))
            except RateLimited as exc:
                if last or exc.retry_after > self.max_inline_wait:
                    raise
                self._wait_and_retry(exc, exc.retry_after)
            except _ConnectFailure as exc:
                if last:
                    raise exc.error from None
                self._wait_and_retry(exc.error, self._backoff(attempt))
            except TransientError as exc:
                if last or not safe:
                    raise
                self._wait_and_retry(exc, self._backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def absorbed(self, kind: str, wait: float, *, status: int | None = None, label: str = "") -> None:
        """Tell the caller's `FaultLog`, if any, of a fault absorbed by waiting `wait` seconds and trying
        again; for an adapter that retries by itself (a query budget), as the client does."""
        if self.faults is not None:
            self.faults.absorbed(kind, wait, status=status, label=label)

    # -- internals ------------------------------------------------------------------
    def _judge(self, method: str, path: str, reading: Reading, reply: Reply) -> Any:
        content_type = reply.headers.get("Content-Type", "")
        return judge(self.platform, f"{method} {path}", reading, reply.content, content_type, reply.status)

    def _wait_and_retry(self, error: PlatformFailure, wait: float) -> None:
        kind, label = _fault_of(error)
        self.absorbed(kind, wait, status=error.status, label=label)
        self.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        return backoff_seconds(attempt, base=0.5, cap=8.0)

    def _display_url(self, url: str, query: dict[str, Any]) -> str:
        shown = f"{url}?{urlencode(query)}" if query else url
        return self._scrub(shown)

    def _scrub(self, text: str) -> str:
        return scrubbing.scrub(text, self.secrets)

    def _send_once(self, method, url, query, data, json_body, also_ok=()) -> Reply:
        shown_url = self._display_url(url, query)
        started, sent = time.monotonic(), time.time()
        try:
            response = self.session.request(
                method,
                url,
                params=query,
                data=data,
                json=json_body,
                headers=self.headers,
                auth=self.auth,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.exceptions.ConnectTimeout:
            raise _ConnectFailure(
                _TimedOut(
                    f"Could not connect to {self.platform} at {self._host(url)} within {self.timeout[0]:g} seconds."
                )
            ) from None
        except requests.exceptions.Timeout:
            raise _TimedOut(f"{self.platform} did not answer within {self.timeout[1]:g} seconds.") from None
        except requests.exceptions.ConnectionError as exc:
            reason = self._scrub(_root_reason(exc))
            raise _ConnectFailure(
                _Unreached(f"Could not reach {self.platform} at {self._host(url)}: {reason}")
            ) from None
        except requests.exceptions.RequestException as exc:
            raise TransientError(f"Request to {self.platform} failed: {self._scrub(str(exc))}") from None
        elapsed_ms = (time.monotonic() - started) * 1000
        self.clock.observe(response.headers.get("Date"), sent, time.time())
        log.info("%s %s %s -> %s in %.0f ms", self.platform, method, shown_url, response.status_code, elapsed_ms)
        reply = Reply(response.status_code, dict(response.headers), response.content)
        if reply.status not in also_ok:
            self._raise_for_status(reply)
        return reply

    def _raise_for_status(self, reply: Reply) -> None:
        status = reply.status
        if 200 <= status < 300:
            return
        words, code = platform_message(reply.content, reply.headers.get("Content-Type", ""))
        words = self._scrub(words)
        said = f": {words}" if words else " with an empty body"
        kwargs = {"status": status, "code": code, "platform_message": words}
        name = self.platform
        if status == 401 or (status == 403 and self.forbidden_is_auth):
            verb = "rejected the credentials" if status == 401 else "refused access"
            raise AuthError(f"{name} {verb} (HTTP {status}){said}.", **kwargs)
        if status == 429:
            wait = parse_retry_after(reply.headers.get("Retry-After"))
            raise RateLimited(
                f"{name} is limiting how fast we may call it (HTTP 429); it asked us to wait {wait:.0f} seconds.",
                retry_after=wait,
                **kwargs,
            )
        if status >= 500:
            raise TransientError(f"{name} had a server error (HTTP {status}){said}.", **kwargs)
        if 300 <= status < 400:
            raise PlatformError(
                f"{name} answered with a redirect (HTTP {status}) to "
                f"{cut_short(self._scrub(reply.headers.get('Location', '?')), 200)}; check the API host.",
                **kwargs,
            )
        raise PlatformError(f"{name} refused the request (HTTP {status}){said}.", **kwargs)

    def decode(self, reply: Reply, *, allow_empty: bool = False) -> Any:
        """The JSON of a reply; an empty or unreadable answer is a passing fault (TransientError)."""
        if not reply.content.strip():
            if allow_empty:
                return None
            raise TransientError(f"{self.platform} sent an empty answer (HTTP {reply.status}).", status=reply.status)
        try:
            return reply.json()
        except ValueError:
            snippet = self._scrub(reply.content[:60].decode("utf-8", errors="replace"))
            raise TransientError(
                f"{self.platform} sent an answer that is not valid JSON "
                f"(HTTP {reply.status}, {len(reply.content)} bytes, starting {snippet!r}).",
                status=reply.status,
            ) from None

    @staticmethod
    def _host(url: str) -> str:
        return urlsplit(url).netloc


class _ConnectFailure(Exception):
    """Internal: the request never reached the platform, so any method may be retried."""

    def __init__(self, error: PlatformFailure):
        super().__init__(str(error))
        self.error = error


class _TimedOut(TransientError):
    """A timeout (connecting or waiting for the answer): a TransientError, told apart in the `FaultLog`."""


class _Unreached(TransientError):
    """The connection failed (refused, reset, no such host): a TransientError, told apart in the `FaultLog`."""


def _fault_of(error: PlatformFailure) -> tuple[str, str]:
    """The `FaultLog` kind and label of a fault the client absorbs."""
    if isinstance(error, UnexpectedAnswer):
        return faults.UNEXPECTED_ANSWER, error.answer
    if isinstance(error, RateLimited):
        return faults.RATE_LIMIT, f"HTTP {error.status}" if error.status else "rate limit"
    if isinstance(error, _TimedOut):
        return faults.TIMEOUT, "timeout"
    if isinstance(error, _Unreached):
        return faults.CONNECTION, "failed connection"
    if error.status and error.status >= 500:
        return faults.SERVER_ERROR, f"HTTP {error.status}"
    return faults.OTHER, "failed request"


def _root_reason(exc: BaseException) -> str:
    """The innermost cause of a requests ConnectionError, without the URL noise."""
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        seen = seen.__cause__ or seen.__context__
    text = str(seen) or type(seen).__name__
    if "Connection refused" in text or "ECONNREFUSED" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "the host name does not resolve"
    return text[:200]
