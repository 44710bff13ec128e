"""The Partner API's settings, from the environment (listed in .env.example). Read before Django starts."""

# One host per brand (the credentials' API host picks it).
BRAND_HOSTS = {
    "foodpanda": "https://foodpanda.partner.deliveryhero.io",
    "foodora": "https://foodora.partner.deliveryhero.io",
    "yemeksepeti": "https://yemeksepeti.partner.deliveryhero.io",
    "talabat": "https://talabat.partner.deliveryhero.io",
    "hungerstation": "https://hungerstation.partner.deliveryhero.io",
    "glovo": "https://glovo.partner.deliveryhero.io",
    "pedidosya": "https://pedidosya.partner.deliveryhero.io",
    "sandbox": "https://sandbox.partner.deliveryhero.io",
}


def settings(env, sandbox: str | None) -> dict:
    """`sandbox`: the sandbox's address when the demo sends every platform there, else None."""
    return {
        "PARTNER_BRAND_HOSTS": BRAND_HOSTS,
        # When set, every brand goes to this one host (the sandbox in the demo, a staging host).
        "PARTNER_BASE_URL": env.str("PARTNER_BASE_URL", default=f"{sandbox}/partner" if sandbox else ""),
        # The platform blocks a caller that sends more than this many requests a minute to a host.
        "PARTNER_REQUESTS_PER_MINUTE": env.int("PARTNER_REQUESTS_PER_MINUTE", default=60),
        "PARTNER_PAGE_SIZE": env.int("PARTNER_PAGE_SIZE", default=100),
    }
