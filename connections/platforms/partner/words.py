"""The Partner API's refusals in plain words: how the merchant gets past each one."""

import re

AUTH_HELP = (
    (
        re.compile(r"pelican", re.I),
        "This chain picks in the Pelican app, so the Partner API takes no order updates from the portal: set "
        "Picking mode to Pelican (read only) on the connection's Edit page.",
    ),
    (
        re.compile(r"invalid_client|client", re.I),
        "The Partner API rejected the client ID or secret: check them with your Account Manager.",
    ),
    (
        re.compile(r"chain|forbidden", re.I),
        "The token is not valid for this chain: check the Chain ID, or generate the token under this chain in "
        "Partner Portal \u2192 Shops Integrations.",
    ),
)
