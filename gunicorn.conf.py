"""gunicorn settings for PeerCert: `gunicorn -c gunicorn.conf.py "lms:create_app()"` (`make serve`).

Every value can be set from the environment, so one file serves a laptop, a container and a host
behind a proxy:

    BIND (or HOST/PORT)     where to listen              127.0.0.1:8000
    WEB_CONCURRENCY         worker processes             2 x cores + 1, at most 12
    GUNICORN_THREADS        threads per worker           4
    GUNICORN_TIMEOUT        seconds before a stuck worker is killed and replaced    60
    FORWARDED_ALLOW_IPS     proxies whose X-Forwarded-* headers gunicorn trusts      127.0.0.1,::1
    ACCESS_LOG / ERROR_LOG  "-" for stdout/stderr (the default), a file path, or "off" (access log)
    LOG_LEVEL               info

The app itself trusts X-Forwarded-For/Proto only when FLASK_PROXY_FIX_X_FOR / _X_PROTO say how many
proxies stand in front of it (see README, Production).
"""

import multiprocessing
import os
import sys


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


_host = os.environ.get("HOST", "127.0.0.1")
_port = os.environ.get("PORT", "8000")
bind = os.environ.get("BIND", f"{_host}:{_port}").split(",")

# Processes do the work (the GIL); a few threads each cover waits on the database and on Redis.
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 12))
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
# Each worker opens its own database connections: never build the app before forking.
preload_app = False

timeout = _int("GUNICORN_TIMEOUT", 60)  # a PDF render or bulk verification stays well under this
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)  # behind a proxy that keeps connections open
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)

# Uploads up to the app's MAX_CONTENT_LENGTH stream through; headers stay bounded.
limit_request_line = 8190
limit_request_fields = 100

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("ACCESS_LOG", "-")
if accesslog.lower() in {"", "off", "none"}:  # `make bench` turns it off for both apps it compares
    accesslog = None
errorlog = os.environ.get("ERROR_LOG", "-")
loglevel = os.environ.get("LOG_LEVEL", "info")
# Client address, request, status, bytes, duration in microseconds, and the user agent.
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
capture_output = True

proc_name = "peercert"


def worker_exit(server, worker):
    """Write what the worker still holds in memory (lookups waiting for the verification log)."""
    verification_log = sys.modules.get("lms.certificates.verification_log")
    if verification_log is not None:
        verification_log.flush_all()
