"""The dispatch form's help comes from the order's platform: its own words, its own settings."""

import pytest

from connections.platforms import registry


@pytest.mark.parametrize("platform", [p for p in registry.all_platforms() if p.shipments], ids=lambda p: p.key)
def test_the_dispatch_forms_words_are_the_platforms_own(platform):
    others = {p.short_name for p in registry.all_platforms()} - {platform.short_name}
    option_labels = {f.label for f in platform.option_fields}
    for words in platform.shipments.field_help.values():
        assert not [name for name in others if name in words], words
        if "connection's" in words:  # a setting of the connection: one it has, by its label
            assert any(label in words for label in option_labels), words
