"""What a platform's answer to a read means: the one rule every adapter's reads go through.

A read names what it asks for (`Reading.what`, "the approved orders") and the shape the
platform documents for its answer (`Reading.shape`). An answer in that shape is believed,
and only a "none" the platform documents (`[]`, an empty `nodes` list, `total: 0`) means
none. Any other answer with a success status is ambiguous and distrusted: an empty body,
an HTML page or plain text where JSON was asked for, JSON cut short, an error carried in a
success (`{"error": ...}`, an `errors` array), or JSON of the wrong shape (an object where
a list was documented, a list of ids where documents were). `judge` turns each into an
`UnexpectedAnswer`, a `TransientError` the shared client retries with the backoff of a 5xx;
when it persists, the read fails with words that name the endpoint and what came back.
A sync's page fails with it, so its cursor stays where it was and the run is not succeeded.

Where a platform is known to answer "none" in an undocumented way, its package says so
once, with the source, as a `Quirk` on that read. The default is distrust.

The platform's own words in an error body, whatever its shape (`platform_message`), are
read here too: the client quotes them for an error status and this rule for an error
carried in a success.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

from .errors import TransientError, cut_short

# The ambiguous answers, as the fault log labels them and the sandboxes serve them.
EMPTY_BODY = "empty body"
HTML_PAGE = "HTML page"
PLAIN_TEXT = "plain text"
CUT_SHORT = "JSON cut short"
ERROR_IN_SUCCESS = "error in a success answer"
WRONG_SHAPE = "wrong shape"
IDS_ONLY = "ids instead of documents"
IDS_WORDS = "a list of ids"
ERROR_WORDS = "an error in a success answer"


class Shape:
    """What a platform documents for an answer (or a part of one)."""

    def problem(self, value: Any) -> str | None:
        """What is wrong with `value`, as words that end "... was expected"; None when it fits."""
        raise NotImplementedError


def kind_of(value: Any) -> str:
    """A JSON value in words: "an object", "a list", "a string", "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, dict):
        return "an object" if value else "an empty object"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, str):
        return "a string"
    return "a number"


def _is_id(value: Any) -> bool:
    return (isinstance(value, str) and bool(value)) or (isinstance(value, int) and not isinstance(value, bool))


@dataclass(frozen=True)
class Anything(Shape):
    """Any JSON value at all (a field whose presence is what counts)."""

    def problem(self, value: Any) -> str | None:
        return None


@dataclass(frozen=True)
class Text(Shape):
    noun: str

    def problem(self, value: Any) -> str | None:
        return None if isinstance(value, str) and value else f"{kind_of(value)} where {self.noun} was expected"


@dataclass(frozen=True)
class Count(Shape):
    """A whole number, or one written as digits."""

    noun: str

    def problem(self, value: Any) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        if isinstance(value, str) and value.strip().isdigit():
            return None
        return f"{kind_of(value)} where {self.noun} was expected"


@dataclass(frozen=True)
class Document(Shape):
    """An object with (at least) `fields`, each of its shape."""

    noun: str
    fields: dict[str, Shape] = field(default_factory=dict)

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, dict):
            return f"{kind_of(value)} where {self.noun} was expected"
        for name, shape in self.fields.items():
            if name not in value:
                return f"{self.noun} without its \u201c{name}\u201d"
            if said := shape.problem(value[name]):
                return said
        return None


def document(noun: str, **fields: Shape) -> Document:
    return Document(noun, fields)


@dataclass(frozen=True)
class ListOf(Shape):
    """A list of documents (objects), of ids (`ids=True, documents=False`), or of either (both
    True, where the docs read both ways); `[]` is a documented none."""

    noun: str  # plural: "orders"
    ids: bool = False
    documents: bool = True
    # The id every document has: one without it is the adapter's to report, but a list where none
    # has it is not a list of these documents.
    key: str = ""

    def problem(self, value: Any) -> str | None:
        if not isinstance(value, list):
            return f"{kind_of(value)} where a list of {self.noun} was expected"
        if not self.ids and value and all(_is_id(v) for v in value):
            return f"{IDS_WORDS} where {self.noun} were expected"
        bad = next((v for v in value if not self._fits(v)), None)
        if bad is not None:
            return f"a list holding {kind_of(bad)} where a list of {self.noun} was expected"
        documents = [v for v in value if isinstance(v, dict)]
        if self.key and documents and not any(self.key in d for d in documents):
            return f"a list of objects without \u201c{self.key}\u201d where {self.noun} were expected"
        return None

    def _fits(self, value: Any) -> bool:
        return (self.ids and _is_id(value)) or (self.documents and isinstance(value, dict))


@dataclass(frozen=True)
class Either(Shape):
    """One of two documented readings (the docs show both): the first's words when neither fits."""

    first: Shape
    second: Shape

    def problem(self, value: Any) -> str | None:
        said = self.first.problem(value)
        if said is None or self.second.problem(value) is None:
            return None
        return said


@dataclass(frozen=True)
class Nullable(Shape):
    """`null` is a documented answer (a single read's "no such thing")."""

    shape: Shape

    def problem(self, value: Any) -> str | None:
        return None if value is None else self.shape.problem(value)


@dataclass(frozen=True)
class Pdf(Shape):
    """A PDF file, not JSON: judged by its first bytes."""

    def problem(self, value: Any) -> str | None:
        return None  # judged in `judge`, before any JSON


@dataclass(frozen=True)
class Quirk:
    """A platform answers "none" in a way it does not document: `answer` (one of the labels above)
    is taken as `means`. Declared once in the platform's package, with its `source`."""

    answer: str
    means: Any
    source: str


@dataclass(frozen=True)
class Reading:
    """One read: what it asks for, in words ("the approved orders"), and the documented shape of
    its answer. `errors_are_answers`: the platform documents `errors` in a success (GraphQL),
    and the shape decides which of them are ambiguous."""

    what: str
    shape: Shape
    quirks: tuple[Quirk, ...] = ()
    errors_are_answers: bool = False
    # How the words name the endpoint, where its path holds account ids ("GET /v2/chains/{chain}/orders");
    # else the method and path requested.
    endpoint: str = ""


class UnexpectedAnswer(TransientError):
    """A success whose answer is not what the platform documents: retried as a 5xx is."""

    def __init__(self, message: str, *, answer: str, came_back: str, status: int | None = None):
        super().__init__(message, status=status)
        self.answer = answer  # the label: EMPTY_BODY, WRONG_SHAPE, ...
        self.came_back = came_back  # in words: "an empty body", "an object where a list of orders was expected"


def judge(platform: str, endpoint: str, reading: Reading, content: bytes, content_type: str, status: int) -> Any:
    """The answer's value (JSON, or the bytes of a PDF) if it is what `reading` documents; else
    raises `UnexpectedAnswer` naming `endpoint` ("GET /api/orders/approved/detail")."""
    answer, came_back, value = _examine(reading, content, content_type)
    if answer is None:
        return value
    quirk = next((q for q in reading.quirks if q.answer == answer), None)
    if quirk is not None:
        return quirk.means
    raise UnexpectedAnswer(
        answered(platform, reading, endpoint, [came_back]), answer=answer, came_back=came_back, status=status
    )


def answered(platform: str, reading: Reading, endpoint: str, came_back: list[str]) -> str:
    """The words for what came back on each attempt: "<platform> answered the approved orders
    (GET /api/orders/approved/detail) with an empty body twice."""
    return f"{platform} answered {reading.what} ({reading.endpoint or endpoint}) with {_told(came_back)}."


def _told(came_back: list[str]) -> str:
    if len(set(came_back)) == 1:
        times = {1: "", 2: " twice"}.get(len(came_back), f" {len(came_back)} times")
        return f"{came_back[0]}{times}"
    return ", then ".join(came_back)


def _examine(reading: Reading, content: bytes, content_type: str) -> tuple[str | None, str, Any]:
    """(label, words, value): label None when the answer is as documented."""
    text = content.strip()
    if not text:
        return EMPTY_BODY, "an empty body", None
    if isinstance(reading.shape, Pdf):
        if not text.startswith(b"%PDF"):
            return _not_pdf(text, content_type)
        # A PDF ends with its %%EOF marker (a few bytes of whitespace may follow).
        whole = b"%%EOF" in text[-64:]
        return (None, "", content) if whole else (CUT_SHORT, f"a PDF cut short ({len(text):,} bytes)", None)
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _not_json(text, content_type)
    keys = ("error",) if reading.errors_are_answers else ("error", "errors")
    if said := _error_words(value, keys):
        return ERROR_IN_SUCCESS, error_in_success(said), None
    if said := reading.shape.problem(value):
        return _label(said), said, None
    return None, "", value


def error_in_success(words: str) -> str:
    """What came back, for an error a success carries (a shape that reads errors itself says it so)."""
    return f"{ERROR_WORDS} (\u201c{cut_short(words, 120) or 'no words'}\u201d)"


def _label(said: str) -> str:
    if said.startswith(IDS_WORDS):
        return IDS_ONLY
    return ERROR_IN_SUCCESS if said.startswith(ERROR_WORDS) else WRONG_SHAPE


def _not_pdf(text: bytes, content_type: str) -> tuple[str, str, None]:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _not_json(text, content_type)
    if said := _error_words(value, ("error", "errors")):
        return ERROR_IN_SUCCESS, error_in_success(said), None
    return WRONG_SHAPE, "JSON where a PDF was expected", None


def _not_json(text: bytes, content_type: str) -> tuple[str, str, None]:
    if "html" in content_type.lower() or text[:1] == b"<":
        return HTML_PAGE, "an HTML page", None
    if text[:1] in b"{[":
        return CUT_SHORT, f"JSON cut short ({len(text):,} bytes)", None
    snippet = cut_short(text[:60].decode("utf-8", errors="replace"), 40)
    return PLAIN_TEXT, f"plain text (\u201c{snippet}\u201d)", None


def _error_words(value: Any, keys: tuple[str, ...]) -> str:
    """The words of an error a success carries under `keys` (`{"error": ...}`, `{"errors": [...]}`);
    '' for none. A platform whose shape reads `errors` itself (GraphQL) leaves that key to it."""
    if not isinstance(value, dict):
        return ""
    for key in keys:
        if said := value.get(key):
            return words_in_json(said)[0] or key
    return ""


def platform_message(content: bytes, content_type: str = "") -> tuple[str, str]:
    """The platform's own words (and error code) from an error body, whatever its shape.

    Handles `{"errors": [{"code", "title"}]}`, a bare `{"code", "title"}`, `{"error": ...}`,
    `{"message": ...}`, `{"detail": ...}`, a JSON string, plain text and an empty body.
    """
    text = content.decode("utf-8", errors="replace").strip()
    if not text:
        return "", ""
    try:
        body = json.loads(text)
    except ValueError:
        if "html" in content_type.lower() or text.lstrip().startswith("<"):
            return "(an HTML error page)", ""
        return cut_short(text), ""
    return words_in_json(body)


# Where an error body keeps its words, first found first.
WORDS_KEYS = ("title", "message", "detail", "error_description", "description")


def words_in_json(body: Any) -> tuple[str, str]:
    if isinstance(body, str):
        return cut_short(body), ""
    if isinstance(body, list):
        parts = [words_in_json(item) for item in body[:5]]
        words = "; ".join(p[0] for p in parts if p[0])
        code = next((p[1] for p in parts if p[1]), "")
        return cut_short(words), code
    if not isinstance(body, dict):
        return cut_short(str(body)), ""
    code = str(body.get("code", "") or "")
    for key in ("errors", "error"):
        if not body.get(key):
            continue
        if isinstance(body[key], str) and any(body.get(k) for k in WORDS_KEYS):
            # A bare code beside the words ({"error": "conflict", "message": ...},
            # OAuth's {"error": "invalid_client", "error_description": ...}): the words say it.
            code = code or body[key]
            break
        words, inner_code = words_in_json(body[key])
        return words, inner_code or code
    for key in WORDS_KEYS:
        if body.get(key):
            return cut_short(str(body[key])), code
    return cut_short(code or json.dumps(body)), code
