"""The audit chain's head, published outside the database as each row is written.

Someone who can write the database could delete the last rows of the chain, and what is left still links
up. A copy of each new head (sequence number and hash) kept where that person cannot reach shows it:
``manage.py verify_audit --head-log FILE`` finds every published entry still in the database, unchanged.

``TRACKER_AUDIT_HEAD`` says where:
- a file path: one line per row, appended (``O_APPEND``) and never rewritten. Make it append-only
  (``chattr +a``), or better ship it off the machine (see the README: rsyslog or a log shipper);
- ``syslog``: the local syslog socket (``/dev/log``), which rsyslog or journald can forward to another
  machine; ``syslog://host:port``: straight to a remote syslog server over UDP;
- ``off`` (or empty): not published.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

from django.conf import settings
from django.utils import timezone

HEAD = re.compile(r"\b(\d+):([0-9a-f]{64})\b")
log = logging.getLogger(__name__)
_syslog_loggers: dict[str, logging.Logger] = {}


def line(seq: int, hash: str) -> str:
    return f"{timezone.now():%Y-%m-%dT%H:%M:%S%z} tracker audit head {seq}:{hash}"


def publish(seq: int, hash: str) -> None:
    """Append this head to the configured place. Called once the row is committed: a failure here is
    logged as an error (the published log then has a gap, which verify_audit tolerates), never raised."""
    target = (settings.TRACKER_AUDIT_HEAD or "off").strip()
    if target == "off":
        return
    try:
        if target == "syslog" or target.startswith("syslog://"):
            _syslog(target).info(line(seq, hash))
            return
        descriptor = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, (line(seq, hash) + "\n").encode())
        finally:
            os.close(descriptor)
    except (OSError, ValueError) as error:
        log.error("Audit head %s:%s was not published to %s: %s", seq, hash, target, error)


def _syslog(target: str) -> logging.Logger:
    if target not in _syslog_loggers:
        if target == "syslog":
            address: str | tuple[str, int] = "/dev/log"
        else:
            host, _, port = target.removeprefix("syslog://").rpartition(":")
            address = (host.strip("[]"), int(port or 514))
        handler = logging.handlers.SysLogHandler(address=address, facility=logging.handlers.SysLogHandler.LOG_AUTH)
        handler.setFormatter(logging.Formatter("tracker-audit: %(message)s"))
        logger = logging.getLogger(f"{__name__}.{len(_syslog_loggers)}")
        logger.propagate = False  # to syslog only, not into the app's own log as well
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        _syslog_loggers[target] = logger
    return _syslog_loggers[target]


def parse(text: str) -> dict[int, str]:
    """Every ``seq:hash`` in a head log (a file, or lines collected from syslog), by sequence number."""
    heads: dict[int, str] = {}
    for match in HEAD.finditer(text):
        heads[int(match.group(1))] = match.group(2)
    return heads


def read(path: Path) -> dict[int, str]:
    return parse(path.read_text(errors="replace"))
