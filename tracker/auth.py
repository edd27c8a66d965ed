"""Authentication backend: Django's own ModelBackend, refusing demo accounts outside development.

Demo accounts (seed_demo's, whose password the README publishes) carry the marker group
``roles.DEMO_ACCOUNT``. With DEBUG off they can neither sign in nor keep a session they already had:
``user_can_authenticate`` refuses them at sign-in and on every request (``get_user``).

Permissions are Django's, read in its two queries. A raw-SQL reader that did it in one query was
measured against it once the board's rows were cached (README, Benchmark): an unchanged poll cost the
same either way, so the plain one stays.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

from journey.roles import DEMO_ACCOUNT


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
