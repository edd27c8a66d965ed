from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from journey import demo
from journey.models import Journey

REFUSED = (
    "seed_demo runs only in development (DJANGO_DEBUG=1). It makes accounts whose password is published in the "
    "README, the unit admin among them, and books fictional patients: none of that may reach a real unit's "
    "database. On a production server, create the first admin with `manage.py createsuperuser`, then each "
    "member of staff in /admin/ (Users, then their role's group); the pathways load with "
    "`manage.py loaddata vertebroplasty kyphoplasty`."
)


class Command(BaseCommand):
    help = (
        "Load the pathways if there are none, create the demo staff, and when the database has no journeys "
        "walk about sixty past days of patients and book a demo day for today (today's always, with --today)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            action="store_true",
            help="Add today's demo day even if the database already holds journeys (e.g. from an earlier day).",
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help=f"Skip the {demo.HISTORY_DAYS} past days of journeys the reports and the time home learn from.",
        )

    def handle(self, *args: Any, today: bool = False, no_history: bool = False, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(REFUSED)
        demo.ensure_pathways()
        staff = demo.ensure_staff()
        empty = not Journey.objects.exists()
        if empty and not no_history:
            past = demo.seed_history()
            self.stdout.write(
                self.style.SUCCESS(f"Demo history: {past} journeys over the last {demo.HISTORY_DAYS} days.")
            )
        if today or empty:
            added = demo.seed_day()
            self.stdout.write(self.style.SUCCESS(f"Demo day: {added} journeys booked for today."))
        else:
            self.stdout.write("The database already holds journeys: no demo day added (use --today to add one).")
        self.stdout.write(f"Demo sign-ins (password for each: {demo.DEMO_PASSWORD}):")
        for username, role in staff:
            self.stdout.write(f"  {username:<12} {role}")
