"""Where a platform request may go: the one place that decides (protection against SSRF).

The operator's hosts (each platform's settings) are called as they are. A connection's API
host override, which staff type, is checked when it is saved (`refusal`) and again before
every request (`vet`), since a name can change what it resolves to: `https` only (`http`
where OUTBOUND_ALLOW_HTTP allows it), no user name or password in it, not a cloud metadata
service's name, and every address the name resolves to public: not loopback, unspecified,
link-local (the metadata address 169.254.169.254 among them), shared (100.64.0.0/10),
private (RFC 1918, fc00::/7), multicast or reserved, nor an IPv6 address carrying one of
those (IPv4-mapped, 6to4, NAT64). OUTBOUND_ALLOWED_HOSTS names the exceptions: a host (any
port), host:port, an address, or a range (CIDR), with or without a port. With the demo's
PLATFORMS_USE_SANDBOX, the sandbox at SANDBOX_PUBLIC_URL is the operator's too.

A checked request connects to the address that was checked (`OutboundAdapter`), keeping the
host's name for TLS (SNI and the certificate) and in the Host header, so a name that answers
otherwise a moment later (DNS rebinding) cannot slip in between the check and the connection.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from .errors import HostRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = {"https": 443, "http": 80}
ALLOW_WORDS = "Staff can allow it with OUTBOUND_ALLOWED_HOSTS."

# Cloud metadata services by name (their addresses are refused below as link-local, private or shared).
METADATA_NAMES = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"}
)
# ... and by address, to say so: AWS, GCP, Azure, OpenStack (and AWS over IPv6), ECS tasks, Alibaba.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)
SHARED = ipaddress.ip_network("100.64.0.0/10")
PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))
NAT64 = ipaddress.ip_network("64:ff9b::/96")
HOST_NAME = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")


@dataclass(frozen=True)
class Destination:
    """Where a request may connect: `addresses`, checked, in order; none when the host is trusted
    as named (the allow-list, the demo's sandbox), which is then reached as any configured host."""

    host: str  # lower-case, without brackets or a final dot
    port: int
    addresses: tuple[str, ...] = ()
    default_port: int = 443
    literal: bool = False  # the host is an address

    @property
    def pinned(self) -> bool:
        """Whether the connection goes to a checked address of a name (a literal address is itself)."""
        return bool(self.addresses) and not self.literal

    @property
    def host_header(self) -> str:
        return self.host if self.port == self.default_port else f"{self.host}:{self.port}"


def vet(url: str) -> Destination:
    """Where a request to `url` may connect; HostRefused, in plain words, where it may not.

    Resolves the host (OSError when it does not resolve) and refuses if ANY of its addresses is
    one the portal does not send credentials to, unless the allow-list names the host or covers it.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        raise HostRefused("The API host's port must be a number from 1 to 65535.") from None
    if scheme not in DEFAULT_PORTS or not host:
        raise HostRefused("The API host must be an address starting with https:// and a host name.")
    destination = Destination(host, port, default_port=DEFAULT_PORTS[scheme])
    if _is_the_demo_sandbox(scheme, host, port):
        return destination
    if parts.username is not None or parts.password is not None:
        raise HostRefused(
            "The API host must not carry a user name or password: the portal sends the platform's credentials itself."
        )
    if scheme == "http" and not settings.OUTBOUND_ALLOW_HTTP:
        raise HostRefused(
            f"The API host {host} is plain http://, which would send the credentials unencrypted: use https://. "
            "Staff can allow http with OUTBOUND_ALLOW_HTTP."
        )
    entries = allow_list()
    if any(entry.names(host, port) for entry in entries):
        return destination
    if host in METADATA_NAMES:
        raise HostRefused(f"The host {host} is a cloud metadata service; the portal does not send credentials there.")
    literal = _literal(host)
    addresses = [str(literal)] if literal is not None else _resolve(host, port)
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if any(entry.covers(ip, port) for entry in entries):
            continue
        if what := kind_of_address(ip):
            said = f"The host {host} resolves to {address}, {what}" if literal is None else f"The host {host} is {what}"
            raise HostRefused(f"{said}; the portal does not send credentials there. {ALLOW_WORDS}")
    return Destination(host, port, tuple(addresses), DEFAULT_PORTS[scheme], literal=literal is not None)


def refusal(url: str) -> str:
    """Why the portal would not call `url`, in plain words; '' when it would (staff's form asks this)."""
    try:
        vet(url)
    except HostRefused as refused:
        return refused.message
    except (OSError, UnicodeError):
        return f"The host {urlsplit(url).hostname} does not resolve to any address: check its name."
    return ""


def kind_of_address(ip: IPAddress) -> str:
    """What a non-public address is, in words ('' for a public one). An IPv6 address that carries an
    IPv4 one (mapped, 6to4, NAT64) is what it carries."""
    ip = _carried_ipv4(ip) or ip
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address (this machine)"
    if ip.is_unspecified:
        return "an unspecified address (this machine)"
    if ip.is_link_local:
        return "a link-local address"
    if ip in SHARED:
        return "a shared (carrier-grade NAT) address"
    if any(ip in network for network in PRIVATE):
        return "a private address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address, not on the public internet"
    return ""


def _carried_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to, in the resolver's order."""
    found = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0])
        if address not in found:
            found.append(address)
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return found


def _is_the_demo_sandbox(scheme: str, host: str, port: int) -> bool:
    if not settings.PLATFORMS_USE_SANDBOX:
        return False
    sandbox = urlsplit(settings.SANDBOX_PUBLIC_URL)
    sandbox_port = sandbox.port or DEFAULT_PORTS.get(sandbox.scheme, 0)
    return (sandbox.scheme, (sandbox.hostname or "").rstrip("."), sandbox_port) == (scheme, host, port)


# -- the allow-list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AllowEntry:
    """One OUTBOUND_ALLOWED_HOSTS entry: a host name, or an address range; any port or one."""

    name: str = ""
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    port: int | None = None

    def names(self, host: str, port: int) -> bool:
        return bool(self.name) and self.name == host and self.port in (None, port)

    def covers(self, ip: IPAddress, port: int) -> bool:
        return self.network is not None and ip in self.network and self.port in (None, port)


def allow_list() -> tuple[AllowEntry, ...]:
    return _parse_allow_list(tuple(settings.OUTBOUND_ALLOWED_HOSTS))


@lru_cache(maxsize=8)
def _parse_allow_list(texts: tuple[str, ...]) -> tuple[AllowEntry, ...]:
    entries = []
    for text in texts:
        if not text.strip():
            continue
        try:
            entries.append(_allow_entry(text.strip().lower()))
        except ValueError:
            raise ImproperlyConfigured(
                f"OUTBOUND_ALLOWED_HOSTS: \u201c{text}\u201d is not a host, host:port, address or address range "
                "(such as api.staging.example, api.staging.example:8443, 10.0.0.5 or 10.0.0.0/8)."
            ) from None
    return tuple(entries)


def _allow_entry(text: str) -> AllowEntry:
    host, port = text, None
    if text.startswith("["):  # [IPv6] or [IPv6]:port
        host, closed, rest = text[1:].partition("]")
        if not closed:
            raise ValueError(text)
        if rest:
            port = _port(rest.removeprefix(":"), rest.startswith(":"))
    elif text.count(":") == 1:  # host:port or IPv4:port; more colons: an IPv6 address or range
        host, _, given = text.partition(":")
        port = _port(given, True)
    try:
        return AllowEntry(network=ipaddress.ip_network(host, strict=False), port=port)
    except ValueError:
        pass
    host = host.rstrip(".")
    if not HOST_NAME.match(host):
        raise ValueError(text)
    return AllowEntry(name=host, port=port)


def _port(text: str, well_formed: bool) -> int:
    if not (well_formed and text.isdigit() and 0 < int(text) < 65536):
        raise ValueError(text)
    return int(text)


@checks.register()
def check_allow_list(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A mistyped OUTBOUND_ALLOWED_HOSTS entry is said when the portal starts, not at the first request."""
    try:
        allow_list()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="connections.E101")]
    return []


# -- the transport -------------------------------------------------------------------------------


def guard(session: requests.Session) -> requests.Session:
    """Send every request of `session` through `OutboundAdapter`, whatever was mounted before."""
    adapter = OutboundAdapter()
    for prefix in {"http://", "https://", *session.adapters}:
        session.mount(prefix, adapter)
    return session


class OutboundAdapter(HTTPAdapter):
    """Sends a request only where `vet` allows, and connects to the address it checked.

    Each address of the name is tried in the resolver's order while the connection cannot be made
    (nothing was sent), as a name's connection would be; the first to answer carries the request.
    """

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        try:
            destination = vet(request.url)
        except (OSError, UnicodeError) as unresolved:
            raise requests.exceptions.ConnectionError(
                f"getaddrinfo found no address for {urlsplit(request.url).hostname}", request=request
            ) from unresolved
        if not destination.pinned:
            return super().send(request, stream, timeout, verify, cert, proxies)
        request.headers["Host"] = destination.host_header
        *others, last = destination.addresses
        for address in others:
            request.outbound_address = address
            try:
                return super().send(request, stream, timeout, verify, cert, proxies)
            except requests.exceptions.ConnectionError as failure:
                if not _never_connected(failure):
                    raise
        request.outbound_address = last
        return super().send(request, stream, timeout, verify, cert, proxies)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        """The pool of the checked address, with the host's name for TLS (SNI and the certificate)."""
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        address = getattr(request, "outbound_address", None)
        if address:
            if host_params["scheme"] == "https":
                pool_kwargs["server_hostname"] = host_params["host"]
            host_params["host"] = address
        return host_params, pool_kwargs


def _never_connected(failure: requests.exceptions.ConnectionError) -> bool:
    """Whether the request failed before a connection was made (so nothing of it was sent)."""
    if isinstance(failure, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(failure.args[0] if failure.args else None, "reason", None)
    return isinstance(reason, NewConnectionError)
