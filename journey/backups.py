"""Consistent copies of the database while the app runs, and bringing one back.

SQLite: the online backup API copies a consistent snapshot page by page while others keep writing.
PostgreSQL: pg_dump reads one snapshot of the whole database (custom format); pg_restore brings it back
in one transaction.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections


class BackupError(Exception):
    pass


def _database(alias: str = "default") -> tuple[Any, dict[str, Any]]:
    connection = connections[alias]
    return connection, connection.settings_dict


def suffix(alias: str = "default") -> str:
    return ".sqlite3" if connections[alias].vendor == "sqlite" else ".pgdump"


def backup(target: Path, alias: str = "default") -> Path:
    connection, config = _database(alias)
    target.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            with copy:
                connection.connection.backup(copy)
            (ok,) = copy.execute("PRAGMA integrity_check").fetchone()
        finally:
            copy.close()
        if ok != "ok":
            raise BackupError(f"The copy failed its integrity check: {ok}")
    elif connection.vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", *_pg_target(config)], config)
    else:
        raise BackupError(f"No backup method for {connection.vendor}.")
    os.chmod(target, 0o600)  # patient data: readable by the service's account only
    return target


def restore(source: Path, alias: str = "default") -> None:
    if not source.is_file():
        raise BackupError(f"There is no backup at {source}.")
    connection, config = _database(alias)
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            connection.ensure_connection()
            copy.backup(connection.connection)
        finally:
            copy.close()
    elif connection.vendor == "postgresql":
        connection.close()  # our own idle connection must not hold the tables pg_restore replaces
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *_pg_target(config),
                str(source),
            ],
            config,
        )
    else:
        raise BackupError(f"No restore method for {connection.vendor}.")


def _pg_target(config: dict[str, Any]) -> list[str]:
    args = [f"--dbname={config['NAME']}"]
    if config.get("HOST"):
        args.append(f"--host={config['HOST']}")
    if config.get("PORT"):
        args.append(f"--port={config['PORT']}")
    if config.get("USER"):
        args.append(f"--username={config['USER']}")
    return args


def _run(command: list[str], config: dict[str, Any]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).")
    env = {**os.environ}
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = str(config["PASSWORD"])
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
