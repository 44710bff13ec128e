"""A platform's order states in words a merchant reads, and what each means for the portal.

Each platform declares its states (`Platform.states`): its own code, the words the pages show,
the canonical `OrderStatus` the code maps to, and a `Tone` that says where the order stands.
The pages colour a state by its tone alone, so a new platform's states are coloured without
the portal naming it; the words are always shown too, so colour is never the only signal.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .base import OrderStatus


class Tone(enum.StrEnum):
    """Where an order in a state stands, as the pages colour it."""

    WAITING = "waiting"  # waiting for the merchant (or the platform's approval)
    ACTIVE = "active"  # under way
    DONE = "done"  # dispatched, delivered, closed without a problem
    CANCELLED = "cancelled"  # declined, expired, cancelled or refunded
    PROBLEM = "problem"  # held, or a state the portal does not know


@dataclass(frozen=True)
class State:
    """One of a platform's order states."""

    code: str  # as the platform spells it; never shown to a merchant
    words: str  # a badge's few words: "Placed"
    status: OrderStatus
    tone: Tone
    detail: str = ""  # what the words leave unsaid: "new, waiting for you to accept"

    @property
    def label(self) -> str:
        """The words with their detail: a choice in a connection's settings, a badge's title."""
        return f"{self.words} ({self.detail})" if self.detail else self.words


def status_map(states: tuple[State, ...]) -> dict[str, OrderStatus]:
    """{platform code: canonical status}, for a package's reading of its orders."""
    return {state.code: state.status for state in states}


def unrecognised(code: str) -> State:
    """A state the platform sent that it never declared: said as such, never shown as its code."""
    return State(code, "State not recognised", OrderStatus.UNKNOWN, Tone.PROBLEM)
