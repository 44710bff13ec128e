"""gunicorn's settings for the portal behind nginx (README: Run it in production).

Threads, not a single sync worker: a request that waits (a slow client is nginx's to
buffer, but a slow platform in Test connection is ours) holds one thread, not the
process. nginx buffers every request body and response, so a client that trickles
bytes holds an nginx connection, never a gunicorn thread.

Every value can be set from the environment, so one file serves any machine.
"""

import gc
import multiprocessing
import os

# Where nginx sends requests: loopback by default, or a unix socket ("unix:/run/portal/gunicorn.sock").
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Worker processes from the cores (two per core plus one, gunicorn's own advice), each with threads.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 8))

# A request that takes longer is cut off and its worker restarted; nginx's proxy_read_timeout is above it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# nginx keeps connections to us open between requests (HTTP/1.1 keepalive upstream).
keepalive = 15
# Workers are replaced now and then, so a slow leak never grows without end.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10

# The app is loaded once, in the master: a wrong FERNET_KEYS or SECRET_KEY stops gunicorn
# at start-up with the reason, instead of every worker failing in a loop.
preload_app = True


def pre_fork(server, worker):
    """In the master, before each worker is forked: the loaded app's objects go to the garbage
    collector's permanent generation, so a worker's full collections never walk them. A worker's
    full collection over them took 90 ms, once in a few hundred requests (a page's slowest
    request); over what a worker makes itself, 15-20 ms (bench/README.md, "Collections")."""
    gc.freeze()


# Only nginx on this machine may say which scheme and address the client used.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stderr for the process supervisor (journald). The access line holds the path
# without its query string: nothing a client put in a query is written to disk.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

# gunicorn's control interface (`gunicornc`) is not used; without this, two gunicorns on one
# machine (the portal and anything else) would share ~/.gunicorn/gunicorn.ctl.
control_socket_disable = True
