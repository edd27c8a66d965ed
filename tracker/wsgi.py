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

application = get_wsgi_application()
