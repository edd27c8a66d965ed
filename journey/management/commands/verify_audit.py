"""Check the audit trail's keyed hash chain from its first row; report the first row where it breaks.

With ``--head SEQ:HASH`` (a head written down earlier) or ``--head-log FILE`` (the heads the app
published as it wrote, see TRACKER_AUDIT_HEAD), it also reports a tail cut off since then.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from journey import audit_head
from journey.models import AuditEntry


def _head(value: str) -> dict[int, str]:
    heads = audit_head.parse(value.strip().lower())
    if len(heads) != 1:
        raise CommandError(f"--head wants SEQ:HASH (the entry's number, a colon, its 64-character hash), not {value!r}")
    return heads


class Command(BaseCommand):
    help = (
        "Verify the audit trail's keyed hash chain. Exits 1 at the first row that was changed, removed or "
        "inserted, or (with --head / --head-log) when rows published earlier are gone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--head", help="SEQ:HASH of a head kept elsewhere: that entry must still be there.")
        parser.add_argument(
            "--head-log", type=Path, help="The file of heads published as the app wrote (TRACKER_AUDIT_HEAD)."
        )

    def handle(self, *args: Any, head: str | None = None, head_log: Path | None = None, **options: Any) -> None:
        published: dict[int, str] = {}
        if head_log is not None:
            if not head_log.is_file():
                raise CommandError(f"There is no head log at {head_log}.")
            published.update(audit_head.read(head_log))
            if not published:
                raise CommandError(f"{head_log} holds no published head (lines with SEQ:HASH).")
        if head:
            published.update(_head(head))
        check = AuditEntry.objects.verify(published)
        if not check.intact:
            raise CommandError(
                f"Audit chain broken at entry {check.broken_at}: {check.reason}. "
                f"The {check.entries} entries before it are intact (last good head {check.last_seq}:{check.head})."
            )
        if check.plain:
            anchored = (
                f"anchored by entry {check.plain + 1}'s keyed hash since it was written"
                if check.entries > check.plain
                else "no keyed entry follows them yet: until one does, they are protected by the hash alone"
            )
            self.stdout.write(
                f"Entries 1 to {check.plain} were written before the audit key, with a plain SHA-256 hash: "
                f"they verify as such and are {anchored}."
            )
        against = f" It holds all {len(published)} published heads." if published else ""
        self.stdout.write(
            f"Audit chain intact: {check.entries} entries. Head {check.last_seq}:{check.head}.{against} "
            "(Keep the head somewhere else: a later check that no longer reaches it shows a cut-off tail.)"
        )
