"""The shared per-host request budget (connections.throttle) on the real database."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from connections.models import HostBudget
from connections.platforms.errors import RateLimited
from connections.throttle import WINDOW, HostThrottle, window_budget


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += timedelta(seconds=seconds)


def test_no_sixty_second_span_holds_more_than_the_limit():
    budget = window_budget(60)
    assert budget * (60 // WINDOW + 1) <= 60
    assert window_budget(1) == 1  # a tiny limit still lets requests through, slowly


@pytest.mark.django_db
def test_requests_wait_for_the_next_window_and_never_exceed_the_limit():
    clock = Clock()
    throttle = HostThrottle(per_minute=60, max_wait=30, sleep=clock.sleep, clock=clock)
    sent = []
    for _ in range(200):
        throttle.acquire("foodpanda.example")
        sent.append(clock.now)
    for i, at in enumerate(sent):
        in_a_minute = [t for t in sent[i:] if t - at < timedelta(seconds=60)]
        assert len(in_a_minute) <= 60
    assert sent[-1] - sent[0] < timedelta(minutes=5)  # and it is not a crawl either


@pytest.mark.django_db
def test_a_long_wait_ends_the_run_instead_of_holding_a_worker():
    clock = Clock()
    throttle = HostThrottle(per_minute=60, max_wait=5, sleep=clock.sleep, clock=clock)
    throttle.acquire("h")
    throttle.back_off("h", 120)
    with pytest.raises(RateLimited) as caught:
        throttle.acquire("h")
    assert 119 <= caught.value.retry_after <= 120
    clock.sleep(121)
    throttle.acquire("h")  # free again


@pytest.mark.django_db
def test_hosts_have_separate_budgets():
    clock = Clock()
    throttle = HostThrottle(per_minute=6, max_wait=0, sleep=clock.sleep, clock=clock)
    throttle.acquire("a")
    with pytest.raises(RateLimited):
        throttle.acquire("a")
    throttle.acquire("b")
    assert HostBudget.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_share_one_budget():
    """Threads with their own database connections, as workers have: no slot is handed out twice."""
    budget = window_budget(60)
    taken, refused = [], []

    def call():
        try:
            HostThrottle(per_minute=60, max_wait=0).acquire("shared.example")
            taken.append(1)
        except RateLimited:
            refused.append(1)
        finally:
            from django.db import connection

            connection.close()

    # Start inside one window so all of them compete for the same slots.
    now = datetime.now(UTC)
    if now.timestamp() % WINDOW > WINDOW - 2:
        threading.Event().wait(2.5)
    threads = [threading.Thread(target=call) for _ in range(budget * 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == budget and len(refused) == budget * 2
