"""Where a staff-set API host may send the merchant's credentials (connections/platforms/outbound.py).

Over real sockets: a server on 127.0.0.1 records what reached it, the resolver answers what each
test says (`fake_dns`), and every connection opened is recorded (`connections_opened`).
"""

import ast
from pathlib import Path

import pytest
import requests
import responses
from django.core.exceptions import ImproperlyConfigured

from connections.platforms import outbound
from connections.platforms.base import PlatformContext
from connections.platforms.errors import HostRefused, TransientError
from connections.platforms.http import PlatformClient
from tests.support.outbound import RecordingServer
from tests.support.readings import ANY_JSON

PUBLIC = "93.184.216.34"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def rules(outbound_rules):
    outbound_rules.PLATFORMS_USE_SANDBOX = False
    outbound_rules.PLATFORM_HTTP_ATTEMPTS = 3
    return outbound_rules


def client(base_url: str, **kwargs) -> PlatformClient:
    """The client as an adapter builds it for a connection whose host staff overrode."""
    ctx = PlatformContext(base_url=base_url, credentials={"token": "tok-SECRET-0123456789"}, check_host=True)
    return PlatformClient("NOTHS", ctx, secrets=["tok-SECRET-0123456789"], sleep=lambda s: None, **kwargs)


# -- every refused family ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "what"),
    [
        ("127.0.0.1", "a loopback address (this machine)"),
        ("127.10.20.30", "a loopback address (this machine)"),
        ("[::1]", "a loopback address (this machine)"),
        ("0.0.0.0", "an unspecified address (this machine)"),  # noqa: S104
        ("[::]", "an unspecified address (this machine)"),
        ("10.0.0.5", "a private address"),
        ("172.16.3.4", "a private address"),
        ("192.168.1.10", "a private address"),
        ("[fd12:3456::1]", "a private address"),
        ("169.254.169.254", "a cloud metadata address"),
        ("[fd00:ec2::254]", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("169.254.10.1", "a link-local address"),
        ("[fe80::1]", "a link-local address"),
        ("100.64.0.1", "a shared (carrier-grade NAT) address"),
        ("224.0.0.251", "a multicast address"),
        ("[ff02::1]", "a multicast address"),
        ("240.0.0.1", "a reserved address, not on the public internet"),
        ("192.0.2.10", "a reserved address, not on the public internet"),
        ("[::ffff:127.0.0.1]", "a loopback address (this machine)"),
        ("[::ffff:10.0.0.5]", "a private address"),
        ("[::ffff:169.254.169.254]", "a cloud metadata address"),
        ("[2002:a00:5::]", "a private address"),  # 6to4 of 10.0.0.5
        ("[64:ff9b::7f00:1]", "a loopback address (this machine)"),  # NAT64 of 127.0.0.1
    ],
)
def test_an_address_in_the_url_is_refused_in_plain_words(host, what):
    words = outbound.refusal(f"https://{host}/api")
    shown = host.strip("[]")
    assert words == (
        f"The host {shown} is {what}; the portal does not send credentials there. "
        "Staff can allow it with OUTBOUND_ALLOWED_HOSTS."
    )


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        (["127.0.0.1"], "resolves to 127.0.0.1, a loopback address"),
        (["10.1.2.3"], "resolves to 10.1.2.3, a private address"),
        (["169.254.169.254"], "resolves to 169.254.169.254, a cloud metadata address"),
        (["fe80::5"], "resolves to fe80::5, a link-local address"),
        ([PUBLIC, "192.168.0.7"], "resolves to 192.168.0.7, a private address"),  # any answer refused is enough
        (["2001:4860:4860::8888", "::1"], "resolves to ::1, a loopback address"),
    ],
)
def test_a_name_is_refused_for_any_address_it_resolves_to(fake_dns, answer, what):
    fake_dns["api.shop.example"] = answer
    assert outbound.refusal("https://api.shop.example/").startswith(f"The host api.shop.example {what}")


def test_numeric_spellings_of_an_address_are_refused_as_the_address():
    # The resolver reads 2130706433 and 0x7f.1 as 127.0.0.1; what is checked is what it answers.
    for host in ("2130706433", "0x7f.1", "127.1"):
        assert "resolves to 127.0.0.1, a loopback address" in outbound.refusal(f"https://{host}/"), host


@pytest.mark.parametrize("name", ["metadata.google.internal", "METADATA.google.internal.", "metadata"])
def test_a_metadata_service_is_refused_by_name_without_asking_the_resolver(fake_dns, name):
    assert "is a cloud metadata service; the portal does not send credentials there" in outbound.refusal(
        f"https://{name}/computeMetadata/v1/"
    )
    assert fake_dns.lookups == []


def test_a_public_host_passes(fake_dns):
    fake_dns["api.shop.example"] = [PUBLIC, "2001:4860:4860::8888"]
    assert outbound.refusal("https://api.shop.example/v1") == ""
    destination = outbound.vet("https://api.shop.example:8443/v1")
    assert destination.addresses == (PUBLIC, "2001:4860:4860::8888") and destination.pinned
    assert destination.host_header == "api.shop.example:8443"
    assert outbound.vet(f"https://{PUBLIC}/").pinned is False  # an address is connected to as it is


def test_a_name_that_does_not_resolve_is_said_at_save_time(fake_dns):
    fake_dns["gone.shop.example"] = []
    assert outbound.refusal("https://gone.shop.example/") == (
        "The host gone.shop.example does not resolve to any address: check its name."
    )


# -- schemes and the rest of the address ---------------------------------------------------------


def test_plain_http_is_refused_unless_a_setting_allows_it(rules):
    assert outbound.refusal(f"http://{PUBLIC}/api") == (
        f"The API host {PUBLIC} is plain http://, which would send the credentials unencrypted: use https://. "
        "Staff can allow http with OUTBOUND_ALLOW_HTTP."
    )
    rules.OUTBOUND_ALLOW_HTTP = True
    assert outbound.refusal(f"http://{PUBLIC}/api") == ""
    assert "a loopback address" in outbound.refusal("http://127.0.0.1:8000/api")  # http is not an address pass


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://files.example/", "must be an address starting with https://"),
        ("file:///etc/passwd", "must be an address starting with https://"),
        ("https:///no-host", "must be an address starting with https://"),
        ("https://api.example:99999/", "port must be a number from 1 to 65535"),
        ("https://user:hunter2@api.example/", "must not carry a user name or password"),
    ],
)
def test_what_is_not_an_https_host_is_refused(url, words):
    said = outbound.refusal(url)
    assert words in said and "hunter2" not in said


# -- the allow-list ------------------------------------------------------------------------------


def test_a_host_named_in_the_allow_list_is_called_as_configured_hosts_are(rules, fake_dns):
    fake_dns["staging.internal"] = ["10.9.8.7"]
    rules.OUTBOUND_ALLOWED_HOSTS = ["STAGING.internal"]
    destination = outbound.vet("https://staging.internal:9443/api")
    assert destination.addresses == () and not destination.pinned
    assert fake_dns.lookups == []  # named: not resolved, not checked


def test_a_host_and_port_entry_allows_that_port_only(rules, fake_dns):
    fake_dns["staging.internal"] = ["10.9.8.7"]
    rules.OUTBOUND_ALLOWED_HOSTS = ["staging.internal:8443"]
    assert outbound.refusal("https://staging.internal:8443/") == ""
    assert "a private address" in outbound.refusal("https://staging.internal/")


@pytest.mark.parametrize(
    ("entry", "allowed", "still_refused"),
    [
        ("10.0.0.0/8", "https://10.200.1.1/", "https://192.168.0.1/"),
        ("10.0.0.5", "https://10.0.0.5/", "https://10.0.0.6/"),
        ("10.0.0.5:8443", "https://10.0.0.5:8443/", "https://10.0.0.5/"),
        ("fd00::/8", "https://[fd00::9]/", "https://[fe80::1]/"),
        ("[::1]:8443", "https://[::1]:8443/", "https://[::1]/"),
        ("169.254.169.254", "https://169.254.169.254/", "https://169.254.169.253/"),
    ],
)
def test_an_address_or_range_entry_allows_what_it_covers(rules, entry, allowed, still_refused):
    rules.OUTBOUND_ALLOWED_HOSTS = [entry]
    assert outbound.refusal(allowed) == ""
    assert "OUTBOUND_ALLOWED_HOSTS" in outbound.refusal(still_refused)


def test_a_range_entry_covers_a_name_by_its_addresses_and_it_stays_pinned(rules, fake_dns):
    fake_dns["staging.internal"] = ["10.9.8.7"]
    rules.OUTBOUND_ALLOWED_HOSTS = ["10.9.0.0/16"]
    destination = outbound.vet("https://staging.internal/")
    assert destination.addresses == ("10.9.8.7",) and destination.pinned


@pytest.mark.parametrize("entry", ["http://staging.internal", "staging.internal:http", "10.0.0.0/33", "a b", "[::1"])
def test_a_mistyped_allow_list_entry_is_said_when_the_portal_starts(rules, entry):
    rules.OUTBOUND_ALLOWED_HOSTS = ["ok.example", entry]
    with pytest.raises(ImproperlyConfigured, match="is not a host, host:port, address or address range"):
        outbound.vet("https://api.example/")
    [error] = outbound.check_allow_list()
    assert error.id == "connections.E101" and entry in error.msg


def test_the_demo_sandbox_is_the_operators_while_the_demo_sends_platforms_there(rules):
    rules.SANDBOX_PUBLIC_URL = "http://127.0.0.1:8000"
    assert "plain http://" in outbound.refusal("http://127.0.0.1:8000/sandbox/noths")
    rules.PLATFORMS_USE_SANDBOX = True
    assert outbound.refusal("http://127.0.0.1:8000/sandbox/noths") == ""
    assert "plain http://" in outbound.refusal("http://127.0.0.1:8001/sandbox/noths")  # only the sandbox itself


# -- at request time -----------------------------------------------------------------------------


def test_a_name_that_changes_its_answer_is_refused_at_the_request_and_nothing_is_sent(fake_dns, connections_opened):
    fake_dns.answers("api.shop.example", [PUBLIC], ["127.0.0.1"])
    assert outbound.refusal("https://api.shop.example/") == ""  # when staff saved it
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get("https://api.shop.example/api/v1/orders", json={"orders": []})
        with pytest.raises(HostRefused) as caught:
            client("https://api.shop.example").get_json("/api/v1/orders", ANY_JSON)
        assert len(mock.calls) == 0
    assert caught.value.message.startswith("The host api.shop.example resolves to 127.0.0.1, a loopback address")
    assert caught.value.kind == "refused" and caught.value.status is None and caught.value.platform_message == ""
    assert fake_dns.lookups == ["api.shop.example", "api.shop.example"]  # not retried: one look at the request
    assert connections_opened == []


def test_a_refused_request_reaches_no_server(rules, connections_opened):
    rules.OUTBOUND_ALLOW_HTTP = True  # the refusal is for the address, not the scheme
    with RecordingServer() as server:
        for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", f"[::ffff:127.0.0.1]:{server.port}"):
            with pytest.raises(HostRefused, match="a loopback address"):
                client(f"http://{host}").get_json("/x", ANY_JSON)
    assert server.seen == [] and connections_opened == []


def test_the_request_connects_to_the_address_checked_keeping_the_name(rules, fake_dns, connections_opened):
    """Pinned: the name is resolved once, by the check; the connection goes to that address."""
    rules.OUTBOUND_ALLOW_HTTP = True
    rules.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]  # the server is on this machine: allowed by address
    fake_dns.answers("api.pinned.test", ["127.0.0.1"], ["10.255.255.1"])  # a rebind after the check
    with RecordingServer() as server:
        assert client(f"http://api.pinned.test:{server.port}").get_json("/api/v1/orders", ANY_JSON) == {"ok": True}
    assert fake_dns.lookups == ["api.pinned.test"]
    assert connections_opened == [("127.0.0.1", server.port)]
    assert [(s.path, s.host) for s in server.seen] == [("/api/v1/orders", f"api.pinned.test:{server.port}")]


def test_tls_to_the_pinned_address_names_the_host_and_checks_its_certificate(rules, fake_dns, tmp_path):
    rules.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.0/8"]
    fake_dns["api.pinned.test"] = ["127.0.0.1"]
    fake_dns["impostor.test"] = ["127.0.0.1"]
    with RecordingServer(tls_name="api.pinned.test", folder=tmp_path) as server:
        answer = client(f"https://api.pinned.test:{server.port}", session=trusting(server.ca_file)).get_json(
            "/x", ANY_JSON
        )
        # The same address under another name: the certificate is for api.pinned.test, so it is refused.
        with pytest.raises(TransientError, match=r"Could not reach NOTHS.*certificate verify failed"):
            client(f"https://impostor.test:{server.port}", session=trusting(server.ca_file), attempts=1).get_json(
                "/x", ANY_JSON
            )
    assert answer == {"ok": True}
    assert [(s.host, s.server_name) for s in server.seen] == [(f"api.pinned.test:{server.port}", "api.pinned.test")]


def trusting(ca_file: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would win over `verify`
    session.verify = ca_file
    return session


def test_each_checked_address_is_tried_while_none_answers(rules, fake_dns, connections_opened):
    rules.OUTBOUND_ALLOW_HTTP = True
    rules.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.0/8"]
    with RecordingServer() as server:  # listens on 127.0.0.1 only: 127.0.0.3 refuses the connection
        fake_dns["api.pinned.test"] = ["127.0.0.3", "127.0.0.1"]
        assert client(f"http://api.pinned.test:{server.port}").get_json("/x", ANY_JSON) == {"ok": True}
    assert connections_opened == [("127.0.0.3", server.port), ("127.0.0.1", server.port)]
    assert len(server.seen) == 1


def test_a_name_that_stops_resolving_is_a_passing_fault_retried_like_any_unreachable_host(fake_dns):
    fake_dns["api.shop.example"] = []
    with pytest.raises(TransientError) as caught:
        client("https://api.shop.example").get_json("/x", ANY_JSON)
    assert caught.value.message == "Could not reach NOTHS at api.shop.example: the host name does not resolve"
    assert fake_dns.lookups == ["api.shop.example"] * 3


def test_a_client_for_the_operators_host_is_not_checked(fake_dns):
    ctx = PlatformContext(base_url="https://api.shop.example", credentials={})
    with responses.RequestsMock() as mock:
        mock.get("https://api.shop.example/x", json={"ok": True})
        assert PlatformClient("NOTHS", ctx).get_json("/x", ANY_JSON) == {"ok": True}
    assert fake_dns.lookups == []


def test_a_session_an_adapter_brings_is_checked_too(fake_dns):
    """Whatever it had mounted, a session given to the client of a checked host sends only through the check."""
    fake_dns["api.shop.example"] = ["10.0.0.5"]
    session = requests.Session()
    session.mount("https://api.shop.example/", requests.adapters.HTTPAdapter())
    with pytest.raises(HostRefused):
        client("https://api.shop.example", session=session).get_json("/x", ANY_JSON)


def test_only_the_connection_context_builds_platform_contexts():
    """A context built elsewhere could leave a staff override unchecked (tests build their own)."""
    builders = []
    for path in [*ROOT.glob("*/**/*.py")]:
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "bench", "var"} or "tests" in relative.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "PlatformContext":
                builders.append(str(relative))
    assert builders == ["connections/context.py"]
