"""`{{ order.state|state_badge }}`: an order's state badge, the partial templates/orders/_state.html.

A platform has a dozen states and the order list shows fifty badges a page, so each state's
badge is rendered once and kept: an `{% include %}` a row cost the list about 5 ms of its 47
(bench/scale.py). With DEBUG on it is rendered every time, so an edited partial shows at once.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from connections.platforms.states import State

register = template.Library()


@register.filter
def state_badge(state: State) -> SafeString:
    return _render(state) if settings.DEBUG else _kept(state)


def _render(state: State) -> SafeString:
    return render_to_string("orders/_state.html", {"state": state})


# Bounded: a platform may send codes it never declared, each its own "not recognised" state.
_kept = lru_cache(maxsize=1024)(_render)
