"""How the ward's screens and messages word people, clock times, durations and levels.

Display only: no rule lives here. The domain's messages and the web layer's pages both use these, so a
duration reads the same in a refusal, on the journey page and on the board.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from journey.levels import format_levels


def person(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user else "someone"


def clock(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def duration(delta: timedelta, *, round_up: bool = False) -> str:
    """'1 h 12 min'. Time left rounds up, so a countdown never says 0 min while time remains."""
    seconds = max(delta.total_seconds(), 0)
    minutes = int(-(-seconds // 60) if round_up else seconds // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


# A booking from the hospital's schedule may come without levels: a nurse records them before consent closes.
LEVELS_TO_CONFIRM = "levels to confirm"


def levels_text(levels: list[str]) -> str:
    if not levels:
        return LEVELS_TO_CONFIRM
    return f"level{'s' if len(levels) > 1 else ''} {format_levels(levels)}"
