"""The audit chain is keyed, anchored outside the database, and append-only in the database itself.

Each tamper is done the way someone with database rights but without the audit key would: raw SQL, with
the table's triggers lifted where the tamper needs it (tests/tamper.py).
"""

import hashlib
import hmac
import json
import socket
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from journey import audit_head
from journey.errors import JourneyError
from journey.models import AuditEntry
from journey.models.audit import key_id
from tests.conftest import MORNING
from tests.makers import walk_to
from tests.tamper import TABLE, tamper

Action = AuditEntry.Action


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def _plain_sha256(row: AuditEntry) -> str:
    return row.compute_hash(None)


@pytest.fixture
def chain(journey, nurse):
    """A journey walked to prep: a dozen audit rows."""
    walk_to(journey, "prep", nurse)
    rows = list(AuditEntry.objects.all())
    assert len(rows) >= 6
    return rows


def test_each_row_is_an_hmac_under_the_audit_key_and_names_the_key(chain, settings):
    row = chain[2]
    content = [
        row.seq,
        row.at.isoformat(),
        row.user_id,
        row.username,
        row.address,
        row.action,
        row.journey_id,
        row.patient_id,
        row.summary,
        row.data,
        row.previous_hash,
        row.key_id,
    ]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    assert row.key_id == key_id(settings.TRACKER_AUDIT_KEY)
    assert settings.TRACKER_AUDIT_KEY not in row.key_id
    assert row.hash == hmac.new(settings.TRACKER_AUDIT_KEY.encode(), canonical, hashlib.sha256).hexdigest()
    assert row.hash != _plain_sha256(row)


def test_no_row_is_written_without_the_audit_key(journey, nurse, settings):
    settings.TRACKER_AUDIT_KEY = ""

    with pytest.raises(ImproperlyConfigured, match="Set TRACKER_AUDIT_KEY"):
        AuditEntry.objects.record(Action.VIEWED, user=nurse, summary="Opened the journey page")


def test_an_edited_row_is_caught_at_that_row(chain):
    victim = chain[2]

    tamper(f"UPDATE {TABLE} SET summary = %s WHERE id = %s", ["Nothing happened", victim.pk])

    with pytest.raises(CommandError, match=f"broken at entry {victim.seq}: its content or hash was changed"):
        _verify()


def test_a_deleted_middle_row_is_caught_where_it_was(chain):
    victim = chain[2]

    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [victim.pk])

    with pytest.raises(CommandError, match=f"broken at entry {victim.seq + 1}: entry {victim.seq} is missing"):
        _verify()


def test_a_deleted_tail_is_caught_against_the_head_kept_elsewhere(chain):
    head = f"{chain[-1].seq}:{chain[-1].hash}"
    kept = chain[-3]

    tamper(f"DELETE FROM {TABLE} WHERE seq > %s", [kept.seq])

    # What is left still links up: only the head kept outside the database shows what is gone.
    assert f"Audit chain intact: {kept.seq} entries" in _verify()
    with pytest.raises(CommandError) as refused:
        _verify("--head", head)
    assert f"broken at entry {kept.seq + 1}: entries {kept.seq + 1} to {chain[-1].seq} were published" in str(
        refused.value
    )
    assert "the tail was cut off" in str(refused.value)


def test_a_head_that_is_still_there_verifies(chain):
    assert f"Head {chain[-1].seq}:{chain[-1].hash}." in _verify("--head", f"{chain[3].seq}:{chain[3].hash}")


def test_a_malformed_head_is_refused_with_what_is_wanted(chain):
    with pytest.raises(CommandError, match="--head wants SEQ:HASH"):
        _verify("--head", "12:not-a-hash")


@pytest.mark.parametrize("claimed_key", ["", "current"], ids=["no key id", "the real key id"])
def test_a_forged_row_appended_with_a_recomputed_plain_sha256_is_caught(chain, settings, claimed_key):
    last = chain[-1]
    forged = AuditEntry(
        seq=last.seq + 1,
        at=last.at,
        user=None,
        username="",
        address=None,
        action=Action.VIEWED,
        summary="Nobody opened anything",
        data={},
        previous_hash=last.hash,
        key_id=key_id(settings.TRACKER_AUDIT_KEY) if claimed_key else "",
    )
    forged.hash = _plain_sha256(forged)

    # An INSERT: the triggers allow it (the app appends), only the key can tell.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (seq, at, username, action, summary, data, previous_hash, hash, key_id) "
            "VALUES (%s, %s, '', %s, %s, '{}', %s, %s, %s)",
            [forged.seq, forged.at, forged.action, forged.summary, forged.previous_hash, forged.hash, forged.key_id],
        )

    reason = "it has no key, after keyed entries" if not claimed_key else "its content or hash was changed"
    with pytest.raises(CommandError, match=f"broken at entry {forged.seq}: {reason}"):
        _verify()


@pytest.mark.parametrize("attacker_key", [None, b"a key the attacker made up"], ids=["plain sha256", "another key"])
def test_a_middle_row_rewritten_with_every_later_hash_recomputed_without_the_key_is_caught_there(chain, attacker_key):
    victim = chain[2]
    previous = chain[1].hash
    for row in chain[2:]:
        if row.pk == victim.pk:
            row.summary = "Nothing happened"
        row.previous_hash = previous
        row.key_id = key_id(attacker_key.decode()) if attacker_key else ""
        row.hash = row.compute_hash(attacker_key)
        tamper(
            f"UPDATE {TABLE} SET summary = %s, previous_hash = %s, hash = %s, key_id = %s WHERE id = %s",
            [row.summary, row.previous_hash, row.hash, row.key_id, row.pk],
        )
        previous = row.hash

    reason = (
        "it has no key, after keyed entries"
        if attacker_key is None
        else "it was written under key .*, which is neither"
    )
    with pytest.raises(CommandError, match=f"broken at entry {victim.seq}: {reason}"):
        _verify()


def test_a_rotated_key_still_verifies_the_rows_written_before_the_rotation(chain, nurse, settings):
    old = settings.TRACKER_AUDIT_KEY
    settings.TRACKER_AUDIT_KEY = "the unit's second audit key, after rotation"
    settings.TRACKER_AUDIT_OLD_KEYS = [old]

    AuditEntry.objects.record(Action.VIEWED, user=nurse, summary="Opened the journey page")

    assert {r.key_id for r in AuditEntry.objects.all()} == {key_id(old), key_id(settings.TRACKER_AUDIT_KEY)}
    assert f"Audit chain intact: {len(chain) + 1} entries" in _verify()
    # Without the old key, the older rows cannot be checked, and the check says which key it needs.
    settings.TRACKER_AUDIT_OLD_KEYS = []
    with pytest.raises(CommandError, match=f"broken at entry 1: it was written under key {key_id(old)}"):
        _verify()


def _plain_row(seq: int, previous: str, summary: str) -> AuditEntry:
    """A row as the app wrote them before the audit key existed."""
    row = AuditEntry(seq=seq, at=MORNING, action=Action.VIEWED, summary=summary)
    row.previous_hash, row.key_id = previous, ""
    row.hash = _plain_sha256(row)
    row.save(force_insert=True)
    return row


def test_rows_from_before_the_key_verify_as_plain_sha256_and_the_first_keyed_row_anchors_them(db, nurse):
    first = _plain_row(1, "0" * 64, "Opened the journey page")
    second = _plain_row(2, first.hash, "Printed the discharge sheet")

    assert "no keyed entry follows them yet" in _verify()
    AuditEntry.objects.record(Action.VIEWED, user=nurse, summary="Opened the journey page")

    report = _verify()
    assert "Entries 1 to 2 were written before the audit key, with a plain SHA-256 hash" in report
    assert "anchored by entry 3's keyed hash" in report
    assert "Audit chain intact: 3 entries" in report

    # Rewriting the old rows and their plain hashes no longer adds up: the keyed row covers the last one.
    first.summary = "Nothing happened"
    first.hash = _plain_sha256(first)
    second.previous_hash = first.hash
    second.hash = _plain_sha256(second)
    for row in (first, second):
        tamper(
            f"UPDATE {TABLE} SET summary = %s, previous_hash = %s, hash = %s WHERE id = %s",
            [row.summary, row.previous_hash, row.hash, row.pk],
        )
    with pytest.raises(CommandError, match="broken at entry 3: it does not follow the entry before it"):
        _verify()


@pytest.mark.parametrize(
    "statement", [f"UPDATE {TABLE} SET summary = 'Edited'", f"DELETE FROM {TABLE}"], ids=["update", "delete"]
)
def test_the_database_itself_refuses_to_change_or_delete_audit_rows(chain, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    assert AuditEntry.objects.count() == len(chain)
    assert AuditEntry.objects.filter(summary="Edited").count() == 0


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE triggers are PostgreSQL's")
def test_postgresql_refuses_to_truncate_the_audit_table(chain):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test transaction's deferred checks, done now
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")

    assert AuditEntry.objects.count() == len(chain)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level triggers in plpgsql are PostgreSQL's")
def test_postgresql_refuses_update_and_delete_on_the_audit_table_for_the_app_too(chain):
    victim = chain[1]
    for statement in (f"UPDATE {TABLE} SET summary = 'x' WHERE id = %s", f"DELETE FROM {TABLE} WHERE id = %s"):
        refused = pytest.raises(DatabaseError, match=r"append-only: (UPDATE|DELETE) refused")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [victim.pk])
    assert AuditEntry.objects.get(pk=victim.pk).summary == victim.summary


def test_each_new_head_is_appended_to_the_head_log_once_committed(
    journey, nurse, settings, tmp_path, django_capture_on_commit_callbacks
):
    log = tmp_path / "audit-head.log"
    settings.TRACKER_AUDIT_HEAD = str(log)

    # pytest-django runs each test in a transaction: this runs what would run at each commit.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        # A row rolled back never becomes a head.
        AuditEntry.objects.record(Action.VIEWED, user=nurse, summary="Opened the journey page")
        transaction.set_rollback(True)
    assert not log.exists()

    with django_capture_on_commit_callbacks(execute=True):
        rows = [AuditEntry.objects.record(Action.VIEWED, user=nurse, summary="Opened the page") for _ in range(3)]

    assert audit_head.read(log) == {r.seq: r.hash for r in rows}
    assert log.stat().st_mode & 0o777 == 0o600
    assert log.read_text().count("\n") == 3


# --- rows appended at the end of a change (the HL7 listener: the chain's lock held only to the commit) ---


def _summaries_after(seq: int) -> list[str]:
    return list(AuditEntry.objects.filter(seq__gt=seq).order_by("seq").values_list("summary", flat=True))


def test_rows_recorded_in_an_appended_at_end_block_are_chained_when_it_ends_in_their_order(
    chain, nurse, settings, tmp_path, django_capture_on_commit_callbacks
):
    log = tmp_path / "audit-head.log"
    settings.TRACKER_AUDIT_HEAD = str(log)
    last = chain[-1].seq

    with (
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
        AuditEntry.objects.appended_at_end(),
    ):
        first = AuditEntry.objects.record(Action.REGISTERED, user=nurse, summary="Registered")
        AuditEntry.objects.record(Action.CHANGED, user=nurse, summary="Booked")
        # Nothing is written yet, so nothing holds the chain while the change itself is written.
        assert _summaries_after(last) == []
        assert first.seq is None

    assert _summaries_after(last) == ["Registered", "Booked"]
    assert first.seq == last + 1
    assert AuditEntry.objects.verify().intact
    # One head published, the last row's, once the block committed.
    assert audit_head.read(log) == {last + 2: AuditEntry.objects.get(seq=last + 2).hash}


def test_a_row_recorded_in_a_savepoint_that_rolled_back_is_not_appended(chain, nurse):
    last = chain[-1].seq

    with transaction.atomic(), AuditEntry.objects.appended_at_end():
        AuditEntry.objects.record(Action.CHANGED, user=nurse, summary="Kept")
        try:
            with transaction.atomic():
                AuditEntry.objects.record(Action.CHANGED, user=nurse, summary="Undone")
                raise JourneyError("Refused half-way")
        except JourneyError:
            pass
        with transaction.atomic():
            AuditEntry.objects.record(Action.CHANGED, user=nurse, summary="Also kept")

    assert _summaries_after(last) == ["Kept", "Also kept"]
    assert AuditEntry.objects.verify().intact


def test_an_appended_at_end_block_that_raises_appends_nothing(chain, nurse):
    last = chain[-1].seq

    def refused_change() -> None:
        with transaction.atomic(), AuditEntry.objects.appended_at_end():
            AuditEntry.objects.record(Action.CHANGED, user=nurse, summary="Never")
            raise JourneyError("Refused")

    with pytest.raises(JourneyError):
        refused_change()

    assert _summaries_after(last) == []


def test_verify_audit_reads_the_head_log_and_reports_a_cut_off_tail(chain, settings, tmp_path):
    log = tmp_path / "audit-head.log"
    settings.TRACKER_AUDIT_HEAD = str(log)
    for row in chain:
        audit_head.publish(row.seq, row.hash)
    assert f"It holds all {len(chain)} published heads." in _verify("--head-log", str(log))

    tamper(f"DELETE FROM {TABLE} WHERE seq = %s", [chain[-1].seq])

    with pytest.raises(CommandError, match=f"entries {chain[-1].seq} to {chain[-1].seq} were published"):
        _verify("--head-log", str(log))


def test_a_head_log_entry_that_no_longer_matches_its_row_is_reported(chain, settings, tmp_path):
    log = tmp_path / "audit-head.log"
    log.write_text(f"2026-11-21T08:00:00+0000 tracker audit head {chain[2].seq}:{'f' * 64}\n")

    with pytest.raises(CommandError, match=f"broken at entry {chain[2].seq}: it is not the entry that was published"):
        _verify("--head-log", str(log))


def test_the_head_can_go_to_a_syslog_server_on_another_machine(db, settings):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.settimeout(5)
        settings.TRACKER_AUDIT_HEAD = f"syslog://127.0.0.1:{server.getsockname()[1]}"

        audit_head.publish(42, "a" * 64)

        message = server.recv(4096).decode()
    assert f"42:{'a' * 64}" in message
    assert audit_head.parse(message) == {42: "a" * 64}


def test_a_head_that_cannot_be_published_is_logged_and_the_change_stands(chain, settings, tmp_path, caplog):
    settings.TRACKER_AUDIT_HEAD = str(tmp_path / "no such directory" / "audit-head.log")

    audit_head.publish(chain[-1].seq, chain[-1].hash)

    assert f"Audit head {chain[-1].seq}:{chain[-1].hash} was not published" in caplog.text


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="roles and grants are PostgreSQL's")
def test_with_the_readmes_grants_the_apps_user_may_append_but_never_change_or_lift_the_guard(chain):
    grants = (Path(__file__).resolve().parents[2] / "deploy" / "postgres-grants.sql").read_text()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("CREATE ROLE tracker_app NOLOGIN")  # rolled back with the test's transaction
        cursor.execute(grants)
        cursor.execute("SET ROLE tracker_app")
        try:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            assert cursor.fetchone()[0] == len(chain)
            for statement in (
                f"UPDATE {TABLE} SET summary = 'x'",
                f"DELETE FROM {TABLE}",
                f"TRUNCATE {TABLE}",
                f"ALTER TABLE {TABLE} DISABLE TRIGGER USER",
                "SET session_replication_role = replica",
            ):
                with pytest.raises(DatabaseError, match=r"permission denied|must be owner"), transaction.atomic():
                    cursor.execute(statement)
        finally:
            cursor.execute("RESET ROLE")
    # And the app itself, as that user, still appends.
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE tracker_app")
        try:
            AuditEntry.objects.record(Action.VIEWED, user=None, summary="Opened the journey page")
        finally:
            cursor.execute("RESET ROLE")
    assert AuditEntry.objects.count() == len(chain) + 1
