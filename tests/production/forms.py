"""Reading an HTML form's fields as a browser would submit them, for the smoke test's HTTP client.

Standard library only: a browser sends every input's value (checked boxes and radios only),
every select's selected options and every textarea; that is what `fields` returns.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    @property
    def _current(self):
        return self.forms[-1]["fields"] if self.forms else None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": []})
            return
        fields = self._current
        if fields is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            fields.append((name, attrs.get("value") or ("on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            fields.append((name, ""))

    def handle_data(self, data):
        if self._textarea and self._current:
            name, value = self._current[-1]
            self._current[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None and self._current is not None:
                self._current.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str, action_contains: str = "") -> list[tuple[str, str]]:
    """The fields of the first form whose action contains `action_contains`, as a browser would post them."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if action_contains in form["action"]:
            return list(form["fields"])
    raise LookupError(f"No form with an action containing {action_contains!r} on the page.")


def with_values(fields: list[tuple[str, str]], **typed: str) -> list[tuple[str, str]]:
    """The fields with `typed` replacing (or adding) values, as a person would type them."""
    kept = [(name, value) for name, value in fields if name not in typed]
    return kept + list(typed.items())
