"""An ambiguous answer is never "no orders" (issue 16), for every registered platform.

Each platform's sandbox names its reads (`SandboxPart.reads`), and an `AnswerSwitch` makes
one of them answer 200 with an empty body, HTML, plain text, JSON cut short, the wrong
shape, ids where documents belong, or an error in a success. Every way the portal calls the
platform is tried against each: a call that reads the switched endpoint fails with words
that name the endpoint and what came back, and writes nothing after it; a sync fails, keeps
its cursor, and the next sync brings every order.
"""

import re

import pytest

from connections.models import Connection, Credential, SyncRun
from connections.platforms.errors import PlatformFailure, TransientError
from connections.platforms.http import PlatformClient
from connections.sync import execute, request_sync
from orders.models import Order
from sandbox import platforms as sandbox_platforms
from sandbox.models import AnswerSwitch
from tests.conformance.conftest import PLATFORMS, contract_sandbox
from tests.conformance.sandboxes import every_verb
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db(transaction=True)

# The reads of every platform's sandbox: (platform, read).
READS = [(key, read.name) for key in PLATFORMS for read in sandbox_platforms.part(key).reads]
# What the words say came back, for each answer.
CAME_BACK = {
    AnswerSwitch.EMPTY: "with an empty body",
    AnswerSwitch.HTML: "with an HTML page",
    AnswerSwitch.TEXT: "with plain text",
    AnswerSwitch.CUT: "cut short",
    AnswerSwitch.SHAPE: " expected",
    AnswerSwitch.IDS: " expected",
    AnswerSwitch.ERROR: "with an error in a success answer",
    AnswerSwitch.ERRORS: "with an error in a success answer",
}
PLENTY = 1000


def test_every_platform_names_its_reads():
    for key in PLATFORMS:
        assert sandbox_platforms.part(key).reads, f"{key}'s sandbox names no reads (SandboxPart.reads)"


@pytest.fixture
def quick(settings, monkeypatch):
    """Two attempts a read, without the backoff's sleep."""
    settings.PLATFORM_HTTP_ATTEMPTS = 2
    monkeypatch.setattr(PlatformClient, "_backoff", lambda self, attempt: 0.0)


def switch(box, read: str, answer: str, remaining: int = PLENTY) -> None:
    AnswerSwitch.objects.update_or_create(
        account=box.account, endpoint=read, defaults={"answer": answer, "remaining": remaining}
    )


def used(box, read: str) -> int:
    return PLENTY - AnswerSwitch.objects.get(account=box.account, endpoint=read).remaining


def named(read_label: str) -> re.Pattern:
    """The endpoint as the words name it: the sandbox's label, its {placeholders} any path part."""
    pattern = re.escape(read_label).replace(r"\{", "{").replace(r"\}", "}")
    return re.compile(r"\(" + re.sub(r"{[^}]+}", "[^ /)]+", pattern) + r"\)")


@pytest.mark.parametrize(("key", "read"), READS, ids=[f"{k}-{r.replace(' ', '_')}" for k, r in READS])
def test_every_call_that_reads_an_ambiguous_answer_fails_in_words(key, read, live_server, settings, monkeypatch, quick):
    adapter, box = contract_sandbox(key, live_server.url, settings, monkeypatch)
    settings.PLATFORM_HTTP_ATTEMPTS = 2
    endpoint = next(r for r in sandbox_platforms.part(key).reads if r.name == read)
    reached = set()
    for number, answer in enumerate(endpoint.answers):
        for verb, call in every_verb(adapter, box, box.ctx):
            if number and verb not in reached:
                continue  # the first answer showed which calls read the endpoint
            switch(box, read, answer)
            try:
                result, error = call(), None
            except PlatformFailure as exc:
                result, error = None, exc
            if not used(box, read):
                continue  # this call does not read the endpoint
            reached.add(verb)
            if (read, answer) in box.documented_answers:
                assert error is None, (verb, answer, error)
                if verb == "fetch_orders":
                    assert {r.external_id for page in result for r in page.records} == box.expected_ids
                continue
            assert isinstance(error, TransientError), (verb, answer, error)
            said = str(error)
            assert named(endpoint.label).search(said), (verb, answer, said)
            assert CAME_BACK[answer] in said, (verb, answer, said)
            assert adapter.describe(error).startswith(said)
    assert reached, f"no call of the portal reads {key}'s {read}"


def connection_for(adapter, box) -> Connection:
    connection = ConnectionFactory(
        platform=adapter.key,
        base_url_override=box.ctx.base_url,
        import_statuses=list(box.ctx.import_statuses or adapter.default_import_statuses),
        import_from=box.ctx.import_from,
        token=False,
        auto_accept=False,
        push_tracking=False,
    )
    credential = Credential(connection=connection)
    credential.set_values(box.ctx.credentials, adapter.credential_fields)
    credential.save()
    return connection


def sync(connection) -> SyncRun:
    run, created = request_sync(Connection.objects.get(pk=connection.pk), trigger=SyncRun.Trigger.MANUAL, enqueue=False)
    assert created
    return execute(run.pk)


@pytest.mark.parametrize("key", PLATFORMS)
def test_a_sync_that_reads_an_ambiguous_answer_fails_keeps_its_cursor_and_loses_no_order(
    key, live_server, settings, monkeypatch, quick
):
    """The sync's own list (the first read its sandbox names), each ambiguous answer in turn: the run
    is not succeeded and says what came back, the cursor stays, and the next run brings every order."""
    adapter, box = contract_sandbox(key, live_server.url, settings, monkeypatch)
    settings.PLATFORM_HTTP_ATTEMPTS = 2
    listing = sandbox_platforms.part(key).reads[0]
    connection = connection_for(adapter, box)
    for answer in listing.answers:
        if (listing.name, answer) in box.documented_answers:
            continue
        before = Connection.objects.get(pk=connection.pk).cursor
        orders = set(Order.objects.filter(connection=connection).values_list("external_id", flat=True))
        switch(box, listing.name, answer)
        run = sync(connection)
        assert run.status == SyncRun.Status.FAILED, (answer, run.status)
        assert named(listing.label).search(run.error) and CAME_BACK[answer] in run.error, (answer, run.error)
        assert Connection.objects.get(pk=connection.pk).cursor == before, answer
        assert set(Order.objects.filter(connection=connection).values_list("external_id", flat=True)) == orders
        switch(box, listing.name, answer, remaining=0)
        run = sync(connection)
        assert run.status == SyncRun.Status.SUCCEEDED, (answer, run.error)
        held = set(Order.objects.filter(connection=connection).values_list("external_id", flat=True))
        assert held == box.expected_ids, answer
