"""The Add Connection wizard in a test, as a browser holds it: the page's form, typed into, posted.

The wizard keeps nothing on the server between steps: each page's form carries every step's
fields. So a test posts what the last page's form holds (as a browser would), changed by what
is typed, never a hand-made dict that a real page would not send.
"""

from __future__ import annotations

import re

from django.urls import reverse

from tests.production.forms import form_fields

Typed = dict[str, str | list[str] | None]


class WizardWalk:
    """One merchant going through the wizard: `press` Next, Back or Add connection with `typed`."""

    def __init__(self, client, query: str = ""):
        self.client = client
        self.url = reverse("connections:wizard")
        self.response = client.get(f"{self.url}{query}")

    @property
    def html(self) -> str:
        return self.response.content.decode()

    @property
    def step(self) -> str:
        """The step the page shows (its hidden `step` field)."""
        return re.search(r'name="step" value="(\w+)"', self.html).group(1)

    def fields(self) -> dict[str, list[str]]:
        """What the page's form would post now, by name."""
        held: dict[str, list[str]] = {}
        for name, value in form_fields(self.html, self.url):
            held.setdefault(name, []).append(value)
        return held

    def press(self, typed: Typed | None = None, go: str = "next"):
        """Type `typed` (a list for checkboxes; None clears a field) and press the button `go`."""
        data = self.fields()
        for name, value in (typed or {}).items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value if isinstance(value, list) else [value]
        self.response = self.client.post(self.url, {**data, "go": go})
        return self.response

    def through(self, *pages: Typed) -> WizardWalk:
        """Next on each step in turn, typing each page's values."""
        for typed in pages:
            self.press(typed)
        return self
