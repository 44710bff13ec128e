"""The shared per-host request budget (connections.throttle) on the real database."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection as db_connection

from connections.models import HostBudget
from connections.platforms.errors import RateLimited
from connections.throttle import MAX_QUEUE_SECONDS, WINDOW, HostThrottle, window_budget, window_start


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
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
def test_thirty_requests_in_a_row_wait_for_the_next_window_instead_of_failing(settings):
    """The production settings: 8 slots a window and a 5 s inline wait, shorter than a window."""
    settings.PLATFORM_MAX_INLINE_WAIT = 5
    clock = Clock()
    clock.now += timedelta(seconds=3)  # mid-window: the 9th request has 7 s to wait
    throttle = HostThrottle(per_minute=60, sleep=clock.sleep, clock=clock)
    sent = []
    for _ in range(30):
        throttle.acquire("foodpanda.example")  # never RateLimited
        sent.append(clock.now)
    for i, at in enumerate(sent):
        assert len([t for t in sent[i:] if t - at < timedelta(seconds=60)]) <= 60
    per_window = {}
    for at in sent:
        per_window[window_start(at)] = per_window.get(window_start(at), 0) + 1
    assert max(per_window.values()) == window_budget(60) and len(per_window) == 4  # 8 + 8 + 8 + 6
    assert clock.slept and max(clock.slept) <= WINDOW and max(clock.slept) > throttle.max_wait
    assert not HostBudget.objects.get(host="foodpanda.example").blocked_until


@pytest.mark.django_db
def test_a_short_block_is_waited_out():
    clock = Clock()
    throttle = HostThrottle(per_minute=60, max_wait=5, sleep=clock.sleep, clock=clock)
    throttle.acquire("h")
    throttle.back_off("h", 3)
    throttle.acquire("h")
    assert clock.slept == [3.0]


@pytest.mark.django_db
def test_hosts_have_separate_budgets():
    clock = Clock()
    throttle = HostThrottle(per_minute=6, max_wait=0, sleep=clock.sleep, clock=clock)
    assert window_budget(6) == 1
    throttle.acquire("a")
    throttle.acquire("b")
    assert clock.slept == []  # b's budget is its own
    throttle.acquire("a")
    assert clock.slept == [WINDOW]  # a's next slot is in the next window, even with max_wait=0
    assert HostBudget.objects.count() == 2


@pytest.mark.django_db
def test_a_caller_that_others_keep_beating_to_the_slots_gives_up_after_a_while():
    clock = Clock()
    budget = window_budget(60)

    def others_take_every_slot(seconds):
        clock.sleep(seconds)
        HostBudget.objects.filter(host="busy").update(window_started_at=window_start(clock.now), used=budget)

    throttle = HostThrottle(per_minute=60, max_wait=5, sleep=others_take_every_slot, clock=clock)
    HostBudget.objects.create(host="busy", window_started_at=window_start(clock.now), used=budget)
    with pytest.raises(RateLimited, match="syncs are using them all"):
        throttle.acquire("busy")
    assert sum(clock.slept) == MAX_QUEUE_SECONDS


@pytest.mark.django_db
def test_a_person_waiting_is_told_when_to_try_again_instead_of_kept_for_a_window(settings):
    """Inline (Test connection, Add Account): a spent budget is said at once when the next
    window is further off than PLATFORM_MAX_INLINE_WAIT; a worker waits for it."""
    settings.PLATFORM_MAX_INLINE_WAIT = 5
    budget = window_budget(60)
    for inline, host in ((True, "inline.example"), (False, "worker.example")):
        clock = Clock()
        clock.now += timedelta(seconds=2)  # 8 s before the next window
        HostBudget.objects.create(host=host, window_started_at=window_start(clock.now), used=budget)
        throttle = HostThrottle(per_minute=60, sleep=clock.sleep, clock=clock, inline=inline)
        if inline:
            with pytest.raises(RateLimited, match="the next one may go in 8 seconds") as caught:
                throttle.acquire(host)
            assert caught.value.retry_after == 8 and clock.slept == []
        else:
            throttle.acquire(host)
            assert clock.slept == [8.0]
    clock = Clock()
    clock.now += timedelta(seconds=7)  # 3 s before the next window: a person waits that long
    HostBudget.objects.filter(host="inline.example").update(window_started_at=window_start(clock.now), used=budget)
    HostThrottle(per_minute=60, sleep=clock.sleep, clock=clock, inline=True).acquire("inline.example")
    assert clock.slept == [3.0]


class Interfere:
    """Runs `other` (another process's write) once, right after the first query matching `when`."""

    def __init__(self, when, other):
        self.when, self.other, self.done = when, other, False

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not self.done and self.when(sql):
            self.done = True
            self.other()
        return result


@pytest.mark.django_db
def test_a_caller_that_loses_the_window_reset_still_takes_a_free_slot():
    clock = Clock()
    start = window_start(clock.now)
    HostBudget.objects.create(host="h", window_started_at=start - timedelta(seconds=WINDOW), used=8)

    def other_process_resets():
        HostBudget.objects.filter(host="h").update(window_started_at=start, used=1)

    # Our slot UPDATE finds the old window full; before our reset, another process resets it.
    interfere = Interfere(lambda sql: sql.startswith("UPDATE") and '"used" + ' in sql, other_process_resets)
    throttle = HostThrottle(per_minute=60, max_wait=5, sleep=clock.sleep, clock=clock)
    with db_connection.execute_wrapper(interfere):
        throttle.acquire("h")
    assert interfere.done
    assert clock.slept == []  # 7 slots were left: no wait for the next window
    assert HostBudget.objects.get(host="h").used == 2


@pytest.mark.django_db
def test_a_caller_that_loses_the_create_still_takes_a_free_slot():
    clock = Clock()
    start = window_start(clock.now)

    def other_process_creates():
        HostBudget.objects.create(host="h", window_started_at=start, used=1)

    # We see no row; another process makes it before our INSERT, which then fails.
    interfere = Interfere(lambda sql: sql.startswith("SELECT") and "LIMIT 1" in sql, other_process_creates)
    throttle = HostThrottle(per_minute=60, max_wait=5, sleep=clock.sleep, clock=clock)
    with db_connection.execute_wrapper(interfere):
        throttle.acquire("h")
    assert interfere.done
    assert clock.slept == []
    assert HostBudget.objects.get(host="h").used == 2


class WouldWait(Exception):
    pass


def refuse_to_wait(seconds):
    raise WouldWait


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_share_one_budget():
    """Threads with their own database connections, as workers have: no slot is handed out
    twice, and nobody waits while a slot of the window is left."""
    budget = window_budget(60)
    taken, waited = [], []

    def call():
        try:
            HostThrottle(per_minute=60, max_wait=0, sleep=refuse_to_wait).acquire("shared.example")
            taken.append(1)
        except WouldWait:
            waited.append(1)
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
    assert len(taken) == budget and len(waited) == budget * 2
    assert HostBudget.objects.get(host="shared.example").used == budget
