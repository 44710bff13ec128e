"""Ambiguous answers a fake API gives its reads when an account's `AnswerSwitch` says so.

Each is a 200 that is not what the platform documents for the endpoint: what a proxy, a
half-deployed server or a platform's own bug sends. Most are made from the real answer (cut
short, of the wrong shape, its documents replaced by their ids), so they look like it.
A platform's sandbox part declares its read endpoints (`ReadEndpoint`) and each API view
of one passes its answer through `answer_for`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse

from .models import AnswerSwitch, SandboxAccount, take_one

JSON_ANSWERS = tuple(code for code, _ in AnswerSwitch.ANSWERS)
# A file's read (a PDF) has no JSON to reshape.
FILE_ANSWERS = (
    AnswerSwitch.EMPTY,
    AnswerSwitch.HTML,
    AnswerSwitch.TEXT,
    AnswerSwitch.CUT,
    AnswerSwitch.ERROR,
    AnswerSwitch.ERRORS,
)
ID_KEYS = ("id", "_id", "order_id")
HTML = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1><p>The upstream server is restarting.</p></body></html>"
)


@dataclass(frozen=True)
class ReadEndpoint:
    """A read of a fake API that can be switched to an ambiguous answer."""

    name: str  # the switch's `endpoint`: "orders", "query Orders"
    label: str  # as the platform's docs write it: "GET /api/orders/{status}/detail"
    answers: tuple[str, ...] = JSON_ANSWERS


def answer_for(account: SandboxAccount, endpoint: str, response: HttpResponse) -> HttpResponse:
    """`response`, or the ambiguous answer the account's switch for `endpoint` sets (using up one of its N).
    Only a success is replaced: an error answer is the platform saying what went wrong."""
    if not 200 <= response.status_code < 300:
        return response
    switch = AnswerSwitch.objects.filter(account=account, endpoint=endpoint).exclude(remaining=0).first()
    if switch is None:
        return response
    garbled = ambiguous(switch.answer, response.content)
    # Ids of no documents (an empty list) are the real answer: the switch is kept for one that has some.
    if garbled is None or not take_one(switch, "remaining"):
        return response
    return garbled


def ambiguous(answer: str, real: bytes) -> HttpResponse | None:
    """The 200 of kind `answer` (an `AnswerSwitch.ANSWERS` code) made from the real body; None where
    there is nothing to make it of (ids of an answer that holds no documents)."""
    if answer == AnswerSwitch.EMPTY:
        return HttpResponse(b"", content_type="application/json")
    if answer == AnswerSwitch.HTML:
        return HttpResponse(HTML, content_type="text/html; charset=utf-8")
    if answer == AnswerSwitch.TEXT:
        return HttpResponse("OK", content_type="text/plain; charset=utf-8")
    if answer == AnswerSwitch.CUT:
        return HttpResponse(real[: max(1, len(real) // 2)], content_type="application/json")
    if answer == AnswerSwitch.ERROR:
        return _json({"error": "The service is temporarily unavailable; please retry."})
    if answer == AnswerSwitch.ERRORS:
        return _json({"errors": [{"message": "Internal error. Looks like something went wrong on our end."}]})
    if answer == AnswerSwitch.SHAPE:
        return _json(wrong_shape(json.loads(real)))
    ids = ids_only(json.loads(real))
    return None if ids == json.loads(real) else _json(ids)


def wrong_shape(body: Any) -> Any:
    """An object where a list is documented, a list where an object is."""
    return {"result": body} if isinstance(body, list) else [body]


def ids_only(body: Any) -> Any:
    """The first document (an object with an id) or list of documents, breadth first, as its id(s)."""
    if _id_of(body) is not None:
        return _id_of(body)
    if _documents(body):
        return [_id_of(item) for item in body]
    queue = [body]
    while queue:
        node = queue.pop(0)
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            if _documents(child):
                node[key] = [_id_of(item) for item in child]
                return body
            if _id_of(child) is not None:
                node[key] = _id_of(child)
                return body
            queue.append(child)
    return body


def _id_of(value: Any) -> Any:
    if isinstance(value, dict):
        return next((value[key] for key in ID_KEYS if value.get(key) not in (None, "")), None)
    return None


def _documents(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(_id_of(item) is not None for item in value)


def _json(value: Any) -> HttpResponse:
    return HttpResponse(json.dumps(value), content_type="application/json")
