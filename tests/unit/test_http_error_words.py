"""An error body's bare code beside its words: the words are what the merchant reads."""

import json

import pytest

from connections.platforms.http import platform_message


@pytest.mark.parametrize(
    ("body", "words", "code"),
    [
        (
            {"error": "conflict", "message": "Order fp-1 is already cancelled"},
            "Order fp-1 is already cancelled",
            "conflict",
        ),
        ({"error": "invalid_client", "error_description": "Unknown client"}, "Unknown client", "invalid_client"),
        ({"error": "conflict", "code": 409, "message": "Taken"}, "Taken", "409"),
        ({"error": "Plain error"}, "Plain error", ""),
        ({"error": {"code": "E1", "message": "Nested"}, "message": "Outer"}, "Nested", "E1"),
    ],
)
def test_a_bare_error_code_does_not_hide_the_words(body, words, code):
    assert platform_message(json.dumps(body).encode()) == (words, code)
