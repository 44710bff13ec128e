"""The Partner API's control pages: the chain's page, its forms and buttons, Test Order."""

import pytest
from django.test import Client

from connections.platforms.partner.sandbox import auth as partner_auth
from connections.platforms.partner.sandbox.models import PELICAN, SandboxPartnerChain, SandboxPartnerDelivery
from sandbox.models import SandboxAccount

from .sandbox_helpers import CLIENT_SECRET, SECRET, TOKEN, Receiver, make_chain, make_order

pytestmark = pytest.mark.django_db
WEBHOOK_FORM = {
    "webhook_url": "http://127.0.0.1:8000/webhooks/partner/7c9e6679-7425-40de-944b-e07fc1f90ae7/",
    "webhook_secret": SECRET,
    "webhook_header": "Authorization",
    "vendor_delivery_confirmation": "READY_FOR_PICKUP",
    "webhook_timeout_seconds": "5",
    "webhook_backoff_seconds": "0",
    "webhook_backoff_cap_seconds": "60",
    "webhook_max_attempts": "8",
}
TEST_ORDER = {"vendor": "v-2", "transport_type": "LOGISTICS_DELIVERY", "items": "4"}


@pytest.fixture
def chain(db):
    return make_chain(webhook_url="http://127.0.0.1:9/hook", webhook_secret=SECRET)


def page_of(chain):
    return f"/sandbox/partner/chains/{chain.chain_id}/"


def post(client, chain, part, data=None):
    return client.post(f"{page_of(chain)}{part}/", data or {})


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_the_index_links_the_chain_and_shows_the_demo_chains(client, chain):
    make_order(chain)
    page = client.get("/sandbox/").content.decode()
    assert page_of(chain) in page and TOKEN in page
    assert "RECEIVED 1" in page
    assert "http://testserver/sandbox/partner" in page
    assert "5b2f7c3e-8d4a-4f1b-9c6e-2a7d3b8e1f40" in page  # the demo chain's id


def test_the_chain_page_shows_what_the_partner_portal_would(client, chain):
    order = make_order(chain)
    extra = partner_auth.issue_static_token(chain)
    page = client.get(page_of(chain)).content.decode()
    for shown in (str(chain.chain_id), TOKEN, extra.token, chain.client_id, CLIENT_SECRET, "v-1", "v-2"):
        assert shown in page
    assert order.order_code in page and str(order.order_id) in page
    assert "http://testserver/sandbox/partner" in page
    assert "Ready for pickup" in page and "Picked up by rider" in page
    assert "RECEIVED" in page and "queued" in page  # its delivery


def test_an_unknown_chain_is_404(client, db):
    assert client.get("/sandbox/partner/chains/3fa85f64-5717-4562-b3fc-2c963f66afa6/").status_code == 404


def test_create_a_chain_from_the_index(client, db):
    response = client.post(
        "/sandbox/partner/chains/new/", {"name": "Fresh Mart", "picking_mode": PELICAN, "vendors": 3}
    )
    chain = SandboxPartnerChain.objects.get(account__name="Fresh Mart")
    assert response["Location"] == page_of(chain)
    assert chain.is_pelican and chain.vendors.count() == 3 and chain.account.platform == "partner"


def test_the_test_order_creates_an_order_and_queues_its_webhook(client, chain):
    response = post(client, chain, "test-order", {**TEST_ORDER, "status": "READY_FOR_PICKUP"})
    assert response.status_code == 302
    order = chain.orders.get()
    doc = order.parsed()
    assert (doc["status"], doc["client"]["store_id"], len(doc["items"])) == ("READY_FOR_PICKUP", "v-2", 4)
    assert {item["status"] for item in doc["items"]} <= {"IN_CART", "NOT_FOUND"}
    delivery = order.deliveries.get()
    assert (delivery.status, delivery.state) == ("READY_FOR_PICKUP", SandboxPartnerDelivery.QUEUED)


def test_a_cancelled_test_order_carries_the_chosen_cancellation(client, chain):
    form = {**TEST_ORDER, "status": "CANCELLED", "cancellation_reason": "TOO_BUSY", "cancelled_by": "VENDOR"}
    response = client.post(f"{page_of(chain)}test-order/", form, follow=True)
    order = chain.orders.get()
    assert order.parsed()["cancellation"] == {"reason": "TOO_BUSY", "cancelled_by": "VENDOR"}
    assert "1 webhook delivery queued" in messages_of(response)


def test_a_pelican_test_order_received_sends_nothing_and_says_why(client, db):
    pelican = make_chain(picking_mode=PELICAN, webhook_url="http://127.0.0.1:9/hook", webhook_secret="s")
    response = client.post(f"{page_of(pelican)}test-order/", {**TEST_ORDER, "status": "RECEIVED"}, follow=True)
    assert pelican.orders.count() == 1 and not SandboxPartnerDelivery.objects.exists()
    assert "do not hear RECEIVED" in messages_of(response)


def test_the_webhook_settings(client, chain):
    assert post(client, chain, "settings/webhook", WEBHOOK_FORM).status_code == 302
    chain.refresh_from_db()
    assert (chain.webhook_url, chain.webhook_secret) == (WEBHOOK_FORM["webhook_url"], SECRET)
    assert chain.vendor_delivery_confirmation == "READY_FOR_PICKUP" and chain.webhook_backoff_seconds == 0
    post(client, chain, "settings/webhook", {**WEBHOOK_FORM, "webhook_secret": "", "webhook_url": "http://x.test/"})
    post(client, chain, "settings/webhook", {**WEBHOOK_FORM, "webhook_header": "Bad Header:"})
    chain.refresh_from_db()
    assert (chain.webhook_url, chain.webhook_header) == (WEBHOOK_FORM["webhook_url"], "Authorization")


def test_the_switches_and_the_faults(client, chain):
    switches = {
        "rate_limit_per_minute": "5",
        "access_token_seconds": "30",
        "webhook_duplicate": "2",
        "webhook_out_of_order": "-1",
        "webhook_drop_percent": "10",
        "webhook_drop_seed": "7",
        "webhook_wrong_secret": "1",
    }
    assert post(client, chain, "settings/switches", switches).status_code == 302
    chain.refresh_from_db()
    assert (chain.rate_limit_per_minute, chain.webhook_duplicate, chain.webhook_out_of_order) == (5, 2, -1)
    assert (chain.webhook_drop_percent, chain.webhook_wrong_secret, chain.access_token_seconds) == (10, 1, 30)
    post(client, chain, "settings/switches", {**switches, "webhook_drop_percent": "101"})
    chain.refresh_from_db()
    assert chain.webhook_drop_percent == 10
    faults = {
        "fault_rate_limit": "0",
        "retry_after_seconds": "2",
        "fault_server_error": "-1",
        "fault_malformed_json": "0",
        "slow_ms": "0",
    }
    post(client, chain, "settings/faults", faults)
    assert SandboxAccount.objects.get(pk=chain.account_id).fault_server_error == -1
    assert post(client, chain, "settings/nothing").status_code == 404


def test_the_platforms_moves_on_an_order(client, chain):
    order = make_order(chain)
    base = f"{page_of(chain)}orders/{order.order_id}/"
    for action, status in (("ready-for-pickup", "READY_FOR_PICKUP"), ("dispatched", "DISPATCHED")):
        client.post(f"{base}{action}/", {"next": f"{page_of(chain)}?page=1"})
        order.refresh_from_db()
        assert order.status == status
    response = client.post(f"{base}cancelled-by-customer/", {"next": "https://evil.example/"})
    assert response["Location"] == page_of(chain)  # no open redirect
    order.refresh_from_db()
    assert order.parsed()["cancellation"]["cancelled_by"] == "CUSTOMER"
    events = list(order.deliveries.order_by("next_attempt_at").values_list("status", flat=True))
    assert events == ["RECEIVED", "READY_FOR_PICKUP", "DISPATCHED", "CANCELLED"]
    client.post(f"{base}picked-up/")
    order.refresh_from_db()
    assert order.status == "picked_up" and order.deliveries.count() == 4
    assert client.post(f"{base}explode/").status_code == 404


def test_generate_orders_from_the_page(client, chain):
    post(client, chain, "generate", {"count": "40", "days": "5", "status": "mixed"})
    assert chain.orders.count() == 40 and not SandboxPartnerDelivery.objects.exists()
    post(client, chain, "generate", {"count": "10", "days": "1", "status": "RECEIVED", "notify": "on"})
    assert chain.orders.filter(status="RECEIVED").count() >= 10 and SandboxPartnerDelivery.objects.count() == 10


def test_tokens_are_generated_up_to_eleven_and_revoked(client, chain):
    for _ in range(11):
        response = post(client, chain, "tokens")
    assert len(partner_auth.static_tokens(chain)) == 11
    assert "at most 11" in messages_of(client.get(response["Location"]))
    token = chain.tokens.first()
    post(client, chain, f"tokens/{token.pk}/revoke")
    assert len(partner_auth.static_tokens(chain)) == 10


def test_send_due_webhooks_now(client, db):
    with Receiver() as receiver:
        chain = make_chain(webhook_url=receiver.url, webhook_secret=SECRET)
        make_order(chain)
        response = client.post(f"{page_of(chain)}deliver/", follow=True)
    assert len(receiver.received) == 1
    assert "Sent 1 due webhook deliveries" in messages_of(response)
    assert chain.deliveries.get().state == SandboxPartnerDelivery.DELIVERED


def test_the_forms_need_csrf(chain):
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(f"{page_of(chain)}test-order/", {**TEST_ORDER, "status": "RECEIVED"}).status_code == 403
    assert csrf_client.post(f"{page_of(chain)}deliver/").status_code == 403
    assert not chain.orders.exists()


def test_the_product_images_are_svg(client, chain):
    image = make_order(chain).parsed()["items"][0]["image_url"]
    response = client.get(image.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
