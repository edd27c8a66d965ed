"""The server log keeps real errors readable: a refused request is one line, not a traceback.

Django logs every PermissionDenied on ``django.request`` with its traceback. A 403 is the access rules
working, not a fault: one line says who was refused, at which URL, and which permission they lacked.
Everything else (a 500 above all) keeps its traceback.
"""

import logging

from django.core.exceptions import PermissionDenied


class OneLineRefusals(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        refused = record.exc_info[1] if record.exc_info else None
        if getattr(record, "status_code", None) != 403 or not isinstance(refused, PermissionDenied):
            return True
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        who = user.get_username() if user is not None and user.is_authenticated else "anonymous"
        # Our views name the permission (tracker.access.RoleRefused); the admin's refusals do not.
        needs = getattr(refused, "permission", "") or str(refused) or "the admin's permission for this page"
        url = request.get_full_path() if request is not None else "?"
        record.msg = "Refused %s %s to %s: needs %s"
        record.args = (getattr(request, "method", "?"), url.encode("unicode_escape").decode("ascii"), who, needs)
        record.exc_info = None
        record.exc_text = None
        return True
