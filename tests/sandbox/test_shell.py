"""The sandbox's shell serves every installed platform's sandbox the same way: its part of the index
page, its accounts' rows and fault switches, its demo accounts, its webhook sender, and the demo's
one switch that sends each platform's calls to it."""

from datetime import timedelta
from io import StringIO

import environ
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from connections.platforms import installed, registry
from sandbox.models import SandboxAccount
from sandbox.platforms import mounts, parts

pytestmark = pytest.mark.django_db
KEYS = [package.rpartition(".")[2] for package in installed.PLATFORMS]


def test_every_installed_platform_has_a_sandbox_mounted_under_its_key():
    assert sorted(parts()) == sorted(KEYS)
    assert sorted(prefix for prefix, _ in mounts()) == sorted(KEYS)


def test_the_demo_switch_sends_every_platform_to_its_sandbox():
    sandbox = "http://demo.test/sandbox"
    demo = installed.platform_settings(environ.Env(), sandbox)
    real = installed.platform_settings(environ.Env(), None)
    with override_settings(**demo):
        hosts = {p.key: p.default_base_url({}) for p in registry.all_platforms()}
    for key, host in hosts.items():
        assert host.startswith(f"{sandbox}/{key}"), (key, host)
    with override_settings(**real):
        assert not any(p.default_base_url({}).startswith(sandbox) for p in registry.all_platforms())


def test_seeding_makes_every_platforms_demo_accounts_and_prints_how_to_connect():
    out = StringIO()
    call_command("sandbox_seed", stdout=out)
    printed = out.getvalue()
    for key, part in parts().items():
        assert SandboxAccount.objects.filter(platform=key).exists(), key
        assert f"/sandbox/{key}" in printed, key
        for line in part.demo_lines():
            assert line in printed


def test_the_index_shows_each_platforms_section_and_accounts_with_their_switches(client):
    call_command("sandbox_seed", stdout=StringIO())
    page = client.get("/sandbox/").content.decode()
    for account in SandboxAccount.objects.all():
        assert account.token in page
        for field in parts()[account.platform].faults:
            assert f'id="id_account{account.pk}_{field}"' in page or f'name="{field}"' in page
    for platform in registry.all_platforms():
        assert f"<h2>{platform.name}</h2>" in page


def test_each_account_takes_only_the_switches_its_platform_applies(client):
    call_command("sandbox_seed", stdout=StringIO())
    for key, part in parts().items():
        account = SandboxAccount.objects.filter(platform=key).first()
        form = {field: "0" for field in part.faults}
        form.update(slow_ms="7", fault_empty_body="3")
        assert client.post(f"/sandbox/accounts/{account.pk}/faults/", form).status_code == 302
        account.refresh_from_db()
        assert account.slow_ms == 7
        assert account.fault_empty_body == (3 if "fault_empty_body" in part.faults else 0), key


def test_the_webhook_sender_asks_every_platform(monkeypatch):
    asked = []
    for key, part in parts().items():
        monkeypatch.setattr(part, "deliver_due", lambda limit=None, key=key: asked.append(key) or 2)
    out = StringIO()
    call_command("sandbox_webhooks", stdout=out)
    assert sorted(asked) == sorted(KEYS)
    assert f"Sent {2 * len(KEYS)} webhook deliveries." in out.getvalue()


def test_every_platforms_clock_is_set_on_its_accounts_switches(client):
    """Minutes ahead of the real time (negative: behind); blank is the real time, left out stays as it is."""
    call_command("sandbox_seed", stdout=StringIO())
    for key, part in parts().items():
        assert "clock_offset_minutes" in part.faults, key
        account = SandboxAccount.objects.filter(platform=key).first()
        form = {field: "0" for field in part.faults}
        client.post(f"/sandbox/accounts/{account.pk}/faults/", {**form, "clock_offset_minutes": "-180"})
        account.refresh_from_db()
        assert account.clock_offset_minutes == -180
        assert abs((timezone.now() - timedelta(hours=3) - account.now()).total_seconds()) < 5
        client.post(
            f"/sandbox/accounts/{account.pk}/faults/",
            {field: "0" for field in part.faults if field != "clock_offset_minutes"},
        )
        account.refresh_from_db()
        assert account.clock_offset_minutes == -180
        client.post(f"/sandbox/accounts/{account.pk}/faults/", {**form, "clock_offset_minutes": ""})
        account.refresh_from_db()
        assert account.clock_offset_minutes == 0
