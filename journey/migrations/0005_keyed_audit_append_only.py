"""The audit chain is keyed (each row names its key) and append-only in the database itself; demo
accounts are marked so that they cannot sign in outside development.

The triggers refuse UPDATE and DELETE on the audit table for every database user, the app's included,
whatever the application code does. Someone with DDL rights (the table's owner) can still drop them:
that is what the keyed hashes and the published head are for (README, Security).
"""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import migrations, models

TABLE = "journey_auditentry"

SQLITE = [
    f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only: UPDATE refused.'); END",
    f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only: DELETE refused.'); END",
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"]

POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION journey_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'The audit trail is append-only: % refused.', TG_OP; END $$",
    f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION journey_audit_append_only()",
    f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION journey_audit_append_only()",
]
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS journey_audit_append_only()",
]


class RunSQLOn(migrations.RunSQL):
    """RunSQL for one database vendor only (each vendor writes triggers its own way)."""

    def __init__(self, vendor, sql, reverse_sql):
        super().__init__(sql, reverse_sql)
        self.vendor = vendor

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


DEMO_ACCOUNT = "Demo account"  # journey.roles.DEMO_ACCOUNT, as it was when this migration was written
DEMO_USERNAMES = ["nurse", "coordinator", "lead", "admin", "display"]
DEMO_PASSWORD = "ward-demo-2026"  # published in the README: an account that still has it is a demo account


def mark_demo_accounts(apps, schema_editor):
    """Demo accounts made before the marker existed (seed_demo in production, say): still the demo's
    username and the published password."""
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Group = apps.get_model("auth", "Group")
    demo = [u for u in User.objects.filter(username__in=DEMO_USERNAMES) if check_password(DEMO_PASSWORD, u.password)]
    if demo:
        group, _ = Group.objects.get_or_create(name=DEMO_ACCOUNT)
        group.user_set.add(*demo)


class Migration(migrations.Migration):
    dependencies = [
        ("journey", "0004_fhir_interface_tokens"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        # Before the triggers: on SQLite, adding a column rebuilds the table, and a rebuild drops triggers.
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=12),
        ),
        RunSQLOn("sqlite", SQLITE, SQLITE_REVERSE),
        RunSQLOn("postgresql", POSTGRESQL, POSTGRESQL_REVERSE),
        migrations.RunPython(mark_demo_accounts, migrations.RunPython.noop),
    ]
