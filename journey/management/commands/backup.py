"""Make a consistent copy of the database while the app keeps running."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from journey import backups


class Command(BaseCommand):
    help = "Copy the database consistently while the app runs (SQLite online backup, or pg_dump)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", type=Path, help="File to write (default: backups/tracker-<time>.<kind>).")

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        target = options["output"] or settings.BASE_DIR / "backups" / f"tracker-{stamp}{backups.suffix()}"
        try:
            written = backups.backup(Path(target))
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup written: {written} ({written.stat().st_size:,} bytes)")
