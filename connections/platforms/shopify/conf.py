"""Shopify's settings, from the environment (listed in .env.example). Read before Django starts."""


def settings(env, sandbox: str | None) -> dict:
    """`sandbox`: the sandbox's address when the demo sends every platform there, else None."""
    return {
        # Where a store's Admin API is: {shop} becomes its permanent domain (shop.myshopify.com).
        # Staff can override it per connection.
        "SHOPIFY_BASE_URL": env.str(
            "SHOPIFY_BASE_URL", default=f"{sandbox}/shopify/{{shop}}" if sandbox else "https://{shop}"
        ),
        # The Admin API version the portal pins (quarterly releases; staff can override it per
        # connection with the platform option "api_version").
        "SHOPIFY_API_VERSION": env.str("SHOPIFY_API_VERSION", default="2026-10"),
        # Orders a page of the orders query: Shopify allows 250, its cost limit (1000 points) about 13.
        "SHOPIFY_PAGE_SIZE": env.int("SHOPIFY_PAGE_SIZE", default=10),
    }
