"""Rules for the details a person types: the driver's phone, the MRN, the date of birth, written text.

They raise Django's ValidationError (no HTTP here), so a form can show the same message beside its field
that a domain verb gives when it refuses.
"""

import re
from datetime import date

from django.core.exceptions import ValidationError

_PHONE_CHARS = re.compile(r"^\+?[\d\s().-]+$")
# Nobody alive is older than this: a date of birth further back is a typing slip.
OLDEST_AGE_YEARS = 120


def tidy(text: str | None) -> str:
    """One line, single spaces: what was typed, as it will be stored and shown."""
    return " ".join((text or "").split())


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


def clean_mrn(value: str) -> str:
    """The medical record number as stored: upper case, letters and digits only."""
    mrn = (value or "").strip().upper()
    if not mrn:
        raise ValidationError("Enter the patient's MRN.", code="required")
    if not mrn.isalnum():
        raise ValidationError("An MRN has letters and digits only.", code="mrn")
    return mrn


def check_date_of_birth(born: date, today: date) -> date:
    if born > today:
        raise ValidationError("The date of birth cannot be in the future.", code="future")
    if today.year - born.year > OLDEST_AGE_YEARS:
        raise ValidationError(
            f"Check the year of birth: that would make the patient over {OLDEST_AGE_YEARS}.", code="too_old"
        )
    return born
