"""A platform's error body reaches pages, mails and run errors only cut short, whatever its size."""

import html

import pytest
import responses
from django.urls import reverse

from connections.models import Problem
from connections.platforms.errors import MAX_FAILURE_CHARS, MAX_MESSAGE_CHARS, PlatformError
from connections.platforms.http import platform_message
from tests.factories import ConnectionFactory

# A 400 whose body is a whole log dump: its start is the platform's words, its end must never show.
HUGE_BODY = "Bad request: the order window is wrong. " + "trace line " * 20_000 + "END-OF-THE-BODY"


@pytest.fixture(autouse=True)
def quick(settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 1


def test_test_connection_shows_a_huge_error_body_cut_short(member_client, merchant):
    connection = ConnectionFactory(merchant=merchant)
    with responses.RequestsMock() as mock:
        mock.get(f"{connection.base_url_override}/api/v1/orders", status=400, body=HUGE_BODY)
        response = member_client.post(reverse("connections:test", args=[connection.pk]), follow=True)
    page = html.unescape(response.content.decode())
    assert "Test failed. NOTHS refused the request (HTTP 400): Bad request: the order window is wrong." in page
    assert "END-OF-THE-BODY" not in page and "trace line " * 40 not in page
    assert "\u2026" in page  # the reader sees that it was cut
    connection.refresh_from_db()
    problem = Problem.objects.get(connection=connection)
    for shown in (connection.last_error, problem.message):
        assert shown.startswith("NOTHS refused the request (HTTP 400): Bad request")
        assert len(shown) < MAX_MESSAGE_CHARS + 100 and "END-OF-THE-BODY" not in shown


@pytest.mark.parametrize(
    "body",
    [
        HUGE_BODY.encode(),
        f'{{"message": "{HUGE_BODY}"}}'.encode(),
        f'{{"errors": [{{"title": "{HUGE_BODY}"}}]}}'.encode(),
        f'{{"code": "{HUGE_BODY}"}}'.encode(),
    ],
    ids=["text", "message", "errors", "only-a-code"],
)
def test_the_platforms_words_are_cut_short_in_every_shape(body):
    words, _ = platform_message(body)
    assert len(words) <= MAX_MESSAGE_CHARS and words.endswith("\u2026") and words.startswith("Bad request")


def test_a_failure_bounds_whatever_an_adapter_puts_in_it():
    error = PlatformError(f"The platform said: {HUGE_BODY}", code=HUGE_BODY, platform_message=HUGE_BODY)
    assert len(error.message) <= MAX_FAILURE_CHARS and str(error) == error.message
    assert len(error.platform_message) <= MAX_MESSAGE_CHARS and len(error.code) <= 100
    assert "END-OF-THE-BODY" not in f"{error.message}{error.code}{error.platform_message}"
    short = PlatformError("Refused (HTTP 409): taken.", platform_message="taken.")
    assert (short.message, short.platform_message) == ("Refused (HTTP 409): taken.", "taken.")
