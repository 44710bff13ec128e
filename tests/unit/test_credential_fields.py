"""A platform's credential fields become form fields that tidy what a merchant pastes."""

import pytest
from django import forms

from connections.forms import credential_form_field
from connections.platforms.base import CredentialField


def host_of(value: str) -> str:
    """What a platform's `normalize` does: an address into the account's name, or words."""
    name = value.removeprefix("https://").strip("/").split(".")[0]
    if not name.isalnum():
        raise ValueError(f"{value!r} is not a store address: it looks like store.example.com.")
    return f"{name}.example.com"


def test_a_pasted_value_is_normalized_as_the_platform_says():
    field = credential_form_field(CredentialField("shop", "Store", secret=False, normalize=host_of))
    assert field.clean(" https://corner.example.com/\n") == "corner.example.com"
    assert field.clean("corner") == "corner.example.com"


def test_a_value_the_platform_cannot_read_is_refused_in_its_words():
    field = credential_form_field(CredentialField("shop", "Store", secret=False, normalize=host_of))
    with pytest.raises(forms.ValidationError, match=r"looks like store\.example\.com"):
        field.clean("corner-store!")


def test_without_normalize_only_whitespace_goes():
    field = credential_form_field(CredentialField("chain_id", "Chain ID", secret=False))
    assert field.clean(" abc\u200bdef \n") == "abcdef"
    assert (
        credential_form_field(CredentialField("shop", "Store", secret=False, required=False), required=False).clean("")
        == ""
    )


def test_a_form_shown_again_shows_the_value_as_it_will_be_kept():
    class Form(forms.Form):
        shop = credential_form_field(CredentialField("shop", "Store", secret=False, normalize=host_of))

    assert Form({"shop": " https://corner.example.com/"})["shop"].value() == "corner.example.com"
    assert Form({"shop": "corner-store!"})["shop"].value() == "corner-store!"  # as typed, with its error
