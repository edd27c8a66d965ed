"""Bring back a copy made by ``manage.py backup``: everything written since is replaced."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from journey import backups


class Command(BaseCommand):
    help = "Replace the database with a backup made by `manage.py backup`. Stop the app servers first."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("backup", type=Path)
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["backup"]
        if options["interactive"]:
            answer = input(f"Replace the whole database with {source}? Everything recorded since is lost. Type yes: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore abandoned; nothing was changed.")
        try:
            backups.restore(source)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored from {source}. Run `manage.py verify_audit` to check the audit chain.")
