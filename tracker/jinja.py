"""The Jinja2 environment for the few partials every board row renders (templates/jinja2/).

A board row is rendered a thousand times on a cold board of 1000 journeys: Django's template engine
spent about 0.2 ms on each (most of a cold render), Jinja2 compiles the same markup to Python and
spends a fraction of it. The pages stay Django templates; the stage timer, which every screen shows,
is this one partial everywhere (the Django templates include it with ``{% show_timer %}``).
Autoescaping is on, as in Django's templates; the filters give the same text as the Django ones.
"""

from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from tracker.templatetags.ward import minutes, minutes_left


@pass_context
def iso(context: Context, moment: datetime | None) -> str:
    """As Django's ``|date:'c'``: the moment in the current time zone, ISO 8601."""
    return moment.astimezone(_zone(context)).isoformat() if moment else ""


@pass_context
def clock(context: Context, moment: datetime | None) -> str:
    """As Django's ``|time:"H:i"``."""
    return moment.astimezone(_zone(context)).strftime("%H:%M") if moment else ""


def _zone(context: Context) -> tzinfo:
    # A render given ``zone`` (the board's thousand rows) is spared looking the current one up (5 us a call).
    return context.get("zone") or timezone.get_current_timezone()


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
