"""Authentication backend: Django's, reading a user's permissions in one plain query instead of two,
and refusing demo accounts outside development.

Every page checks a permission, and the board's poll runs every 10 seconds on every display: building
Django's two permission queries cost more than the rest of an unchanged poll together. Measured again
once the board's rows were cached (README, Benchmark): an unchanged poll costs 3.6 ms of CPU with this
backend and 4.8 ms with Django's own, so it stays. The result is checked against Django's own
ModelBackend in tests/tracker/test_auth_backend.py.

Demo accounts (seed_demo's, whose password the README publishes) carry the marker group
``roles.DEMO_ACCOUNT``. With DEBUG off they can neither sign in nor keep a session they already had:
``user_can_authenticate`` refuses them at sign-in and on every request (``get_user``), with one plain
one-row query (an ORM subquery on the user's own query cost a poll 0.9 ms of CPU).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from journey.roles import DEMO_ACCOUNT

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
DEMO_ACCOUNT_SQL = f"""
    SELECT 1 FROM {_USER_GROUPS} ug JOIN {Group._meta.db_table} g ON g.id = ug.group_id
    WHERE ug.user_id = %s AND g.name = %s
"""
ALL_PERMISSIONS_SQL = (
    f"SELECT ct.app_label, p.codename FROM {_PERMISSION} p JOIN {_CONTENT_TYPE} ct ON ct.id = p.content_type_id"
)


def is_demo_account(user: Any) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(DEMO_ACCOUNT_SQL, [user.pk, DEMO_ACCOUNT])
        return cursor.fetchone() is not None


class WardBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return settings.DEBUG or not is_demo_account(user)

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
