"""Access for the hospital's systems: a token per calling system, for the read-only FHIR interface.

A token stands for a system (the integration engine), not for a person: it cannot sign in to the ward's
screens, and the ward's sign-in cannot stand in for it. Only a hash of the token is kept; the token itself
is shown once, when the unit's administrator creates it, and a revoked token never opens anything again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from journey.errors import JourneyError

# Shown in the admin beside each token, so a token in a config file can be matched to its row.
PREFIX_LENGTH = 8


def token_hash(plain: str) -> str:
    """SHA-256 of the token. 256 random bits cannot be guessed, so a fast hash loses nothing against
    brute force (unlike a password, which needs a slow one), and it lets a token be looked up by its hash."""
    return hashlib.sha256(plain.encode()).hexdigest()


class InterfaceTokenManager(models.Manager["InterfaceToken"]):
    def issue(self, *, name: str, by: Any, now: datetime | None = None) -> tuple[InterfaceToken, str]:
        """A new token for the system ``name``: the row, and the plain token to hand over once."""
        name = " ".join((name or "").split())
        if not name:
            raise JourneyError("Name the system that will use this token, e.g. the trust's integration engine.")
        token = self.model(name=name, created_at=now or timezone.now(), created_by=by)
        plain = token.new_key()
        token.save(force_insert=True)
        return token, plain

    def authenticate(self, plain: str | None) -> InterfaceToken | None:
        """The live token this plain text is, or None (unknown, empty or revoked)."""
        if not plain:
            return None
        return self.filter(key_hash=token_hash(plain), revoked_at__isnull=True).first()


class InterfaceToken(models.Model):
    name = models.CharField(
        max_length=100, unique=True, help_text="The system that calls with this token, e.g. Trust integration engine."
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField("token starts with", max_length=PREFIX_LENGTH, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, editable=False, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )

    objects = InterfaceTokenManager()

    class Meta:
        ordering = ["name"]
        verbose_name = "interface token"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…{', revoked' if self.revoked_at else ''})"

    def new_key(self) -> str:
        """Give this (unsaved) token its secret: returns the plain token, keeps only its hash."""
        if self.pk is not None:
            raise JourneyError("A token's secret is set once, when it is created: revoke it and create another.")
        plain = secrets.token_urlsafe(32)
        self.key_hash, self.key_prefix = token_hash(plain), plain[:PREFIX_LENGTH]
        return plain

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None

    def revoke(self, *, by: Any, now: datetime | None = None) -> bool:
        """Stop the token working from now on; False when it was already revoked (nothing changes)."""
        updated = InterfaceToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
            revoked_at=now or timezone.now(), revoked_by=by
        )
        self.refresh_from_db(fields=["revoked_at", "revoked_by"])
        return bool(updated)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        # The audit trail names the token each read came through: the row stays, revoked.
        raise JourneyError("Interface tokens are revoked, never deleted: the audit trail refers to them.")
