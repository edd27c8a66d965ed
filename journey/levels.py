"""Vertebral level names (C1-C7, T1-T12, L1-L5, S1) and the parsing every level field shares."""

import re

from django.core.exceptions import ValidationError

SPINE = [f"C{n}" for n in range(1, 8)] + [f"T{n}" for n in range(1, 13)] + [f"L{n}" for n in range(1, 6)] + ["S1"]
_POSITION = {name: i for i, name in enumerate(SPINE)}
_SEPARATORS = re.compile(r"[\s,;/+&]+")

LEVELS_HELP = "Vertebral levels such as T12, L1 (C1-C7, T1-T12, L1-L5, S1)."


def parse_levels(text: str | list[str] | tuple[str, ...]) -> list[str]:
    """Return the levels named in ``text`` in spinal order, each once.

    Accepts "t12, L1", "T12 L1" or a list. Refuses an unknown name with a message for the nurse.
    """
    parts = text if isinstance(text, (list, tuple)) else _SEPARATORS.split(str(text))
    names = [str(p).strip().upper() for p in parts if str(p).strip()]
    unknown = [n for n in names if n not in _POSITION]
    if unknown:
        shown = ", ".join(f"“{n}”" for n in unknown)
        raise ValidationError(
            f"{shown} is not a vertebral level. Use names like T12 or L1 (C1-C7, T1-T12, L1-L5, S1).",
            code="unknown_level",
        )
    if not names:
        raise ValidationError("Enter at least one vertebral level, such as L1.", code="no_level")
    return sorted(set(names), key=_POSITION.__getitem__)


def format_levels(levels: list[str]) -> str:
    return ", ".join(levels)
