"""The MLLP listener for tests: in a thread of this process (any database), or ``manage.py hl7_listen`` as a
process of its own (PostgreSQL: it must reach the test database by name)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection as database

from journey.mllp import Limits, Listener

ROOT = Path(__file__).resolve().parents[1]


class Running:
    def __init__(self, limits: Limits, **kwargs):
        self.loop = asyncio.new_event_loop()
        # The test database on SQLite is in memory with a shared cache, whose table locks ignore the busy
        # timeout: one worker there. A file database (as deployed) or PostgreSQL takes several.
        workers = 1 if database.vendor == "sqlite" else 2
        self.listener = Listener(limits, workers=workers, **kwargs)
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(self.listener.start("127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.listener.close())
        self.loop.close()

    def __enter__(self) -> Running:
        self.thread.start()
        assert self.ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)


def start_hl7_listen(*options: str) -> tuple[subprocess.Popen, int]:
    settings_dict = database.settings_dict
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DATABASE_URL": (
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
        ),
        "TRACKER_TIME_ZONE": settings.TIME_ZONE,
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "hl7_listen", "--port", "0", *options],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "Listening for HL7" in line:
            return process, int(line.rsplit(":", 1)[1])
    process.kill()
    raise AssertionError("hl7_listen did not start")
