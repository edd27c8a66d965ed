"""Clinical records are never deleted: a mistake is marked entered in error, with its reason, and kept."""

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models

from journey.errors import JourneyError

NEVER_DELETED = "Clinical records are never deleted: mark a mistake as entered in error, with the reason."


class NeverDeletedQuerySet(models.QuerySet):
    def delete(self) -> Any:
        raise JourneyError(NEVER_DELETED)


class ClinicalRecord(models.Model):
    """Refuses deletion one by one and in bulk; foreign keys between records PROTECT, so no cascade
    from a deleted parent can remove one either."""

    objects = NeverDeletedQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise JourneyError(NEVER_DELETED)


Method = TypeVar("Method", bound=Callable[..., Any])


def alters_data(method: Method) -> Method:
    """Mark a domain verb: a template can never call it by accident (Django's ``alters_data``)."""
    method.alters_data = True  # type: ignore[attr-defined]
    return method
