"""gunicorn settings for `make serve` (read from the environment like the app's own settings).

TRACKER_BIND      address:port to listen on (default 127.0.0.1:8000; a TLS proxy in front serves HTTPS).
WEB_CONCURRENCY   worker processes (default: 2 per core + 1).
"""

import multiprocessing
import os

bind = os.environ.get("TRACKER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A worker stuck past this is killed and replaced; its request's transaction rolls back, never half-written.
timeout = 30
graceful_timeout = 30
# Recycle workers now and then so a slow leak can never grow for weeks on a ward server.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# Log no query strings: a search by name or MRN is patient data.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("TRACKER_FORWARDED_ALLOW_IPS", "127.0.0.1")
