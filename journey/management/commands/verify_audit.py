"""Check the audit trail's hash chain from its first row; report the first row where it breaks."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from journey.models import AuditEntry


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain. Exits 1 at the first row that was changed, removed or inserted."

    def handle(self, *args: Any, **options: Any) -> None:
        check = AuditEntry.objects.verify()
        if not check.intact:
            raise CommandError(
                f"Audit chain broken at entry {check.broken_at}: {check.reason}. "
                f"The {check.entries} entries before it are intact (last good hash {check.head})."
            )
        self.stdout.write(
            f"Audit chain intact: {check.entries} entries. Head hash {check.head} "
            "(keep it somewhere else: a later check that no longer reaches it shows a cut-off tail)."
        )
