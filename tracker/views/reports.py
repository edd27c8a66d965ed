"""The unit's reports page (coordinators, clinical leads, the unit's admin) and its CSV downloads.

Every figure comes from ``journey.reports``; this module only reads the form and lays the figures out.
"""

import io
from datetime import date, timedelta
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from journey import reports
from journey.models import Pathway
from tracker.access import requires

REPORTS = "journey.view_reports"
# A year and a bit: enough for any review, small enough that no request asks for a decade.
LONGEST_PERIOD_DAYS = 400
DEFAULT_DAYS = 28


class PeriodForm(forms.Form):
    # A date input reads and writes ISO dates whatever the locale.
    first = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
    )
    last = forms.DateField(
        label="To (included)",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    pathway = forms.ModelChoiceField(
        queryset=Pathway.objects.order_by("name"),
        required=False,
        empty_label="Every pathway",
        label="Pathway",
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last:
            if last < first:
                self.add_error("last", "The last day must be on or after the first.")
            elif (last - first).days >= LONGEST_PERIOD_DAYS:
                self.add_error("last", f"Choose at most {LONGEST_PERIOD_DAYS} days.")
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, reports.Period | None]:
    today = timezone.localdate()
    given = {key: request.GET[key] for key in ("first", "last", "pathway") if key in request.GET}
    form = PeriodForm({"first": today - timedelta(days=DEFAULT_DAYS - 1), "last": today, **given})
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, reports.Period(data["first"], data["last"], data["pathway"])


def _chart_data(result: reports.Report) -> dict[str, Any]:
    """What the charts draw (read by static/tracker/reports.js from a json_script block)."""
    weeks = sorted({w.week for w in result.weeks})
    by_stage: dict[int, dict[date, reports.Durations]] = {}
    for w in result.weeks:
        by_stage.setdefault(w.stage_id, {})[w.week] = w.durations
    stages = []
    for figures in result.stages:
        series = by_stage.get(figures.stage.pk, {})
        stages.append(
            {
                "title": f"{figures.stage.pathway.name}: {figures.stage.name}",
                "median": [_round(series[w].median) if w in series else None for w in weeks],
                "p90": [_round(series[w].p90) if w in series else None for w in weeks],
                "target": [_round(series[w].target) if w in series else None for w in weeks],
            }
        )
    return {
        "weeks": [f"w/c {w:%d %b}" for w in weeks],
        "stages": [s for s in stages if any(v is not None for v in s["median"])],
        "reasons": {
            "labels": [f"{r.label} ({r.category_label})" for r in result.reasons[:12]],
            "counts": [r.count for r in result.reasons[:12]],
        },
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@requires(REPORTS)
def reports_page(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    if period is None:
        return render(request, "tracker/reports.html", {"form": form}, status=422)
    result = reports.report(period)
    context = {
        "form": form,
        "report": result,
        "charts": _chart_data(result),
        "query": request.GET.urlencode(),
        "delayed_after": reports.DELAYED_DISCHARGE_MINUTES,
        "in_database": reports.in_database(),
    }
    return render(request, "tracker/reports.html", context)


@requires(REPORTS)
def reports_csv(request: HttpRequest) -> HttpResponse:
    """One table of the report as CSV (?table=stages, weeks, stage-reasons, reasons, discharge-gap,
    discharge-gap-reasons or indicators, with the page's period)."""
    form, period = _period(request)
    if period is None:
        return HttpResponse(" ".join(str(m) for ms in form.errors.values() for m in ms), status=422)
    name = request.GET.get("table", "stages")
    tables = reports.tables(reports.report(period))
    if name not in tables:
        return HttpResponse(f"Choose one of: {', '.join(tables)}.", status=404)
    header, rows = tables[name]
    out = io.StringIO()
    reports.write_csv(out, header, rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"{name}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
