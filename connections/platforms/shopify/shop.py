"""A store's permanent domain, from what a merchant pastes.

Every Admin API call goes to the store's `{handle}.myshopify.com` (never its custom
domain). Merchants paste the handle, the domain, or the admin's address
(`https://admin.shopify.com/store/{handle}`), with or without a scheme and slashes; all
become `{handle}.myshopify.com` (platforms/shopify.md §1.1).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

HANDLE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*$")
SUFFIX = ".myshopify.com"
EXAMPLE = "your-store.myshopify.com"


def shop_domain(pasted: str) -> str:
    """`handle.myshopify.com`; ValueError, in words, for anything that is not a store's address."""
    text = (pasted or "").strip().strip("/")
    if "://" not in text and "/" in text:
        text = f"https://{text}"
    if "://" in text:
        parts = urlsplit(text)
        host, path = parts.hostname or "", [p for p in parts.path.split("/") if p]
        if host == "admin.shopify.com" and len(path) >= 2 and path[0] == "store":
            text = path[1]
        else:
            text = host
    text = text.lower()
    handle = text.removesuffix(SUFFIX)
    if "." in handle or not HANDLE.match(handle):
        raise ValueError(
            f"\u201c{pasted.strip()}\u201d is not a Shopify store's address: give its myshopify.com domain "
            f"({EXAMPLE}), or copy the address of your Shopify admin."
        )
    return f"{handle}{SUFFIX}"
