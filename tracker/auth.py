"""Authentication backend: Django's, reading a user's permissions in one plain query instead of two.

Every page checks a permission, and the board's poll runs every 10 seconds on every display: building
Django's two permission queries cost more than the rest of an unchanged poll together. The result is
checked against Django's own ModelBackend in tests/tracker/test_auth_backend.py.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

_PERMISSION = Permission._meta.db_table
_CONTENT_TYPE = ContentType._meta.db_table
_USER_PERMISSIONS = Permission.user_set.through._meta.db_table
_GROUP_PERMISSIONS = Group.permissions.through._meta.db_table
_USER_GROUPS = Group.user_set.through._meta.db_table

PERMISSIONS_SQL = f"""
    SELECT ct.app_label, p.codename
    FROM {_PERMISSION} p JOIN {_CONTENT_TYPE} ct ON ct.id = p.content_type_id
    WHERE p.id IN (
        SELECT permission_id FROM {_USER_PERMISSIONS} WHERE user_id = %s
        UNION
        SELECT gp.permission_id FROM {_GROUP_PERMISSIONS} gp
        JOIN {_USER_GROUPS} ug ON ug.group_id = gp.group_id WHERE ug.user_id = %s
    )
"""
ALL_PERMISSIONS_SQL = (
    f"SELECT ct.app_label, p.codename FROM {_PERMISSION} p JOIN {_CONTENT_TYPE} ct ON ct.id = p.content_type_id"
)


class WardBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            with connection.cursor() as cursor:
                if user_obj.is_superuser:
                    cursor.execute(ALL_PERMISSIONS_SQL)
                else:
                    cursor.execute(PERMISSIONS_SQL, [user_obj.pk, user_obj.pk])
                user_obj._perm_cache = {f"{app}.{code}" for app, code in cursor.fetchall()}
        return user_obj._perm_cache
