"""Settings of the server `bench/webhook.py` measures: the portal's own, with one URL more.

Everything still comes from the environment, as in production; only ROOT_URLCONF differs,
so the webhook and the trivial view it is compared with go through the same middleware.
"""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.webhook_urls"
