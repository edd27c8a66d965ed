"""Backups: a consistent copy while the app runs, and restore brings the data back as it was."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from journey.models import AuditEntry, Journey
from tests.makers import answer, make_journey, make_pathway, make_user

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and the backup API see committed data only


def test_backup_then_changes_then_restore_finds_the_data_as_it_was(tmp_path):
    nurse = make_user()
    journey = make_journey(make_pathway(), nurse)
    journey.arrive(by=nurse)
    answer(journey, "identity", True, by=nurse)
    kept = (journey.version, journey.events.count(), AuditEntry.objects.count())
    target = tmp_path / "tracker.backup"
    out = StringIO()

    call_command("backup", output=target, stdout=out)
    assert "Backup written" in out.getvalue()
    assert oct(target.stat().st_mode & 0o777) == "0o600"

    answer(journey, "driver_confirmed", True, by=nurse)
    make_journey(journey.pathway, nurse)
    assert Journey.objects.count() == 2

    call_command("restore", str(target), interactive=False, stdout=StringIO())

    restored = Journey.objects.get()
    assert restored.pk == journey.pk
    assert (restored.version, restored.events.count(), AuditEntry.objects.count()) == kept
    assert AuditEntry.objects.verify().intact


def test_restore_refuses_a_missing_file_and_changes_nothing(tmp_path, db):
    with pytest.raises(CommandError, match="There is no backup at"):
        call_command("restore", str(tmp_path / "nothing.backup"), interactive=False)
