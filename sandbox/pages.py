"""Helpers of every sandbox page: a form's errors as messages, a placeholder picture."""

import zlib

from django.contrib import messages
from django.http import HttpResponse
from django.utils.html import escape


def tile_image(title: str, key: str) -> HttpResponse:
    """A placeholder picture: an SVG tile with the title's initials, its colour picked by `key`."""
    initials = "".join(word[0] for word in title.split()[:3] if word[0].isalnum()).upper()
    hue = zlib.crc32(key.encode()) % 360
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" viewBox="0 0 300 300">'
        f'<rect width="300" height="300" fill="hsl({hue},45%,82%)"/>'
        '<text x="150" y="170" font-family="Georgia,serif" font-size="84" text-anchor="middle" '
        f'fill="hsl({hue},40%,30%)">{escape(initials)}</text></svg>'
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form[field].label if field in form.fields else "Form"
        messages.error(request, f"{label}: {' '.join(errors)}")
