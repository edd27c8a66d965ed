"""Settings for the test run: the real settings, with a throwaway key and fast, plain storage."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-insecure-key-not-for-any-deployment")
# The test client and the browser tests speak plain HTTP; tests/tracker/test_deploy.py checks the HTTPS settings.
os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ.setdefault("TRACKER_AUDIT_KEY", "tests-only-audit-key-not-for-any-deployment")
# Tests that publish the audit head point this at a temporary file or socket.
os.environ.setdefault("TRACKER_AUDIT_HEAD", "off")

from tracker.settings import *

# Tests run with DEBUG off, where the manifest storage would need collectstatic first.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Serve static files from the finders, as in development: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
AXES_VERBOSE = False
