"""The SBAR handover's first draft, written from what the journey already knows.

The handing nurse edits it before writing it (``Journey.write_handover``); nothing here changes anything.
Situation: who, procedure, levels, stage, time in stage. Background: allergies, anticoagulants, cement
volumes, any leakage (and whatever else was flagged). Assessment: last vitals and NEWS2, legs, pain, red
flags. Recommendation: what is due, what to watch, the driver.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from journey.models.pathways import ItemDefinition
from journey.models.visits import Answer
from journey.wording import clock, duration, levels_text

if TYPE_CHECKING:
    from journey.models import Journey

# Checklist items whose answers belong in a handover's background, by code, in this order.
BACKGROUND_ITEMS = ("allergies", "blood_thinners", "balloon", "cement_volume", "cement_leakage")


class SbarTexts(TypedDict):
    situation: str
    background: str
    assessment: str
    recommendation: str


@dataclass(frozen=True)
class Sbar:
    situation: str
    background: str
    assessment: str
    recommendation: str

    def texts(self) -> SbarTexts:
        """The four parts, named as ``Journey.write_handover`` takes them."""
        return {
            "situation": self.situation,
            "background": self.background,
            "assessment": self.assessment,
            "recommendation": self.recommendation,
        }


def draft_sbar(journey: Journey, now: datetime) -> Sbar:
    patient, visit = journey.patient, journey.current_visit
    situation = (
        f"{patient.full_name}, {patient.age_on(journey.day)}, bay {journey.bay or '-'}. "
        f"{journey.pathway.name}, {levels_text(journey.planned_levels)}."
    )
    if visit is not None:
        situation += f" {visit.stage_name} since {clock(visit.started_at)} ({duration(now - visit.started_at)})."
    return Sbar(situation, _background(journey), _assessment(journey), _recommendation(journey, now))


def _background(journey: Journey) -> str:
    if hasattr(journey, "_prefetched_objects_cache") and "visits" in journey._prefetched_objects_cache:
        # Journey.objects.for_handover_sheet() read them already.
        answers = sorted(
            (a for v in journey.visits.all() for a in getattr(v, "handover_answers", [])),
            key=lambda a: (a.answered_at, a.pk),
        )
    else:
        answers = list(
            Answer.objects.filter(visit__journey=journey, is_current=True)
            .select_related("item")
            .order_by("answered_at", "pk")
        )
    lines = []
    by_code = {a.item.code: a for a in answers}
    for code in BACKGROUND_ITEMS:
        answer = by_code.get(code)
        if answer is not None:
            lines.append(f"{answer.item_label}: {answer.item.display(answer.value)}.")
    for answer in answers:
        if answer.flag and answer.item.code not in BACKGROUND_ITEMS:
            lines.append(f"Flagged: {answer.flag}.")
        elif answer.item.kind == ItemDefinition.Kind.LEVEL_NUMBERS and answer.item.code not in BACKGROUND_ITEMS:
            lines.append(f"{answer.item_label}: {answer.item.display(answer.value)}.")
    return " ".join(lines) or "Nothing recorded yet."


def _assessment(journey: Journey) -> str:
    last = journey.last_news2_round()
    parts = []
    if last is None:
        parts.append("No observation round recorded yet in this stage.")
    else:
        parts.append(f"Last round at {clock(last.recorded_at)}: {last.summary().split(': ', 1)[1]}.")
    flags = journey.open_red_flags
    if flags:
        parts.append(
            "Open red flags: "
            + "; ".join(
                f"{f.get_kind_display()}"
                + (f" ({f.detail})" if f.detail else "")
                + (f", told {f.told_who} at {clock(f.told_at)}" if f.told_at else ", NOT YET ESCALATED")
                for f in flags
            )
            + "."
        )
    else:
        parts.append("No open red flag.")
    return " ".join(parts)


def _recommendation(journey: Journey, now: datetime) -> str:
    visit = journey.current_visit
    parts = []
    if visit is not None:
        slot = next((s for s in visit.round_slots(now) if s.is_open), None)
        if slot is not None and slot.state == "continuous":
            parts.append("NEWS2 high: continuous monitoring, emergency response.")
        elif slot is not None:
            parts.append(f"Next observation round ({slot.number}) due {clock(slot.due_at)}.")
        ends = visit.minimum_ends_at
        if ends and not visit.minimum_overridden_at and now < ends:
            parts.append(f"{visit.stage.countdown_words()} {clock(ends)}.".strip())
        parts.append("Watch for new leg numbness or weakness, chest pain, shortness of breath.")
    if journey.has_driver_details:
        parts.append(f"Driver: {journey.driver_name}, {journey.driver_phone}.")
    else:
        parts.append("No driver confirmed: find one before discharge.")
    return " ".join(parts)
