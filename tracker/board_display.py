"""What one board row shows, as plain strings: the board re-renders for every display every 10 s, and
a template resolving dozens of lookups and filters per row was most of its cost."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from journey.board import BoardRow
from journey.levels import format_levels
from journey.models.journeys import NEAR_TARGET, duration

TIMER_LABELS = {"on-track": "", "near": "Near target", "over": "Over target", "ready": "Ready to move on"}


@dataclass(frozen=True)
class RowDisplay:
    css: str
    bay: str
    url: str
    who: str
    procedure: str
    levels: str
    stage: str
    timer: dict | None
    alerts: list[tuple[str, str]]
    home_by: str


def displays(rows: list[BoardRow]) -> list[RowDisplay]:
    journey_url = reverse("journey", args=[0]).removesuffix("0/")
    return [_display(row, journey_url) for row in rows]


def _display(row: BoardRow, journey_url: str) -> RowDisplay:
    journey, timer = row.journey, row.timer
    clock = None
    if timer is not None:
        clock = {
            "start": timer.started_at.isoformat(),
            "target_ms": int(timer.target.total_seconds() * 1000),
            "near": NEAR_TARGET,
            "state": timer.state,
            "label": TIMER_LABELS[timer.state],
            "elapsed": duration(timer.elapsed),
            "target": duration(timer.target),
            "minimum_ends": timer.minimum_ends_at.isoformat() if timer.minimum_ends_at else "",
            "flat_until": timezone.localtime(timer.minimum_ends_at).strftime("%H:%M")
            if timer.minimum_ends_at and timer.state != "ready"
            else "",
            "left": duration(timer.minimum_left, round_up=True) if timer.minimum_left else "",
        }
    alerts = [
        (alert.kind, "Ready for discharge" if alert.kind == "ready" and row.stage_code == "recovery" else alert.text)
        for alert in row.alerts
    ]
    return RowDisplay(
        css=f"board-row rank-{row.rank}" + (" table-danger" if journey.open_red_flags else ""),
        bay=journey.bay or "—",
        url=f"{journey_url}{journey.pk}/",
        who=f"{journey.patient.initials} · {journey.patient.mrn[-4:]}",
        procedure=journey.pathway.name,
        levels=format_levels(journey.planned_levels),
        stage=row.stage_name,
        timer=clock,
        alerts=alerts,
        home_by=timezone.localtime(row.expected_home).strftime("%H:%M") if row.expected_home else "—",
    )
