from datetime import datetime, timedelta

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

from journey.levels import format_levels
from journey.models import Alert, Answer, ItemDefinition, Journey, StageTimer
from journey.wording import LEVELS_TO_CONFIRM, duration
from tracker.middleware import idle_seconds_left

register = template.Library()


@register.simple_tag
def stage_timer(journey: Journey, now: datetime) -> StageTimer | None:
    visit = journey.current_visit
    return visit.timer(now) if visit else None


@register.simple_tag
def show_timer(timer: StageTimer) -> SafeString:
    """The one stage timer partial (a Jinja2 template, as the board row that includes it a thousand times)."""
    return mark_safe(engines["jinja2"].get_template("tracker/_timer.html").render({"timer": timer}))


@register.filter
def minutes(delta: timedelta | None) -> str:
    return duration(delta) if delta is not None else ""


@register.filter
def levels(value: list[str]) -> str:
    return format_levels(value) if value else LEVELS_TO_CONFIRM.capitalize()


@register.filter
def minutes_left(delta: timedelta | None) -> str:
    """Time left on a countdown, rounded up: never '0 min' while time remains."""
    return duration(delta, round_up=True) if delta is not None else ""


@register.simple_tag
def journey_alerts(journey: Journey, now: datetime) -> list[Alert]:
    return journey.alerts(now)


@register.filter
def unmet(conditions: list) -> list:
    return [c for c in conditions if not c.met]


@register.filter
def answer_shown(item: ItemDefinition, answer: Answer) -> str:
    return item.display(answer.value)


@register.filter
def get(mapping: dict, key: str) -> object:
    return mapping.get(key, 0)


@register.simple_tag(takes_context=True)
def idle_seconds(context: template.Context) -> int | None:
    """Seconds until idle sign-out, for the warning's countdown (None: no idle sign-out for this person)."""
    request = context.get("request")
    return idle_seconds_left(request) if request is not None else None
