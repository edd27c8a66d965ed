"""The audit trail: who viewed or changed which patient's record, when, and from which address.

Rows form a keyed hash chain: each row's hash is an HMAC-SHA256, under a key kept outside the database
(``TRACKER_AUDIT_KEY``), of the previous row's hash and its own content. A row altered, removed or
inserted later breaks the chain at that point, and someone who can write the database but does not hold
the key cannot recompute it (``manage.py verify_audit``). Each row names its key's id, so a rotated key
still verifies the rows written before the rotation (``TRACKER_AUDIT_OLD_KEYS``).

Rows written before the key existed carry no key id and a plain SHA-256 hash: they still verify as such,
but only at the start of the chain. The first keyed row covers the last plain row's hash, so from then on
they are anchored too; a plain row after a keyed one can only be a forgery.

The newest head (seq:hash) is published outside the database as each row commits (journey/audit_head.py),
so a tail cut off later is seen by ``verify_audit --head-log``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from journey import audit_head
from journey.errors import JourneyError

GENESIS = "0" * 64
# Any constant: the key of the PostgreSQL advisory lock that lets one writer extend the chain at a time.
CHAIN_LOCK = 0x4A4F55524E4559  # "JOURNEY"

_address: ContextVar[str | None] = ContextVar("audit_address", default=None)


class _Pending:
    """Rows recorded inside ``AuditManager.appended_at_end()``, not yet appended.

    Each batch registers a marker with ``transaction.on_commit``: Django discards the callbacks registered
    inside a savepoint that rolls back, so a batch whose marker is gone recorded a change that was undone."""

    def __init__(self) -> None:
        self.batches: list[tuple[Callable[[], None], list[AuditEntry]]] = []

    def add(self, entries: list[AuditEntry]) -> None:
        def marker() -> None:
            pass  # runs after the commit, with nothing left to do

        transaction.on_commit(marker)
        self.batches.append((marker, entries))

    def standing(self) -> list[AuditEntry]:
        if connection.needs_rollback:
            return []
        registered = {id(callback[1]) for callback in connection.run_on_commit}  # (savepoints, callback, robust)
        return [entry for marker, entries in self.batches if id(marker) in registered for entry in entries]


_pending: ContextVar[_Pending | None] = ContextVar("audit_pending", default=None)


def key_id(key: str) -> str:
    """A short name for a key that tells nothing about it: which key a row was written under."""
    return hashlib.sha256(b"tracker-audit-key-id\0" + key.encode()).hexdigest()[:12]


def current_key() -> tuple[str, bytes]:
    """(id, key) that new rows are written under; refused when none is configured."""
    key = settings.TRACKER_AUDIT_KEY
    if not key:
        raise ImproperlyConfigured(settings.MISSING_AUDIT_KEY)
    return key_id(key), key.encode()


def key_ring() -> dict[str, bytes]:
    """Every key a row may have been written under: the current one and those rotated out."""
    keys = [k for k in [settings.TRACKER_AUDIT_KEY, *settings.TRACKER_AUDIT_OLD_KEYS] if k]
    return {key_id(k): k.encode() for k in keys}


@contextmanager
def from_address(address: str | None) -> Iterator[None]:
    """Audit rows written inside this block record ``address`` (the web layer sets it per request)."""
    token = _address.set(address)
    try:
        yield
    finally:
        _address.reset(token)


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def delete(self) -> Any:
        raise JourneyError("The audit trail cannot be deleted.")

    def update(self, **kwargs: Any) -> Any:
        raise JourneyError("The audit trail cannot be changed.")


class AuditManager(models.Manager["AuditEntry"]):
    def get_queryset(self) -> AuditQuerySet:
        return AuditQuerySet(self.model, using=self._db)

    def record(
        self,
        action: str,
        *,
        user: Any,
        summary: str,
        journey_id: int | None = None,
        patient_id: int | None = None,
        data: dict | None = None,
        at: datetime | None = None,
        username: str = "",
    ) -> AuditEntry:
        """Append one row to the chain. Inside a verb's transaction, the row commits (or not) with it.

        ``username`` names who acted when no person did: the interface token a system read through."""
        subject = Subject(summary=summary, journey_id=journey_id, patient_id=patient_id, data=data)
        return self.record_many(action, user=user, subjects=[subject], at=at, username=username)[0]

    def record_many(
        self, action: str, *, user: Any, subjects: list[Subject], at: datetime | None = None, username: str = ""
    ) -> list[AuditEntry]:
        """Append one row per subject (e.g. each patient on an admin list), in one insert.

        Inside ``appended_at_end()``, the rows are built now and appended when that block ends."""
        if not subjects:
            return []
        current_key()  # refused before anything is written when no key is configured
        authenticated = user is not None and user.is_authenticated
        at = at or timezone.now()
        entries = [
            self.model(
                at=at,
                user=user if authenticated else None,
                username=user.get_username() if authenticated else username,
                address=_address.get(),
                action=action,
                journey_id=subject.journey_id,
                patient_id=subject.patient_id,
                summary=subject.summary,
                # Stored exactly as it will read back, so the hash can be recomputed from the row.
                data=json.loads(json.dumps(subject.data or {}, cls=DjangoJSONEncoder)),
            )
            for subject in subjects
        ]
        pending = _pending.get()
        if pending is not None and connection.in_atomic_block:
            pending.add(entries)
        else:
            # No savepoint of its own: a row that cannot be appended fails the change it records.
            with transaction.atomic(savepoint=False):
                self._append(entries)
        return entries

    @contextmanager
    def appended_at_end(self) -> Iterator[None]:
        """Rows recorded inside this block (in a transaction) are appended to the chain when it ends, in
        one insert, still inside the transaction: the chain's lock is then held from that insert to the
        commit only, not while the change itself is written. Rows recorded inside a savepoint that rolled
        back are dropped with it; if the block raises, none is appended."""
        if _pending.get() is not None:
            yield  # an enclosing block appends them
            return
        pending = _Pending()
        token = _pending.set(pending)
        try:
            yield
        finally:
            _pending.reset(token)
        self._append(pending.standing())

    def _append(self, entries: list[AuditEntry]) -> None:
        """Chain ``entries`` after the newest row and insert them (inside the caller's transaction)."""
        if not entries:
            return
        if connection.vendor == "postgresql":
            # Held to the end of the transaction: appends queue here instead of forking the chain.
            # SQLite needs nothing: its IMMEDIATE transactions already admit one writer at a time.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        kid, key = current_key()
        last = self.order_by("-seq").values_list("seq", "hash").first()
        seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
        for entry in entries:
            entry.seq, entry.previous_hash, entry.key_id = seq, previous, kid
            entry.hash = entry.compute_hash(key)
            seq, previous = seq + 1, entry.hash
        if len(entries) == 1:
            entries[0].save(force_insert=True)
        else:
            self.bulk_create(entries)
        head = entries[-1]
        # Published once the rows are committed (a row rolled back was never the head). A failure to
        # publish is logged, never undoes the ward's change.
        transaction.on_commit(lambda: audit_head.publish(head.seq, head.hash), robust=True)

    def verify(self, published: dict[int, str] | None = None) -> ChainCheck:
        """Walk the chain from the start; the first row whose link, key or content does not add up.

        ``published`` maps sequence numbers to the hashes published outside the database when they were
        written (a head log, or one head written down): each must still be there, unchanged.
        """
        published = published or {}
        ring = key_ring()
        expected_seq, previous, count, plain = 1, GENESIS, 0, 0

        def broken(seq: int, reason: str) -> ChainCheck:
            return ChainCheck(count, expected_seq - 1, previous, seq, reason, plain)

        for entry in self.order_by("seq").iterator(chunk_size=2000):
            if entry.seq != expected_seq:
                return broken(entry.seq, f"entry {expected_seq} is missing")
            if entry.previous_hash != previous:
                return broken(entry.seq, "it does not follow the entry before it")
            if not entry.key_id:
                if count > plain:
                    return broken(entry.seq, "it has no key, after keyed entries: it was written without the key")
                if entry.compute_hash(None) != entry.hash:
                    return broken(entry.seq, "its content was changed after it was written")
                plain += 1
            else:
                key = ring.get(entry.key_id)
                if key is None:
                    return broken(
                        entry.seq,
                        f"it was written under key {entry.key_id}, which is neither TRACKER_AUDIT_KEY nor one of "
                        "TRACKER_AUDIT_OLD_KEYS (give the key, or it was forged)",
                    )
                if not hmac.compare_digest(entry.compute_hash(key), entry.hash):
                    return broken(entry.seq, "its content or hash was changed after it was written")
            if published.get(entry.seq, entry.hash) != entry.hash:
                return broken(entry.seq, "it is not the entry that was published when it was written")
            expected_seq, previous, count = expected_seq + 1, entry.hash, count + 1
        if published and max(published) >= expected_seq:
            last = max(published)
            return broken(
                expected_seq,
                f"entries {expected_seq} to {last} were published when written but are gone: the tail was cut off",
            )
        return ChainCheck(count, expected_seq - 1, previous, None, "", plain)


@dataclass(frozen=True)
class Subject:
    """What one audit row is about: the summary, and the journey and patient it concerns."""

    summary: str
    journey_id: int | None = None
    patient_id: int | None = None
    data: dict | None = None


@dataclass(frozen=True)
class ChainCheck:
    entries: int
    last_seq: int  # the last good row's number and hash: the head to keep elsewhere
    head: str
    broken_at: int | None
    reason: str
    plain: int = 0  # rows from before the key (plain SHA-256), all at the start of the chain

    @property
    def intact(self) -> bool:
        return self.broken_at is None


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        VIEWED = "viewed", "Viewed a record"
        CHANGED = "changed", "Changed a record"
        REGISTERED = "registered", "Registered a patient"
        SIGNED_IN = "signed_in", "Signed in"
        SIGNED_OUT = "signed_out", "Signed out"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in refused"
        ADMIN = "admin", "Admin change"

    seq = models.PositiveBigIntegerField("entry", unique=True)
    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    username = models.CharField(max_length=150, blank=True, help_text="As typed, for refused sign-ins.")
    address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    # Plain ids, not foreign keys: nothing done to a journey can ever reach its audit rows.
    journey_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    patient_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    summary = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    # Unique: two rows can never follow the same one, so the chain cannot fork even under a race.
    previous_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)
    # Which key the hash is an HMAC under (see key_id); empty on rows from before the key (plain SHA-256).
    key_id = models.CharField(max_length=12, blank=True, default="")

    objects = AuditManager()

    class Meta:
        ordering = ["seq"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M} {self.username or '-'}: {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise JourneyError("The audit trail cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise JourneyError("The audit trail cannot be deleted.")

    def compute_hash(self, key: bytes | None) -> str:
        """HMAC-SHA256 under ``key`` of the row's content; plain SHA-256 for a row from before the key."""
        content: list[Any] = [
            self.seq,
            self.at.astimezone(UTC).isoformat(),
            self.user_id,
            self.username,
            self.address,
            self.action,
            self.journey_id,
            self.patient_id,
            self.summary,
            self.data,
            self.previous_hash,
        ]
        if key is None:
            canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            return hashlib.sha256(canonical.encode()).hexdigest()
        content.append(self.key_id)
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()
