"""The WSGI application (gunicorn portal.wsgi): it refuses to load when FERNET_KEYS cannot decrypt
the stored credentials, so the portal with the wrong keys never starts and says why in its log.

gunicorn loads it once in its master (deploy/gunicorn.conf.py: preload_app), then forks the
workers: the check's database connection is closed here, so no worker inherits (and shares)
the master's socket."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

from django.db import connections  # noqa: E402 (the apps must be loaded first)

from connections.keys import require_readable  # noqa: E402

try:
    require_readable()
finally:
    connections.close_all()
