"""The one rule for reads (`connections.platforms.answers`): an answer the platform does not
document is retried as a 5xx is, then fails in words naming the endpoint and what came back;
only a documented "none" means none."""

import pytest
import responses

from connections.platforms import faults
from connections.platforms.answers import (
    CUT_SHORT,
    EMPTY_BODY,
    ERROR_IN_SUCCESS,
    HTML_PAGE,
    IDS_ONLY,
    PLAIN_TEXT,
    WRONG_SHAPE,
    Count,
    Either,
    ListOf,
    Nullable,
    Pdf,
    Quirk,
    Reading,
    Text,
    UnexpectedAnswer,
    document,
    judge,
)
from connections.platforms.base import PlatformContext
from connections.platforms.errors import TransientError
from connections.platforms.http import PlatformClient

BASE = "https://api.example.test"
TOKEN = "tok-SECRET-1234567890"
PENDING = Reading("the pending orders", ListOf("orders"))
INDEX = Reading(
    "the order list", document("an order list", data=ListOf("orders"), query=document("counts", total=Count("a total")))
)


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps, settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 2
    ctx = PlatformContext(base_url=BASE, credentials={}, faults=faults.FaultLog())
    return PlatformClient("NuORDER", ctx, secrets=[TOKEN], sleep=sleeps.append)


def judged(reading, body: bytes, content_type="application/json"):
    return judge("NuORDER", "GET /x", reading, body, content_type, 200)


# What comes back, and the label and words the rule gives it.
AMBIGUOUS = [
    (b"", "", EMPTY_BODY, "an empty body"),
    (b"   \n", "application/json", EMPTY_BODY, "an empty body"),
    (b"<html><body>Bad gateway</body></html>", "text/html", HTML_PAGE, "an HTML page"),
    (b"<!doctype html><p>maintenance", "application/json", HTML_PAGE, "an HTML page"),
    (b"OK", "text/plain", PLAIN_TEXT, "plain text (\u201cOK\u201d)"),
    (b'[{"_id": "a", "status": "pend', "application/json", CUT_SHORT, "JSON cut short (29 bytes)"),
    (b'{"orders": []}', "application/json", WRONG_SHAPE, "an object where a list of orders was expected"),
    (b'["5f0000000000000000000001"]', "application/json", IDS_ONLY, "a list of ids where orders were expected"),
    (b'[{"_id": "a"}, 7.5]', "application/json", WRONG_SHAPE, "a list holding a number where a list of orders"),
    (b'{"error": "database unavailable"}', "application/json", ERROR_IN_SUCCESS, "\u201cdatabase unavailable\u201d"),
    (
        b'{"errors": [{"message": "Internal error"}]}',
        "application/json",
        ERROR_IN_SUCCESS,
        "\u201cInternal error\u201d",
    ),
    (b"null", "application/json", WRONG_SHAPE, "null where a list of orders was expected"),
]


@pytest.mark.parametrize(("body", "content_type", "label", "words"), AMBIGUOUS)
def test_every_ambiguous_answer_is_unexpected_with_its_label_and_words(body, content_type, label, words):
    with pytest.raises(UnexpectedAnswer) as caught:
        judged(PENDING, body, content_type)
    assert caught.value.answer == label
    assert words in caught.value.came_back
    assert str(caught.value).startswith("NuORDER answered the pending orders (GET /x) with ")


def test_only_the_documented_none_means_none():
    assert judged(PENDING, b"[]") == []
    assert judged(INDEX, b'{"data": [], "query": {"total": 0}}') == {"data": [], "query": {"total": 0}}
    with pytest.raises(UnexpectedAnswer, match="without its \u201cdata\u201d"):
        judged(INDEX, b'{"query": {"total": 0}}')
    with pytest.raises(UnexpectedAnswer, match="without its \u201cquery\u201d"):
        judged(INDEX, b'{"data": []}')
    with pytest.raises(UnexpectedAnswer, match="an empty object where a list of orders"):
        judged(PENDING, b"{}")


def test_shapes_read_both_ways_where_the_docs_do():
    either = Reading(
        "the orders", Either(ListOf("orders", ids=True), document("a list", orders=ListOf("orders", ids=True)))
    )
    assert judged(either, b'["a", "b"]') == ["a", "b"]
    assert judged(either, b'{"orders": [{"order_id": "a"}]}') == {"orders": [{"order_id": "a"}]}
    with pytest.raises(UnexpectedAnswer, match="an empty object where a list of orders was expected"):
        judged(either, b"{}")
    order = Reading("the order", Nullable(document("an order", id=Text("an id"))))
    assert judged(order, b"null") is None
    with pytest.raises(UnexpectedAnswer, match="an order without its \u201cid\u201d"):
        judged(order, b'{"name": "#1001"}')


def test_a_list_of_ids_is_believed_where_ids_are_documented():
    ids = Reading("the approved order ids", ListOf("order ids", ids=True, documents=False))
    assert judged(ids, b'["a", "b"]') == ["a", "b"]
    with pytest.raises(UnexpectedAnswer) as caught:
        judged(ids, b'[{"_id": "a"}]')
    assert caught.value.answer == WRONG_SHAPE


def test_a_pdf_read_takes_a_pdf_only():
    note = Reading("the dispatch note", Pdf())
    assert judged(note, b"%PDF-1.4 ...%%EOF\n") == b"%PDF-1.4 ...%%EOF\n"
    with pytest.raises(UnexpectedAnswer, match="a PDF cut short"):
        judged(note, b"%PDF-1.4 ... 3 0 obj")
    with pytest.raises(UnexpectedAnswer, match="JSON where a PDF was expected"):
        judged(note, b'{"note": "no"}')
    with pytest.raises(UnexpectedAnswer, match="an error in a success answer"):
        judged(note, b'{"error": "no"}')
    with pytest.raises(UnexpectedAnswer, match="an HTML page"):
        judged(note, b"<html></html>", "text/html")


def test_a_quirk_the_platform_package_declares_is_the_only_way_round_distrust():
    quirky = Reading("the pending orders", ListOf("orders"), quirks=(Quirk(EMPTY_BODY, [], "a source that shows it"),))
    assert judged(quirky, b"") == []
    with pytest.raises(UnexpectedAnswer):
        judged(quirky, b"<html></html>")


@responses.activate
def test_an_ambiguous_answer_is_retried_with_backoff_then_fails_naming_the_endpoint_and_what_came_back(client, sleeps):
    responses.get(f"{BASE}/api/orders/pending/detail", body="")
    with pytest.raises(TransientError) as caught:
        client.get_json("/api/orders/pending/detail", PENDING)
    assert str(caught.value) == (
        "NuORDER answered the pending orders (GET /api/orders/pending/detail) with an empty body twice."
    )
    assert len(responses.calls) == 2 and len(sleeps) == 1 and sleeps[0] > 0
    entry = client.faults.record()[EMPTY_BODY]
    assert (entry["kind"], entry["status"], entry["count"]) == (faults.UNEXPECTED_ANSWER, 200, 1)


@responses.activate
def test_different_answers_are_told_in_turn(client):
    responses.get(f"{BASE}/x", body="<html>busy</html>", content_type="text/html")
    responses.get(f"{BASE}/x", json={"orders": []})
    with pytest.raises(UnexpectedAnswer) as caught:
        client.get_json("/x", PENDING)
    assert "with an HTML page, then an object where a list of orders was expected." in str(caught.value)


@responses.activate
def test_a_good_answer_after_an_ambiguous_one_is_taken(client):
    responses.get(f"{BASE}/x", body="")
    responses.get(f"{BASE}/x", json=[{"_id": "a"}])
    assert client.get_json("/x", PENDING) == [{"_id": "a"}]


@responses.activate
def test_plain_text_that_holds_a_secret_is_scrubbed(client):
    responses.get(f"{BASE}/x", body=f"token {TOKEN}", content_type="text/plain")
    with pytest.raises(UnexpectedAnswer) as caught:
        client.get_json("/x", PENDING)
    assert TOKEN not in str(caught.value) and "plain text" in str(caught.value)


@responses.activate
def test_a_read_that_only_posts_is_judged_and_retried_the_same_way(client):
    responses.post(f"{BASE}/graphql.json", json={"errors": [{"message": "Internal error"}]})
    responses.post(f"{BASE}/graphql.json", json=[{"_id": "a"}])
    assert client.query_json("/graphql.json", {"query": "{}"}, PENDING) == [{"_id": "a"}]


def test_a_list_of_objects_none_of_which_has_the_id_is_not_a_list_of_those_documents():
    orders = Reading("the orders", ListOf("orders", key="order_id"))
    assert judged(orders, b'[{"order_id": "a"}, {"order_code": "x-1"}]')  # one without: the adapter reports it
    with pytest.raises(UnexpectedAnswer, match="a list of objects without \u201corder_id\u201d where orders"):
        judged(orders, b'[{"page": 1, "orders": []}]')
