"""Clinical records are never deleted: a mistake is marked entered in error, with its reason, and kept."""

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models

from journey.errors import JourneyError

NEVER_DELETED = "Clinical records are never deleted: mark a mistake as entered in error, with the reason."


Record = TypeVar("Record", bound=models.Model)


class NeverDeletedQuerySet(models.QuerySet[Record]):
    def delete(self) -> Any:
        raise JourneyError(NEVER_DELETED)


class NeverDeletedManager(models.Manager[Record]):
    def get_queryset(self) -> NeverDeletedQuerySet[Record]:
        return NeverDeletedQuerySet(self.model, using=self._db)


class ClinicalRecord(models.Model):
    """Refuses deletion one by one, and in bulk through its manager (each record declares
    ``objects`` from a NeverDeletedQuerySet: tests/journey/test_audit.py checks every one); foreign keys
    between records PROTECT, so no cascade from a deleted parent can remove one either."""

    class Meta:
        abstract = True

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise JourneyError(NEVER_DELETED)


Method = TypeVar("Method", bound=Callable[..., Any])


def alters_data(method: Method) -> Method:
    """Mark a domain verb: a template can never call it by accident (Django's ``alters_data``)."""
    method.alters_data = True  # type: ignore[attr-defined]
    return method
