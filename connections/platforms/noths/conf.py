"""NOTHS's settings, from the environment (listed in .env.example). Read before Django starts."""


def settings(env, sandbox: str | None) -> dict:
    """`sandbox`: the sandbox's address when the demo sends every platform there, else None."""
    return {
        # The API host; staff can override it per connection.
        "NOTHS_BASE_URL": env.str(
            "NOTHS_BASE_URL", default=f"{sandbox}/noths" if sandbox else "https://api.notonthehighstreet.com"
        ),
        "NOTHS_PAGE_SIZE": env.int("NOTHS_PAGE_SIZE", default=250),  # NOTHS allows up to 250
    }
