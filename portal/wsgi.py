"""The WSGI application (gunicorn portal.wsgi): it refuses to load when FERNET_KEYS cannot decrypt
the stored credentials, so a worker with the wrong keys never boots and says why in its log."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

from connections.keys import require_readable  # noqa: E402 (the apps must be loaded first)

require_readable()
