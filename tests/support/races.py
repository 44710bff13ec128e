"""Running things at the same moment, each in a thread with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def run_together(*calls: Callable[[], object], timeout: float = 60) -> list[object]:
    """Start every call at once (a barrier), wait for all; returns their results in order, and
    raises the first exception one of them raised. Needs `django_db(transaction=True)`: each
    thread commits through its own connection, closed as it ends."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # handed back to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError(f"a racing call still runs after {timeout} s")
    if errors:
        raise errors[0]
    return results
