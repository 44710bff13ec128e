"""Form widgets whose HTML is built in Python where Django's templates cost too much."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class LongSelect(forms.Select):
    """A `<select>` of many options (a merchant's connections), written in Python.

    Django renders each `<option>` through two templates, about 75 µs apiece: a chain with 200
    outlets added 15 ms to every order list page for its connection filter alone. This writes the
    same markup, the first option whose value is the widget's selected as Django's is, without the
    templates or the dictionary Django builds for each option. A select with option groups is left
    to Django.
    """

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if any(isinstance(label, list | tuple) for _, label in choices):
            return super().render(name, value, attrs, renderer)
        wanted = set(self.format_value(value))
        rows, chosen = [], False
        for option_value, label in choices:
            option_value = "" if option_value is None else option_value
            selected = not chosen and str(option_value) in wanted
            chosen |= selected
            rows.append((option_value, " selected" if selected else "", label))
        options = format_html_join("", '<option value="{}"{}>{}</option>', rows)
        select_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, select_attrs, options)
