"""The kit's small readers that several platforms share: JSON objects of documents, and which
of a token or a client ID and secret an account was given."""

import pytest

from connections.platforms.tokens import token_or_client_problems
from connections.platforms.values import json_object

MISSING = "Enter the token, or the client ID and secret."


@pytest.mark.parametrize("value", [None, ""])
def test_a_missing_object_reads_as_an_empty_one(value):
    assert json_object(value) == {}


def test_an_object_reads_as_itself():
    value = {"a": 1}
    assert json_object(value) is value


@pytest.mark.parametrize("value", [[], "text", 3, 0, False])
def test_anything_else_where_an_object_belongs_is_a_type_error_naming_what_came(value):
    with pytest.raises(TypeError, match=type(value).__name__):
        json_object(value)


@pytest.mark.parametrize(
    "given",
    [
        {"token": "t"},
        {"client_id": "id", "client_secret": "secret"},
        {"token": "t", "client_id": "id"},  # a token is enough; a stray half of the pair is not judged
    ],
)
def test_a_token_or_a_whole_client_pair_is_enough(given):
    assert token_or_client_problems(given, "token", MISSING) == {}


def test_nothing_given_asks_for_the_token_field():
    assert token_or_client_problems({"token": "", "client_id": ""}, "token", MISSING) == {"token": MISSING}


@pytest.mark.parametrize(
    ("given", "field"),
    [({"client_id": "id"}, "client_secret"), ({"client_secret": "secret"}, "client_id")],
)
def test_half_a_client_pair_points_at_the_missing_half(given, field):
    assert token_or_client_problems(given, "access_token", MISSING) == {field: "The client ID and secret go together."}
