"""No secret of the demo reaches a log line: the access log (runserver's) or any logger's, at DEBUG.

The scenario is the demo's: the merchant signs in, adds a NOTHS store (its token in the query of
every API call), a NuORDER application (OAuth 1 headers) and a Shopify shop (client credentials
exchanged for a token), fetches orders, receives a signed webhook from the sandbox, and visits
every sandbox page the index links to (some carry a token in their path), a page that does not
exist and the API with a wrong token.
"""

from __future__ import annotations

import logging
import re

import environ
import pytest
import requests
from django.core.management import call_command
from django.test import override_settings

from connections.models import WebhookEvent
from connections.platforms import installed, scrub
from connections.platforms.nuorder.sandbox.models import SandboxNuorderApp
from sandbox.platforms import parts
from tests.demo.secrets import demo_secrets
from tests.production.forms import form_fields, with_values
from tests.support.access_logged_server import access_logged_server
from tests.support.log_output import console_output

pytestmark = pytest.mark.django_db(transaction=True)

NOTHS_TOKEN = "noths-demo-7f3a9c2e5b8d4f1a"
SHOP = "corner-crafts.myshopify.com"
SHOP_CLIENT_ID = "8f2a6c4e1b9d7f3a5c0e2b4d6f8a1c3e"
SHOP_CLIENT_SECRET = "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"


def submit(client: requests.Session, page_url: str, action: str, **typed) -> requests.Response:
    """Post the form of `page_url` whose action contains `action`, as a browser would."""
    page = client.get(page_url, timeout=30)
    fields = with_values(form_fields(page.text, action), **typed)
    form_action = re.search(rf'<form[^>]*action="([^"]*{re.escape(action)}[^"]*)"', page.text) if action else None
    target = requests.compat.urljoin(page.url, form_action.group(1)) if form_action else page.url
    return client.post(target, data=fields, headers={"Referer": page.url}, timeout=120)


def add_account(client: requests.Session, base: str, platform: str, **typed) -> str:
    answer = submit(client, f"{base}/connections/add/{platform}/", f"/connections/add/{platform}/", **typed)
    assert re.search(r"/connections/\d+/$", answer.url), (platform, answer.url)
    return answer.url


def sandbox_links(client: requests.Session, base: str) -> set[str]:
    index = client.get(f"{base}/sandbox/", timeout=30).text
    return {href for href in re.findall(r'href="(/sandbox/[^"#?]+)"', index)}


def test_no_secret_reaches_a_log_line(caplog):
    scrub._known.clear()  # what earlier tests taught the filter would hide a leak
    call_command("seed_demo", verbosity=0)
    harborpine = SandboxNuorderApp.objects.get(account__shortcode="harborpine")
    nuorder_token = harborpine.tokens.first()
    with access_logged_server() as base:
        demo = installed.platform_settings(environ.Env(), f"{base}/sandbox")
        with override_settings(SANDBOX_PUBLIC_URL=base, **demo), console_output() as written:
            for logger in ("", "django", "django.server"):
                caplog.set_level(logging.DEBUG, logger=logger)
            client = requests.Session()
            client.trust_env = False
            signed_in = submit(client, f"{base}/signin/", "", username="demo", password="demo-portal-pass")
            assert "/signin/" not in signed_in.url, "the demo merchant could not sign in"

            noths = add_account(client, base, "noths", name="Demo NOTHS", token=NOTHS_TOKEN)
            submit(client, noths, "/fetch/")
            add_account(
                client,
                base,
                "nuorder",
                name="Harbor & Pine",
                application_type="wholesale",
                consumer_key=harborpine.consumer_key,
                consumer_secret=harborpine.consumer_secret,
                token=nuorder_token.token,
                token_secret=nuorder_token.token_secret,
            )
            shop = add_account(
                client, base, "shopify", name="Corner Crafts", shop=SHOP, client_id=SHOP_CLIENT_ID,
                client_secret=SHOP_CLIENT_SECRET,
            )  # fmt: skip
            submit(client, shop, "/fetch/")
            webhook_url = base + re.search(r"/webhooks/shopify/[0-9a-f-]{36}/", client.get(shop, timeout=30).text)[0]
            submit(client, f"{base}/sandbox/shopify/{SHOP}/", "/settings/webhook/", webhook_url=webhook_url)
            submit(client, f"{base}/sandbox/shopify/{SHOP}/", "/test-order/")
            assert parts()["shopify"].deliver_due() >= 1
            assert WebhookEvent.objects.exists()

            for link in sandbox_links(client, base):
                client.get(f"{base}{link}", timeout=30)
            assert client.get(f"{base}/no-such-page/", timeout=30).status_code == 404
            client.get(f"{base}/api/v1/orders/", headers={"Authorization": f"Token {NOTHS_TOKEN}"}, timeout=30)

    log = written.getvalue()
    records = "\n".join(record.getMessage() for record in caplog.records)
    assert '"GET /sandbox/noths/api/v1/orders?token=' in log, "the access lines were not captured"
    secrets = demo_secrets()
    assert NOTHS_TOKEN in secrets and SHOP_CLIENT_SECRET in secrets
    leaked = sorted(secret for secret in secrets if secret in log or secret in records)
    assert not leaked, f"secrets in the log: {leaked}"
