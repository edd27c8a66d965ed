"""Receive the hospital's bookings: HL7 v2 over MLLP on TCP, beside the web app, on the same database."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from journey.mllp import Limits, ListenerStopped, serve_forever


class Command(BaseCommand):
    help = "Listen for HL7 v2 SIU and ADT messages over MLLP and answer each with an ACK."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=2575, help="TCP port (default 2575; 0 picks a free one).")
        parser.add_argument(
            "--workers",
            type=int,
            help="Messages applied at once (default: 4 on PostgreSQL; 1 on SQLite, which writes one at a time).",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="Processes taking connections on the one port, each with its --workers (default 1). On "
            "PostgreSQL, one per core applies more messages a second; SQLite writes one at a time.",
        )
        parser.add_argument("--max-bytes", type=int, default=1024 * 1024, help="Largest frame taken (default 1 MiB).")
        parser.add_argument(
            "--frame-timeout", type=float, default=30, help="Seconds to finish a frame once begun (default 30)."
        )
        parser.add_argument(
            "--idle-timeout", type=float, default=600, help="Seconds a silent connection stays open (default 600)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A long-running listener keeps its database connections (one per worker thread) instead of opening
        # one per message; the health check before each message replaces one that was dropped.
        for alias in connections:
            connections.settings[alias]["CONN_MAX_AGE"] = None
        workers = options["workers"] or (1 if connection.vendor == "sqlite" else 4)
        limits = Limits(options["max_bytes"], options["frame_timeout"], options["idle_timeout"])

        def ready(bound: str) -> None:
            # One line a supervisor (or a test) can wait for, with the port actually bound.
            self.stdout.write(f"Listening for HL7 over MLLP on {bound}")
            sys.stdout.flush()

        try:
            serve_forever(options["host"], options["port"], limits, workers, ready, processes=options["processes"])
        except ListenerStopped as stopped:
            raise CommandError(str(stopped)) from stopped
        self.stdout.write("Stopped.")
