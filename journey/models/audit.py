"""The audit trail: who viewed or changed which patient's record, when, and from which address.

Rows form a hash chain: each row's hash covers the previous row's hash and its own content, so a row
altered, removed or inserted later breaks the chain at that point (``manage.py verify_audit``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from journey.errors import JourneyError

GENESIS = "0" * 64
# Any constant: the key of the PostgreSQL advisory lock that lets one writer extend the chain at a time.
CHAIN_LOCK = 0x4A4F55524E4559  # "JOURNEY"

_address: ContextVar[str | None] = ContextVar("audit_address", default=None)


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
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Held to the end of the transaction: appends queue here instead of forking the chain.
                # SQLite needs nothing: its IMMEDIATE transactions already admit one writer at a time.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
            last = self.order_by("-seq").values_list("seq", "hash").first()
            seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
            authenticated = user is not None and user.is_authenticated
            entry = self.model(
                seq=seq,
                at=at or timezone.now(),
                user=user if authenticated else None,
                username=user.get_username() if authenticated else username,
                address=_address.get(),
                action=action,
                journey_id=journey_id,
                patient_id=patient_id,
                summary=summary,
                # Stored exactly as it will read back, so the hash can be recomputed from the row.
                data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
                previous_hash=previous,
            )
            entry.hash = entry.compute_hash()
            entry.save(force_insert=True)
        return entry

    def verify(self) -> ChainCheck:
        """Walk the chain from the start; the first row whose link or content does not add up."""
        expected_seq, previous, count = 1, GENESIS, 0
        for entry in self.order_by("seq").iterator(chunk_size=2000):
            if entry.seq != expected_seq:
                return ChainCheck(count, previous, entry.seq, f"entry {expected_seq} is missing")
            if entry.previous_hash != previous:
                return ChainCheck(count, previous, entry.seq, "it does not follow the entry before it")
            if entry.compute_hash() != entry.hash:
                return ChainCheck(count, previous, entry.seq, "its content was changed after it was written")
            expected_seq, previous, count = expected_seq + 1, entry.hash, count + 1
        return ChainCheck(count, previous, None, "")


@dataclass(frozen=True)
class ChainCheck:
    entries: int
    head: str  # the hash of the last good row: written down elsewhere, it also reveals a cut-off tail
    broken_at: int | None
    reason: str

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

    def compute_hash(self) -> str:
        content = [
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
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()
