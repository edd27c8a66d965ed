"""What one board row shows, as plain values: the board re-renders for every display every 10 s, and
a template resolving dozens of lookups and filters per row was most of its cost. The timer is the
domain's StageTimer, rendered by the one timer partial every screen shares."""

from dataclasses import dataclass
from datetime import datetime, tzinfo

from django.urls import reverse
from django.utils import timezone

from journey.board import BoardRow
from journey.levels import format_levels
from journey.models import StageTimer
from journey.time_home import TimeHome
from journey.wording import LEVELS_TO_CONFIRM, duration, person


@dataclass(frozen=True)
class RowDisplay:
    css: str
    bay: str
    url: str
    who: str
    procedure: str
    levels: str
    stage: str
    timer: StageTimer | None
    alerts: list[tuple[str, str]]
    home_by: str  # the likely time home
    home_range: str  # earliest and the late (9 in 10) time, or that it comes from the targets
    news2: str = ""  # "NEWS2 5 · Medium": the word always beside the colour
    news2_css: str = ""
    news2_at: str = ""
    nurse: str = ""
    late: str = ""  # the last round's lateness, "Round 4 late by 20 min"


def displays(rows: list[BoardRow]) -> list[RowDisplay]:
    journey_url = reverse("journey", args=[0]).removesuffix("0/")
    # Read once: finding the current time zone costs more than converting a moment to it (5 us a call).
    zone = timezone.get_current_timezone()
    return [_display(row, journey_url, zone) for row in rows]


def _display(row: BoardRow, journey_url: str, zone: tzinfo) -> RowDisplay:
    journey = row.journey
    return RowDisplay(
        css=f"board-row rank-{row.rank}" + (" table-danger" if journey.open_red_flags else ""),
        bay=journey.bay or "—",
        url=f"{journey_url}{journey.pk}/",
        who=f"{journey.patient.initials} · {journey.patient.mrn[-4:]}",
        procedure=journey.pathway.name,
        levels=format_levels(journey.planned_levels) if journey.planned_levels else LEVELS_TO_CONFIRM.capitalize(),
        stage=row.stage_name,
        timer=row.timer,
        alerts=[(alert.kind, alert.text) for alert in row.alerts],
        home_by=_clock(row.time_home.likely, zone) if row.time_home else "—",
        home_range=_home_range(row.time_home, zone),
        news2=f"NEWS2 {row.news2.news2_total} · {row.news2.get_news2_risk_display()}" if row.news2 else "",
        news2_css=f"news2-{row.news2.news2_risk}" if row.news2 else "",
        news2_at=_clock(row.news2.recorded_at, zone) if row.news2 else "",
        nurse=person(row.nurse) if row.nurse else "",
        late=(
            f"Round {row.news2.number} late by {duration(row.news2.late_by)}" if row.news2 and row.news2.late_by else ""
        ),
    )


def _clock(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _home_range(home: TimeHome | None, zone: tzinfo) -> str:
    if home is None:
        return ""
    if not home.from_history:
        return f"earliest {_clock(home.earliest, zone)} · from targets"
    return f"earliest {_clock(home.earliest, zone)} · 9 in 10 by {_clock(home.late, zone)}"
