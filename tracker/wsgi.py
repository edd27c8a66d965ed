import gc
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

# Serving signs sessions and CSRF tokens: refuse to start without a real key, not at the first request.
try:
    settings.SECRET_KEY  # noqa: B018 (Django refuses an empty key when it is read)
except ImproperlyConfigured:
    raise ImproperlyConfigured(settings.MISSING_SECRET_KEY) from None
# Every request may write the audit chain: without its key, refuse to start rather than fail each write.
if not settings.TRACKER_AUDIT_KEY:
    raise ImproperlyConfigured(settings.MISSING_AUDIT_KEY)

application = get_wsgi_application()

# What Django and the app build at start-up live as long as the process: frozen, they are left out of
# the garbage collector's passes, which a board of a thousand rows (allocating a lot) triggers often.
# A cold board render at 1000 journeys, median of 25 in turn from a fresh gunicorn: 127-139 ms frozen,
# 201-217 ms not (bench/run.py's cold render, after its wrk runs, moves less).
gc.freeze()
