"""NuORDER's settings, from the environment (listed in .env.example). Read before Django starts."""


def settings(env, sandbox: str | None) -> dict:
    """`sandbox`: the sandbox's address when the demo sends every platform there, else None."""
    return {
        # The Application Type picks the host (Wholesale: the brand host; Retail: the buyer host).
        "NUORDER_WHOLESALE_BASE_URL": env.str(
            "NUORDER_WHOLESALE_BASE_URL",
            default=f"{sandbox}/nuorder/wholesale" if sandbox else "https://next.nuorder.com",
        ),
        "NUORDER_RETAIL_BASE_URL": env.str(
            "NUORDER_RETAIL_BASE_URL", default=f"{sandbox}/nuorder/retail" if sandbox else "https://buyer.nuorder.com"
        ),
        # The application name sent with /api/initiate, which the merchant approves in NuORDER.
        "NUORDER_APPLICATION_NAME": env.str("NUORDER_APPLICATION_NAME", default="PB_DEV"),
    }
