"""The Jinja2 environment for the few partials every board row renders (templates/jinja2/).

A board row is rendered a thousand times on a cold board of 1000 journeys: Django's template engine
spent about 0.2 ms on each (most of a cold render), Jinja2 compiles the same markup to Python and
spends a fraction of it. The pages stay Django templates; the stage timer, which every screen shows,
is this one partial everywhere (the Django templates include it with ``{% show_timer %}``).
Autoescaping is on, as in Django's templates; the filters give the same text as the Django ones.
"""

from datetime import datetime
from typing import Any

from django.utils import timezone
from jinja2 import Environment

from tracker.templatetags.ward import minutes, minutes_left


def iso(moment: datetime | None) -> str:
    """As Django's ``|date:'c'``: the moment in the unit's time zone, ISO 8601."""
    return timezone.localtime(moment).isoformat() if moment else ""


def clock(moment: datetime | None) -> str:
    """As Django's ``|time:"H:i"``."""
    return timezone.localtime(moment).strftime("%H:%M") if moment else ""


def environment(**options: Any) -> Environment:
    # Django's templates keep a file's last newline; so does this, for the same HTML from either.
    env = Environment(keep_trailing_newline=True, **options)
    env.filters.update(
        iso=iso,
        clock=clock,
        minutes=minutes,
        minutes_left=minutes_left,
    )
    return env
