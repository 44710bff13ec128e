"""Test settings: the production settings module, with the environment a test run needs.

Everything still comes from the environment; these are only defaults, so CI can point
DATABASE_URL at PostgreSQL and REDIS_URL at Redis and run the very same suite.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
# Two fixed keys: tests rotate between them.
os.environ.setdefault(
    "FERNET_KEYS",
    "tests-fernet-key-one-0123456789abcdef,tests-fernet-key-two-0123456789abcdef",
)
os.environ.setdefault("SANDBOX_ENABLED", "true")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("Q_SYNC", "true")
# Our own queue name, so a developer's running worker never takes a test's tasks (Redis).
os.environ.setdefault("Q_CLUSTER_NAME", f"portal-test-{os.getpid()}")
# Our own cache keys, so runs sharing one Redis never meet (workers inherit it).
os.environ.setdefault("CACHE_KEY_PREFIX", f"portal-test-{os.getpid()}")
# The API's rate limit has its own test; elsewhere it must never get in the way.
os.environ.setdefault("API_REQUESTS_PER_MINUTE", "100000")
# So are the limits on wrong API tokens and webhook secrets (their tests lower them and use
# addresses of their own): the counts live in the cache, which Redis keeps between tests.
# Sign-in lockouts keep their real defaults: their counts live in the database, and the tests
# that lock out sign in for real.
os.environ.setdefault("API_TOKEN_FAILURE_LIMIT", "100000")
os.environ.setdefault("WEBHOOK_FAILURE_LIMIT", "100000")
# Tests change connections between webhook posts; the lookup memory has its own tests.
os.environ.setdefault("WEBHOOK_LOOKUP_SECONDS", "0")
os.environ.setdefault("FLEET_PAST_DAYS_SECONDS", "0")  # charts count their data anew; one test keeps it
os.environ.setdefault("WEBHOOK_GATHER_SECONDS", "0")  # Q_SYNC: the drain runs inside the request
os.environ.setdefault("PLATFORM_READ_TIMEOUT", "5")
os.environ.setdefault("PLATFORM_CONNECT_TIMEOUT", "2")
# Tests of the admin sign in with force_login; the second factor's own tests
# (tests/accounts) turn ADMIN_REQUIRE_2FA on, as production has it.
os.environ.setdefault("ADMIN_REQUIRE_2FA", "false")
# The hosts the tests' connections override theirs with: the live server (http) and the
# unresolvable hosts `responses` answers for. The outbound guard's own tests set their own.
os.environ.setdefault("OUTBOUND_ALLOW_HTTP", "true")
os.environ.setdefault("OUTBOUND_ALLOWED_HOSTS", "localhost,noths.invalid,partner.invalid,partner.test,shopify.invalid")
# Playwright's sync API runs an event loop in the test thread; the ORM calls made there
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve static files from the finders; tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
# Every thread closes its connection when done (live-server threads, worker threads), so
# the PostgreSQL test database can be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
CACHES["default"]["KEY_PREFIX"] = os.environ["CACHE_KEY_PREFIX"]  # noqa: F405
