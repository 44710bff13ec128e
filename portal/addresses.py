"""The client's address, read one way everywhere: the audit trail, sign-in lockouts, limits.

`client_ip` is the address itself. `limit_address` is what limits count failures by: the
same address, except that an IPv6 client counts as its /64 (one home or one server is
handed a whole /64, and could otherwise take a new address for every guess).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

IPV6_PREFIX = 64


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind the TLS proxy (BEHIND_TLS_PROXY) the
    address that proxy appended to X-Forwarded-For (the last one; earlier ones the client
    may have forged). None if it is not an address."""
    candidate = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.SECURE_PROXY_SSL_HEADER and forwarded:
        candidate = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def limit_address(request) -> str | None:
    """The address failures are counted by: an IPv4 address as it is, an IPv6 one as its /64's
    first address (an IPv4-mapped one as the IPv4 address); None if there is none."""
    found = client_ip(request)
    if found is None:
        return None
    address = ipaddress.ip_address(found)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False).network_address)
    return found
