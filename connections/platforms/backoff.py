"""How long to wait before trying again: one rule for requests, syncs and pushes."""

import random


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """base x 2^(attempt-1), capped, stretched by up to 20% so that retries do not march in step."""
    return min(cap, base * 2 ** max(0, attempt - 1)) * random.uniform(1.0, 1.2)
