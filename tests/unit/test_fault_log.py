"""The faults a request's retries absorbed are told to the caller's FaultLog, and only those."""

import threading

import pytest
import requests
import responses

from connections.platforms import faults
from connections.platforms.base import PlatformContext
from connections.platforms.errors import TransientError
from connections.platforms.faults import FaultLog
from connections.platforms.http import PlatformClient
from tests.support.readings import ANY_JSON

BASE = "https://api.example.test"


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def log():
    return FaultLog()


@pytest.fixture
def client(sleeps, log, settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 4
    settings.PLATFORM_MAX_INLINE_WAIT = 5
    ctx = PlatformContext(base_url=BASE, credentials={}, faults=log)
    return PlatformClient("Store", ctx, sleep=sleeps.append)


@responses.activate
def test_a_429_then_two_500s_absorbed_are_on_the_record(client, log, sleeps):
    responses.get(f"{BASE}/x", status=429, headers={"Retry-After": "3"})
    responses.get(f"{BASE}/x", status=500, body="Internal Server Error")
    responses.get(f"{BASE}/x", status=500, body="Internal Server Error")
    responses.get(f"{BASE}/x", json={"ok": True})

    assert client.get_json("/x", ANY_JSON) == {"ok": True}

    record = log.record()
    assert set(record) == {"HTTP 429", "HTTP 500"}
    assert record["HTTP 429"] == {"kind": "rate_limit", "status": 429, "count": 1, "longest_wait": 3.0}
    assert record["HTTP 500"]["kind"] == "server_error" and record["HTTP 500"]["count"] == 2
    # The longest of the two backoffs actually slept, to a tenth of a second.
    assert record["HTTP 500"]["longest_wait"] == round(max(sleeps[1:]), 1)
    assert faults.describe(record) == "3 retries absorbed (1 rate limit, 2 server errors)"


@responses.activate
def test_timeouts_and_failed_connections_are_told_apart(client, log):
    responses.get(f"{BASE}/x", body=requests.exceptions.ReadTimeout("read timed out"))
    responses.get(f"{BASE}/x", body=requests.exceptions.ConnectTimeout("connect timed out"))
    responses.get(f"{BASE}/x", body=requests.exceptions.ConnectionError("Connection refused"))
    responses.get(f"{BASE}/x", json=[])

    client.get_json("/x", ANY_JSON)

    record = log.record()
    assert {label: (entry["kind"], entry["count"]) for label, entry in record.items()} == {
        "timeout": ("timeout", 2),
        "failed connection": ("connection", 1),
    }
    assert record["timeout"]["status"] is None
    assert faults.describe(record) == "3 retries absorbed (2 timeouts, 1 failed connection)"


@responses.activate
def test_the_fault_that_is_not_absorbed_is_the_failure_not_a_retry(client, log):
    for _ in range(4):
        responses.get(f"{BASE}/x", status=503, body="")
    with pytest.raises(TransientError):
        client.get_json("/x", ANY_JSON)
    assert log.record()["HTTP 503"]["count"] == 3  # four attempts: three retries, then the failure


@responses.activate
def test_a_post_that_is_not_retried_absorbs_nothing(client, log):
    responses.post(f"{BASE}/act", status=502, body="")
    with pytest.raises(TransientError):
        client.post_form("/act", {})
    assert log.record() == {} and not log


@responses.activate
def test_a_long_retry_after_ends_the_call_and_is_not_absorbed(client, log, sleeps):
    responses.get(f"{BASE}/x", status=429, headers={"Retry-After": "600"})
    with pytest.raises(Exception, match="600 seconds"):
        client.get_json("/x", ANY_JSON)
    assert log.record() == {} and sleeps == []


@responses.activate
def test_a_context_without_a_log_records_nothing_and_still_retries(sleeps, settings):
    settings.PLATFORM_HTTP_ATTEMPTS = 2
    responses.get(f"{BASE}/x", status=500)
    responses.get(f"{BASE}/x", json={})
    client = PlatformClient("Store", PlatformContext(base_url=BASE, credentials={}), sleep=sleeps.append)
    assert client.get_json("/x", ANY_JSON) == {} and len(sleeps) == 1


def test_a_log_goes_on_from_what_an_earlier_worker_kept():
    log = FaultLog({"HTTP 429": {"kind": "rate_limit", "status": 429, "count": 2, "longest_wait": 30.0}})
    log.absorbed(faults.RATE_LIMIT, 4.0, status=429)
    log.absorbed(faults.SERVER_ERROR, 1.26, status=502)
    assert log.record() == {
        "HTTP 429": {"kind": "rate_limit", "status": 429, "count": 3, "longest_wait": 30.0},
        "HTTP 502": {"kind": "server_error", "status": 502, "count": 1, "longest_wait": 1.3},
    }


def test_threads_reporting_to_one_log_lose_no_count():
    log = FaultLog()

    def report():
        for _ in range(500):
            log.absorbed(faults.TIMEOUT, 0.5)

    threads = [threading.Thread(target=report) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert log.record()["timeout"]["count"] == 2000


def test_words_for_one_and_for_none():
    assert faults.describe({}) == "" and faults.describe(None) == ""
    assert faults.describe({"timeout": {"kind": "timeout", "count": 1}}) == "1 retry absorbed (1 timeout)"
