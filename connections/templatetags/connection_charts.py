"""The charts' figures for the templates/connections/_charts*.html partials.

Tags, so the pages that show them add one `{% include %}` and their views stay as they are.
"""

from django import template

from .. import activity

register = template.Library()


@register.simple_tag
def orders_imported_chart(connection):
    return activity.orders_imported(connection)


@register.simple_tag
def fetch_durations_chart(connection):
    return activity.fetch_durations(connection)


@register.simple_tag
def orders_trends_chart(merchant, connections):
    return activity.orders_trends(merchant, connections)
