"""What someone with the database's DDL rights could do to the audit table: lift its append-only triggers.

Tests use it to tamper with rows the way such a person would; the test run's own clean-up (the flush
after a transactional test) uses it too, since the triggers refuse to empty the table.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection as default_connection

from journey.models import AuditEntry

TABLE = AuditEntry._meta.db_table


@contextmanager
def audit_guard_lifted(connection=default_connection) -> Iterator[None]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        else:
            # A superuser's switch: ordinary triggers stop firing for this session (ALTER TABLE ... DISABLE
            # TRIGGER, the owner's way, waits for the test transaction's deferred foreign-key checks).
            cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                for _, sql in triggers:
                    cursor.execute(sql)
            else:
                cursor.execute("SET session_replication_role = DEFAULT")


def tamper(sql: str, params: list | None = None) -> None:
    """Run ``sql`` on the audit table with its triggers lifted, bypassing the model that refuses it."""
    with audit_guard_lifted(), default_connection.cursor() as cursor:
        cursor.execute(sql, params or [])
