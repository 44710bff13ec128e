"""Settings of the server `bench/scale.py` measures: the portal's own, plus a query counter.

Everything still comes from the environment, as in production; only one middleware is added,
first, so it counts every query of a request (`bench/scale_queries.py`). Never used by the app.
"""

from portal.settings import *  # noqa: F403
from portal.settings import MIDDLEWARE

MIDDLEWARE = ["bench.scale_queries.QueryCount", *MIDDLEWARE]
