"""How the reports page writes its figures (the same rounding as the CSV)."""

from django import template

from journey.reports import one_decimal as _one_decimal

register = template.Library()


@register.filter
def one_decimal(value: float | None) -> str:
    return _one_decimal(value)
