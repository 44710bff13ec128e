"""LongSelect writes the markup Django's own Select writes, without its templates."""

import pytest
from django import forms
from django.test.html import parse_html

from connections.models import Connection
from portal.widgets import LongSelect
from tests.factories import ConnectionFactory

CHOICES = [("", "All connections"), (3, "Partner · Soho <& Co>"), (11, 'NOTHS · "Quoted"'), (12, "NuORDER · Wholesale")]
# Two options with one value: Django selects the first only.
TWICE = [(None, "Any"), (3, "First three"), (4, "Four"), ("3", "Second three")]


@pytest.mark.parametrize("value", [None, "", 3, "11", 99])
@pytest.mark.parametrize("attrs", [None, {"id": "id_connection"}, {"id": "id_x", "required": True, "disabled": False}])
@pytest.mark.parametrize("choices", [CHOICES, TWICE, []])
def test_the_markup_is_djangos(choices, value, attrs):
    ours = LongSelect(choices=choices).render("connection", value, attrs)
    djangos = forms.Select(choices=choices).render("connection", value, attrs)
    assert parse_html(ours) == parse_html(djangos)


def test_the_chosen_option_is_selected_and_text_is_escaped():
    html = LongSelect(choices=CHOICES).render("connection", 3, {"id": "id_connection"})
    assert '<option value="3" selected>Partner · Soho &lt;&amp; Co&gt;</option>' in html
    assert html.count("selected") == 1


def test_option_groups_are_left_to_django():
    grouped = [("Partner", [(1, "One"), (2, "Two")]), ("NOTHS", [(3, "Three")])]
    ours = LongSelect(choices=grouped).render("connection", 2)
    assert "<optgroup" in ours
    assert parse_html(ours) == parse_html(forms.Select(choices=grouped).render("connection", 2))


def test_a_form_field_with_model_choices_renders_through_it(db):
    connection = ConnectionFactory(name="Outlet 7")
    field = forms.ModelChoiceField(queryset=Connection.objects.all(), widget=LongSelect)
    html = field.widget.render("existing", connection.pk)
    assert f'<option value="{connection.pk}" selected>{connection}</option>' in html
