"""The portal served as `manage.py runserver` serves it, access log included, in a thread of the test.

pytest-django's live server answers with a request handler that logs nothing; this one uses
runserver's own (django.core.servers.basehttp.WSGIRequestHandler), which writes every
request line to the "django.server" logger, as the demo's server does.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler, get_internal_wsgi_application
from django.db import connections


@contextmanager
def access_logged_server():
    """Yields the base URL (http://localhost:<port>) of the portal, served until the block ends."""
    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler, allow_reuse_address=False)
    server.set_app(get_internal_wsgi_application())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        connections.close_all()
