"""Validation of the contact details a journey carries (the driver's phone)."""

import re

from django.core.exceptions import ValidationError

_PHONE_CHARS = re.compile(r"^\+?[\d\s().-]+$")


def clean_phone(value: str) -> str:
    """Return the phone number tidied of surrounding space; refuse one no one could dial."""
    value = (value or "").strip()
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if not _PHONE_CHARS.match(value) or not 7 <= len(digits) <= 15:
        raise ValidationError(
            "Enter a phone number that can be dialled: 7 to 15 digits, spaces, brackets or a leading +.",
            code="phone",
        )
    return re.sub(r"\s+", " ", value)
