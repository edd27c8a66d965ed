"""Authentication backend: Django's, reading a user's permissions in one plain query instead of two,
and refusing demo accounts outside development.

Every page checks a permission, and the board's poll runs every 10 seconds on every display: building
Django's two permission queries cost more than the rest of an unchanged poll together. The result is
checked against Django's own ModelBackend in tests/tracker/test_auth_backend.py.

Demo accounts (seed_demo's, whose password the README publishes) carry the marker group
``roles.DEMO_ACCOUNT``. With DEBUG off they can neither sign in nor keep a session they already had:
``user_can_authenticate`` refuses them at sign-in and on every request (``get_user``).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Exists, OuterRef

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
ALL_PERMISSIONS_SQL = (
    f"SELECT ct.app_label, p.codename FROM {_PERMISSION} p JOIN {_CONTENT_TYPE} ct ON ct.id = p.content_type_id"
)


def _is_demo_account() -> Exists:
    memberships = Group.user_set.through.objects.filter(user_id=OuterRef("pk"), group__name=DEMO_ACCOUNT)
    return Exists(memberships)


class WardBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        if settings.DEBUG:
            return True
        demo = getattr(user, "is_demo_account", None)
        if demo is None:  # a user not read by get_user below (a sign-in): ask
            demo = user.groups.filter(name=DEMO_ACCOUNT).exists()
        return not demo

    def get_user(self, user_id: Any) -> Any:
        """The session's user, read with whether it is a demo account in the same query."""
        users = get_user_model()._default_manager.annotate(is_demo_account=_is_demo_account())
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

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
