"""The one filter every page uses for how long something took."""

from datetime import timedelta

import pytest

from portal.templatetags.portal_tags import duration


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (timedelta(0), "under a second"),
        (timedelta(milliseconds=40), "under a second"),
        (timedelta(seconds=4.4), "4 s"),
        (timedelta(seconds=59.6), "1 min"),
        (timedelta(minutes=2, seconds=5), "2 min 5 s"),
        (timedelta(minutes=7), "7 min"),
        (timedelta(hours=1, minutes=3, seconds=40), "1 h 3 min"),
        (timedelta(hours=2), "2 h"),
        (30.0, "30 s"),
        (None, ""),
    ],
)
def test_durations_are_said_in_useful_units(value, said):
    assert duration(value) == said
