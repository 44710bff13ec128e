"""The answer switches on the fake NOTHS API: an ambiguous 200 per read endpoint, counted per request."""

import json

from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from sandbox.models import AnswerSwitch

from .sandbox_helpers import api_get


def switch(account, endpoint, answer, remaining=-1):
    AnswerSwitch.objects.update_or_create(
        account=account, endpoint=endpoint, defaults={"answer": answer, "remaining": remaining}
    )


def test_a_switch_garbles_its_endpoint_for_the_next_n_requests_only(client, account):
    switch(account, "orders", AnswerSwitch.EMPTY, remaining=2)
    bodies = [api_get(client, "/orders").content for _ in range(3)]
    assert bodies[:2] == [b"", b""] and json.loads(bodies[2])["data"] == []
    assert AnswerSwitch.objects.get(account=account).remaining == 0
    assert api_get(client, "/orders/1").status_code == 404  # another endpoint: served as it is


def test_each_answer_is_a_200_of_its_kind(client, account):
    expected = {
        AnswerSwitch.HTML: ("text/html", b"<!DOCTYPE html>"),
        AnswerSwitch.TEXT: ("text/plain", b"OK"),
        AnswerSwitch.CUT: ("application/json", b'{"query"'),
        AnswerSwitch.SHAPE: ("application/json", b'[{"query"'),
        AnswerSwitch.ERROR: ("application/json", b'{"error"'),
        AnswerSwitch.ERRORS: ("application/json", b'{"errors"'),
    }
    for answer, (content_type, start) in expected.items():
        switch(account, "orders", answer)
        response = api_get(client, "/orders")
        assert response.status_code == 200 and response["Content-Type"].startswith(content_type), answer
        assert response.content.startswith(start), (answer, response.content[:40])
    switch(account, "orders", AnswerSwitch.CUT)
    whole = json.dumps({"query": {"results": 0, "total": 0}})
    assert len(api_get(client, "/orders").content) < len(whole)


def test_ids_of_an_answer_without_documents_leave_it_and_the_switch_as_they_are(client, account):
    switch(account, "orders", AnswerSwitch.IDS, remaining=1)
    assert json.loads(api_get(client, "/orders").content)["data"] == []
    assert AnswerSwitch.objects.get(account=account).remaining == 1


def test_staff_choose_the_endpoint_among_the_platforms_reads(admin_user, account):
    request = RequestFactory().get(reverse("admin:sandbox_sandboxaccount_change", args=[account.pk]))
    request.user = admin_user
    inline = site._registry[type(account)].get_inline_instances(request, account)[0]
    field = inline.get_formset(request, account).form.base_fields["endpoint"]
    assert [value for value, _ in field.widget.choices] == ["orders", "order", "dispatch note"]
