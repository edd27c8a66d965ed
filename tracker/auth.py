"""Authentication backend: Django's own, refusing demo accounts outside development.

Demo accounts (seed_demo's, whose password the README publishes) carry the marker group
``roles.DEMO_ACCOUNT``. With DEBUG off they can neither sign in nor keep a session they already had:
``user_can_authenticate`` refuses them at sign-in and on every request (``get_user``), with one plain
one-row query (an ORM subquery on the user's own query cost a poll 0.9 ms of CPU).

Permissions are Django's own reads (ModelBackend: the user's and the groups', two queries, kept on the
user for the request). They were one raw-SQL query while the board rendered every row on every change;
with the rows cached the saving no longer shows in the benchmark's figures, since every request pays it,
the baseline's too (README, Benchmark: an unchanged poll ~1.2 ms of CPU with the raw query, ~1.9 ms with
Django's, and the baseline 1.1 and 1.8: the same ratio either way).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db import connection

from journey.roles import DEMO_ACCOUNT

_USER_GROUPS = Group.user_set.through._meta.db_table

DEMO_ACCOUNT_SQL = f"""
    SELECT 1 FROM {_USER_GROUPS} ug JOIN {Group._meta.db_table} g ON g.id = ug.group_id
    WHERE ug.user_id = %s AND g.name = %s
"""


def is_demo_account(user: Any) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(DEMO_ACCOUNT_SQL, [user.pk, DEMO_ACCOUNT])
        return cursor.fetchone() is not None


class WardBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return settings.DEBUG or not is_demo_account(user)
