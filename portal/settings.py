"""Settings, read only from the environment (see .env.example for every variable)."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from connections.platforms import installed

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
# Credentials are encrypted with these keys, never with SECRET_KEY. The first key
# encrypts, every key decrypts: to rotate, put a new key first, run
# `manage.py rotate_fernet_keys`, then drop the old key.
FERNET_KEYS = env.list("FERNET_KEYS", default=[])
# Missing or blank keys are refused here, before anything runs; whether the keys decrypt what
# is stored is checked as the portal and its workers start (connections/keys.py).
if not FERNET_KEYS or not all(key.strip() for key in FERNET_KEYS):
    raise ImproperlyConfigured(
        "FERNET_KEYS is missing or has an empty key. It must list the keys the stored credentials are encrypted "
        "with, separated by commas, the newest first. Put back the value this portal ran with (its .env or your "
        "secret store); a new install takes any long random string, e.g. the output of "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`. Then start the portal again."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The fake platforms (the `sandbox` app and each platform package's sandbox); never on in production.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=False)

INSTALLED_APPS = [
    "accounts.apps.PortalAdminConfig",  # django.contrib.admin, with the site that asks staff for a second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "axes",  # sign-in lockouts (see "Sign-in protection" below)
    "portal",
    "connections",
    "orders",
    "api",
    "audit",
    # Accounts: password change and reset; the staff's second factor (django-otp: TOTP, recovery codes).
    "accounts",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
if SANDBOX_ENABLED:
    INSTALLED_APPS.append("sandbox")
# Each platform package is an app (its templates); with the sandbox on, so is its sandbox.
INSTALLED_APPS += installed.apps(sandbox=SANDBOX_ENABLED)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): passed the second factor
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.MerchantMiddleware",
    "portal.middleware.CredentialsUnreadableMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the cool-off page (portal.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take SQLite's write lock at BEGIN, so two writers queue
    # behind the busy timeout instead of failing half-way with "database is locked".
    # WAL with synchronous=NORMAL: a commit survives the process being killed, and is
    # written to disk at the next checkpoint rather than by an fsync of its own (which held
    # the write lock every webhook request waits for). A power cut can undo the last commits
    # (never corrupt the file): the reconciliation fetches those orders again, and
    # PostgreSQL, for production, is unchanged (README: where we departed from DESIGN.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": env.str("SQLITE_TEST_NAME", default=str(BASE_DIR / "var" / "test.sqlite3"))}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg prepares what a kept connection has run five times, but only for cursors that bind
    # on the server: the webhook's one statement (connections/webhook_inbox.py), nothing else.
    # Behind a pooler in transaction mode that cannot keep prepared statements (PgBouncer before
    # 1.21), PREPARED_STATEMENTS=false.
    prepared = env.bool("PREPARED_STATEMENTS", default=True)
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5 if prepared else None)
# Persistent connections on both engines: opening one (SQLite's pragmas included) cost a
# webhook request about 2 ms of its 6 (bench/webhook.py).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# "SQLite does not support indexes with non-key columns": the order list's index INCLUDEs the search
# text for PostgreSQL's index-only walk (orders/models.py); on SQLite it is the same index without it.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# django-q2. A task's timeout stays below `retry` so a task is never run twice at once
# by the broker; our own tables (SyncRun leases, OutboundAction states) decide what is done.
Q_TIMEOUT = env.int("Q_TIMEOUT", default=1800)
Q_CLUSTER = {
    "name": env.str("Q_CLUSTER_NAME", default="portal"),
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": Q_TIMEOUT,
    "retry": env.int("Q_RETRY", default=Q_TIMEOUT + 300),
    "max_attempts": 3,
    "save_limit": 500,
    "catch_up": False,
    "sync": env.bool("Q_SYNC", default=False),
    "poll": 0.5,
    "guard_cycle": 0.5,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses any sign-in while the username or the address is locked out, before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Accounts (accounts/) -------------------------------------------------------------
# How long a password reset link works, in seconds (Django's default: 3 days).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=24 * 3600)
# /admin/ asks staff for a code from an authenticator app (or a recovery code) besides the
# password; on unless DEBUG. Read on each request.
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=not DEBUG)
# The name authenticator apps show beside the portal's codes.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Order portal")
# django-otp's device pages in the admin never show a device's key or recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
# Dates and times as the pages write them ("4 Dec 2026, 14:12"), not the locale's "2:14 p.m.".
FORMAT_MODULE_PATH = ["portal.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves what `collectstatic` wrote to STATIC_ROOT, with hashed names. With DEBUG, or
# STATIC_FROM_SOURCE (the demo: `dev.py run` turns DEBUG off but runs no collectstatic), WhiteNoise
# serves the files from where they are (static/ and each app's), as they are.
STATIC_FROM_SOURCE = env.bool("STATIC_FROM_SOURCE", default=DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if STATIC_FROM_SOURCE
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = STATIC_FROM_SOURCE

# --- Security: production sets these (deploy/production.env.example; README "Security settings") ---
SESSION_COOKIE_HTTPONLY = True
# Session and CSRF cookies are sent over HTTPS only.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind a proxy that ends TLS: its X-Forwarded-Proto says whether the request came over HTTPS.
# Only where the proxy sets that header itself (and drops any the client sent).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
# Plain-HTTP requests are redirected to HTTPS, all but /healthz (a load balancer's probe may be plain HTTP).
SECURE_SSL_REDIRECT = env.bool("SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS: how long browsers must use HTTPS only for this host (0 = no header); with its subdomains, and
# whether it may go on the browsers' preload list (which needs both, and a year or more).
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=False)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp: Django 5.2 has none of its own). Pages load only the portal's
# own files: no inline script or style (templates use classes and static/*.js), no other site, and
# no page may be framed. Swagger UI is served the same way (drf-spectacular-sidecar, split view);
# its stylesheet draws icons from data: URLs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")

# --- Platforms: each package's own settings (connections/platforms/<key>/conf.py) ------
# Address the sandbox is reachable at, used by `seed_demo` to point demo accounts at it.
SANDBOX_PUBLIC_URL = env.str("SANDBOX_PUBLIC_URL", default="http://127.0.0.1:8000")
# The demo (dev.py run) sends every platform's API calls to its sandbox; never in production.
PLATFORMS_USE_SANDBOX = env.bool("PLATFORMS_USE_SANDBOX", default=False)
vars().update(
    installed.platform_settings(env, f"{SANDBOX_PUBLIC_URL.rstrip('/')}/sandbox" if PLATFORMS_USE_SANDBOX else None)
)

# --- Webhooks (every platform that pushes order events) -------------------------------
# The largest webhook body accepted (413 above it), and how long a rotated-out webhook
# secret is still accepted.
WEBHOOK_MAX_BYTES = env.int("WEBHOOK_MAX_BYTES", default=1024 * 1024)
WEBHOOK_SECRET_GRACE_HOURS = env.int("WEBHOOK_SECRET_GRACE_HOURS", default=24)
# Each web process remembers a webhook's connection this long (0 = look it up every time):
# a secret rotated or a connection disconnected elsewhere is seen by all within it.
WEBHOOK_LOOKUP_SECONDS = env.int("WEBHOOK_LOOKUP_SECONDS", default=1)
# While a store's events keep coming, its drain waits this long between batches, so they
# are applied some at a time (0 = one batch after another): a little later, for less work.
WEBHOOK_GATHER_SECONDS = env.float("WEBHOOK_GATHER_SECONDS", default=0.25)
# Fleet health's webhook events per day: the days before today are counted at most this often
# (0 = on every view), today on each view; a past day's states may be this much behind.
FLEET_PAST_DAYS_SECONDS = env.int("FLEET_PAST_DAYS_SECONDS", default=300)
# -- What one webhook event may hold (connections/webhook_limits.py) -------------------
# An event beyond one of these is refused at once, 400 with the reason, and nothing is
# stored: the drain could never apply it. Real events are far inside them (3 to 6 levels).
# Its nesting depth (at most 254, the deepest ingest can write), its longest text (a key or
# a value, in characters), and the most entries of one list or keys of one object.
WEBHOOK_MAX_DEPTH = env.int("WEBHOOK_MAX_DEPTH", default=32)
WEBHOOK_MAX_STRING_CHARS = env.int("WEBHOOK_MAX_STRING_CHARS", default=20_000)
WEBHOOK_MAX_ITEMS = env.int("WEBHOOK_MAX_ITEMS", default=1_000)

# --- Every platform -----------------------------------------------------------------
# Every outbound request has a (connect, read) timeout in seconds.
PLATFORM_CONNECT_TIMEOUT = env.float("PLATFORM_CONNECT_TIMEOUT", default=5.0)
PLATFORM_READ_TIMEOUT = env.float("PLATFORM_READ_TIMEOUT", default=30.0)
# Retries inside one request for timeouts and 5xx, and the longest Retry-After we
# wait in-process; longer waits end the run and the scheduler resumes it later.
PLATFORM_HTTP_ATTEMPTS = env.int("PLATFORM_HTTP_ATTEMPTS", default=3)
PLATFORM_MAX_INLINE_WAIT = env.float("PLATFORM_MAX_INLINE_WAIT", default=5.0)
# -- Outbound requests: where a connection's API host override may point (connections/platforms/outbound.py).
# An override must be https://; http:// too when this is true (a sandbox or staging host without TLS).
OUTBOUND_ALLOW_HTTP = env.bool("OUTBOUND_ALLOW_HTTP", default=False)
# An override resolving to a loopback, private, link-local, shared or metadata address is refused,
# unless named here: host, host:port, address or range (CIDR), comma-separated.
OUTBOUND_ALLOWED_HOSTS = env.list("OUTBOUND_ALLOWED_HOSTS", default=[])

# --- Health and alerts -------------------------------------------------------------
# Links in the mails the merchant's members get when a problem opens or closes.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# A webhook connection is "silent" after this many times its usual gap between events,
# and never before this many minutes.
WEBHOOK_SILENT_FACTOR = env.float("WEBHOOK_SILENT_FACTOR", default=10.0)
WEBHOOK_SILENT_MINUTES_MIN = env.int("WEBHOOK_SILENT_MINUTES_MIN", default=60)
# /healthz calls the scheduler stopped when its minute tick is older than this.
SCHEDULER_STALE_SECONDS = env.int("SCHEDULER_STALE_SECONDS", default=180)

# --- Retries on the record (connections/platforms/faults.py) ------------------------
# Each run keeps the passing faults its retries absorbed. A connection's health carries a
# notice (not a problem: nothing is mailed) when at least RETRY_NOTICE_MIN_RUNS of its last
# RETRY_NOTICE_RUNS finished runs needed retries.
RETRY_NOTICE_RUNS = env.int("RETRY_NOTICE_RUNS", default=5)
RETRY_NOTICE_MIN_RUNS = env.int("RETRY_NOTICE_MIN_RUNS", default=3)

# --- Sync engine -------------------------------------------------------------------
# A run handed to the broker (queued, or re-queued after its worker was lost) is handed
# over again only when no worker has started it within this many seconds, so a busy
# queue never fills with copies.
SYNC_LEASE_SECONDS = env.int("SYNC_LEASE_SECONDS", default=300)
# Incremental windows start this long before the previous window's end ...
SYNC_OVERLAP_SECONDS = env.int("SYNC_OVERLAP_SECONDS", default=600)
# ... and end this long before "now", so late-arriving platform writes are not missed.
SYNC_SETTLE_SECONDS = env.int("SYNC_SETTLE_SECONDS", default=60)
# Backoff after a failed run: base * 2**(failures-1), capped, with jitter.
SYNC_RETRY_BASE_SECONDS = env.int("SYNC_RETRY_BASE_SECONDS", default=60)
SYNC_RETRY_MAX_SECONDS = env.int("SYNC_RETRY_MAX_SECONDS", default=3600)
# Outbound actions (accept, dispatch push): attempts before giving up on transient errors.
ACTION_MAX_ATTEMPTS = env.int("ACTION_MAX_ATTEMPTS", default=6)
ACTION_RETRY_BASE_SECONDS = env.int("ACTION_RETRY_BASE_SECONDS", default=30)

# --- Lost sync workers ------------------------------------------------------------
# While a sync runs, a thread of its worker refreshes the run's heartbeat every quarter of
# SYNC_LOST_SECONDS, as it waits on a slow platform as well as between pages. A run whose
# heartbeat is older than this has lost its worker (killed, host gone): its pages say
# "Worker lost at 14:03", and the next minute tick resumes it from its last saved page.
SYNC_LOST_SECONDS = env.int("SYNC_LOST_SECONDS", default=60)
if SYNC_LOST_SECONDS < 1:
    raise ImproperlyConfigured("SYNC_LOST_SECONDS must be a whole number of seconds, 1 or more (60 by default).")

# --- Platform clocks ---------------------------------------------------------------
# Incremental windows are read by each platform's own clock (the Date of its answers, its
# orders' times), never the portal's. A connection's page says so when the platform's clock
# is further than this from the portal's, either way.
CLOCK_SKEW_WARN_SECONDS = env.int("CLOCK_SKEW_WARN_SECONDS", default=120)

# --- Reconciliation (connections/reconcile.py) ---------------------------------------
# Each connection reads its open orders again on its own schedule (its reconcile options);
# these say how. Orders placed in the last RECONCILE_DAYS days are read again too, whatever
# their state.
RECONCILE_DAYS = env.int("RECONCILE_DAYS", default=3)
# A reconciliation that repairs more orders than this opens a problem (the platform's
# incremental feed loses changes); one that repairs none closes it.
RECONCILE_PROBLEM_THRESHOLD = env.int("RECONCILE_PROBLEM_THRESHOLD", default=5)
# The share of a platform host's request budget (a platform with requests_per_minute) that a
# reconciliation may use, so the syncs, pushes and Test connection keep the rest.
RECONCILE_BUDGET_SHARE = env.float("RECONCILE_BUDGET_SHARE", default=0.5)
# After this many seconds of work a reconciliation hands its worker back to the queue and goes
# on from its last page when its turn comes again, so other connections' syncs never wait long.
RECONCILE_SLICE_SECONDS = env.int("RECONCILE_SLICE_SECONDS", default=60)


# --- Sign-in protection (django-axes) and limits on wrong credentials ---------------
# Sign-in (/signin/ and /admin/login/): after SIGNIN_FAILURE_LIMIT failed sign-ins for one
# username, or from one address (an IPv6 client counts as its /64), within
# SIGNIN_COOLOFF_MINUTES of each other, every sign-in for that username or from that
# address, right password or not, is refused (429) until SIGNIN_COOLOFF_MINUTES have passed
# with no new attempt. Staff unlock in the admin (Access attempts → Unlock).
SIGNIN_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=5)
SIGNIN_COOLOFF_MINUTES = env.int("SIGNIN_COOLOFF_MINUTES", default=15)
AXES_FAILURE_LIMIT = SIGNIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SIGNIN_COOLOFF_MINUTES)
# Two separate counts, either of which locks: per username (many addresses guessing one
# account) and per address (one address guessing many accounts).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The address as the audit trail reads it (REMOTE_ADDR, or the proxy's X-Forwarded-For entry
# with BEHIND_TLS_PROXY), an IPv6 client as its /64.
AXES_CLIENT_IP_CALLABLE = "portal.addresses.limit_address"
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Each refused attempt starts the cool-off again (axes' default, said here because the page's
# "try again in 15 minutes" relies on it: it is true from each answer on).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# A success does not wipe the failures: otherwise anyone with one account of their own could
# sign in to it between guesses at others and never reach the limit.
AXES_RESET_ON_SUCCESS = False
# portal/admin.py registers axes' models itself, with an Unlock action that is audited.
AXES_ENABLE_ADMIN = False
# No banner with axes' settings in every process's log at start; lockouts are logged either way.
AXES_VERBOSE = False

# API tokens: after API_TOKEN_FAILURE_LIMIT unknown tokens from one address, every request
# with a token from that address is answered 429 (Retry-After) until
# API_TOKEN_FAILURE_WINDOW_SECONDS after its first failure. A valid token is refused too:
# the limit stops an address from trying tokens, not just from hearing "wrong".
API_TOKEN_FAILURE_LIMIT = env.int("API_TOKEN_FAILURE_LIMIT", default=20)
API_TOKEN_FAILURE_WINDOW_SECONDS = env.int("API_TOKEN_FAILURE_WINDOW_SECONDS", default=600)
# Webhooks: after WEBHOOK_FAILURE_LIMIT wrong secrets or signatures from one address, each
# further failure from it is answered 429 (Retry-After) instead of 401 until
# WEBHOOK_FAILURE_WINDOW_SECONDS after its first failure. A correctly signed delivery is
# always accepted, whatever its address did.
WEBHOOK_FAILURE_LIMIT = env.int("WEBHOOK_FAILURE_LIMIT", default=20)
WEBHOOK_FAILURE_WINDOW_SECONDS = env.int("WEBHOOK_FAILURE_WINDOW_SECONDS", default=600)


REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Every error a view raises is JSON: a database error 503, anything unexpected 500 (portal/errors.py).
    "EXCEPTION_HANDLER": "portal.errors.api_exception_handler",
}
# The API's order feed serves orders changed at least this long ago, so that a write that
# took its time before another but committed after it is never skipped (api/cursor.py).
API_CURSOR_SETTLE_SECONDS = env.int("API_CURSOR_SETTLE_SECONDS", default=30)
# The merchant REST API: requests a minute per member (429 with Retry-After above it).
API_REQUESTS_PER_MINUTE = env.int("API_REQUESTS_PER_MINUTE", default=600)
SPECTACULAR_SETTINGS = {
    "TITLE": "Order integration portal API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's scripts are served with our static files (drf-spectacular-sidecar), not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.STATUS_CHOICES",
        "ConnectionStatusEnum": "connections.models.Connection.Status",
    },
}

# Retention (portal/retention.py): how many days finished sync runs, applied webhook events,
# closed problems and audit entries are kept; the daily `portal-prune` task deletes older ones
# PRUNE_BATCH_SIZE rows a transaction. Audit is kept longest; `manage.py check` warns otherwise.
KEEP_SYNC_RUNS_DAYS = env.int("KEEP_SYNC_RUNS_DAYS", default=90)
KEEP_WEBHOOK_EVENTS_DAYS = env.int("KEEP_WEBHOOK_EVENTS_DAYS", default=45)
KEEP_PROBLEMS_DAYS = env.int("KEEP_PROBLEMS_DAYS", default=180)
KEEP_AUDIT_DAYS = env.int("KEEP_AUDIT_DAYS", default=730)
PRUNE_BATCH_SIZE = env.int("PRUNE_BATCH_SIZE", default=5000)

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# One JSON object a line (time, level, logger, message with its traceback) for a log collector.
LOG_JSON = env.bool("LOG_JSON", default=False)
# django-q2's four INFO lines for every task (queued, created from a schedule, processing,
# processed), the scheduler's 30-second tick included; off, only a task's failure is logged.
LOG_TASKS = env.bool("LOG_TASKS", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "scrub_secrets": {"()": "connections.platforms.scrub.ScrubSecretsFilter"},
        "routine_task_lines": {"()": "portal.worker_log.RoutineTaskLines"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    # The one handler: every line is scrubbed of secrets (the filter also folds a traceback into the message).
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_JSON else "plain",
            "filters": ["scrub_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (its console, mail_admins, runserver's) are dropped: its records go
        # to the one above, scrubbed and in the chosen format, from LOG_LEVEL up (Django sets INFO).
        "django": {"handlers": [], "propagate": True, "level": LOG_LEVEL},
        "django.server": {"handlers": [], "propagate": True, "level": LOG_LEVEL},
        # A 4xx is in the access log already (runserver's django.server, gunicorn's): Django's own
        # "Not Found: /x" would say it twice. Its 5xx lines (ERROR, with the traceback) stay.
        "django.request": {"level": "ERROR"},
        "django-q": {"filters": [] if LOG_TASKS else ["routine_task_lines"]},
        # urllib3 logs full request URLs at DEBUG; some platforms put their token in the query.
        "urllib3": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
    },
}
