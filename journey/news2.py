"""NEWS2, the National Early Warning Score 2 (Royal College of Physicians, 2017, charts 1 and 4).

A pure function: no database, no clock. Every band is written as the chart writes it, inclusive at
both ends on whole numbers, and read by one table lookup per parameter, so no edge depends on a chain
of comparisons (the usual way open implementations score a respiration rate of 7 as 1 instead of 3).
Temperature is rounded to one decimal, half up, before banding, as the chart is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# Each band: (lowest, highest, points), both ends inclusive; None is open-ended. Whole-number bands cover
# every whole number between their neighbours; temperature bands meet at tenths.
RESPIRATION_RATE = ((None, 8, 3), (9, 11, 1), (12, 20, 0), (21, 24, 2), (25, None, 3))
SPO2_SCALE_1 = ((None, 91, 3), (92, 93, 2), (94, 95, 1), (96, None, 0))
# Scale 2 (hypercapnic respiratory failure): below 88 as Scale 1 is read at 88-92; above 92 scores
# only on supplemental oxygen (a patient on air at 93 or more is not over-oxygenated).
SPO2_SCALE_2_LOW = ((None, 83, 3), (84, 85, 2), (86, 87, 1), (88, 92, 0))
SPO2_SCALE_2_HIGH_ON_OXYGEN = ((93, 94, 1), (95, 96, 2), (97, None, 3))
SYSTOLIC_BP = ((None, 90, 3), (91, 100, 2), (101, 110, 1), (111, 219, 0), (220, None, 3))
PULSE = ((None, 40, 3), (41, 50, 1), (51, 90, 0), (91, 110, 1), (111, 130, 2), (131, None, 3))
TEMPERATURE = (
    (None, Decimal("35.0"), 3),
    (Decimal("35.1"), Decimal("36.0"), 1),
    (Decimal("36.1"), Decimal("38.0"), 0),
    (Decimal("38.1"), Decimal("39.0"), 1),
    (Decimal("39.1"), None, 2),
)
AIR, OXYGEN = 0, 2
# ACVPU: Alert scores 0; new Confusion, Voice, Pain or Unresponsive score 3.
CONSCIOUSNESS = {"A": 0, "C": 3, "V": 3, "P": 3, "U": 3}
CONSCIOUSNESS_WORDS = {"A": "Alert", "C": "New confusion", "V": "Voice", "P": "Pain", "U": "Unresponsive"}

# Values no living patient's chart can hold: refused rather than scored.
LIMITS = {
    "respiration_rate": (0, 100),
    "spo2": (0, 100),
    "systolic_bp": (0, 400),
    "pulse": (0, 350),
}
TEMPERATURE_LIMITS = (Decimal("20.0"), Decimal("45.0"))

LOW, LOW_MEDIUM, MEDIUM, HIGH = "low", "low-medium", "medium", "high"
RISKS = (LOW, LOW_MEDIUM, MEDIUM, HIGH)
# What the score asks for (RCP chart 4), in the ward's words.
RESPONSE = {
    LOW: "Registered nurse assessment",
    LOW_MEDIUM: "Urgent review by a clinician on the ward",
    MEDIUM: "Urgent response: a clinician reviews now",
    HIGH: "Emergency response: continuous monitoring",
}
# The longest allowed gap to the next observation (RCP chart 4). Low risk sets none tighter than a
# recovery schedule ever is; high risk means continuous monitoring, so the next round is due at once.
MINIMUM_FREQUENCY: dict[str, timedelta | None] = {
    LOW: None,
    LOW_MEDIUM: timedelta(hours=1),
    MEDIUM: timedelta(hours=1),
    HIGH: timedelta(0),
}

KEYS = ("respiration_rate", "spo2", "air_or_oxygen", "systolic_bp", "pulse", "consciousness", "temperature")


@dataclass(frozen=True, eq=True)
class News2:
    total: int
    scores: dict[str, int]
    risk: str

    @property
    def response(self) -> str:
        return RESPONSE[self.risk]

    @property
    def minimum_frequency(self) -> timedelta | None:
        """None: no tighter than the schedule; zero: continuous monitoring."""
        return MINIMUM_FREQUENCY[self.risk]

    @property
    def continuous(self) -> bool:
        return self.risk == HIGH

    @property
    def risk_word(self) -> str:
        return self.risk.replace("-", " ").capitalize()


def risk_for(scores: dict[str, int]) -> str:
    total = sum(scores.values())
    if total >= 7:
        return HIGH
    if total >= 5:
        return MEDIUM
    if any(points == 3 for points in scores.values()):
        return LOW_MEDIUM
    return LOW


def news2(
    *,
    respiration_rate: int,
    spo2: int,
    on_oxygen: bool,
    systolic_bp: int,
    pulse: int,
    consciousness: str,
    temperature: Decimal | float | int | str,
    spo2_scale: int = 1,
) -> News2:
    """Score one set of observations. Raises ValueError for a value no patient can have."""
    whole = {
        "respiration_rate": _whole(respiration_rate, "respiration_rate"),
        "spo2": _whole(spo2, "spo2"),
        "systolic_bp": _whole(systolic_bp, "systolic_bp"),
        "pulse": _whole(pulse, "pulse"),
    }
    if not isinstance(on_oxygen, bool):
        raise ValueError(f"on_oxygen must be True or False, not {on_oxygen!r}.")
    if not isinstance(consciousness, str) or consciousness not in CONSCIOUSNESS:
        raise ValueError(f"consciousness must be one of A, C, V, P, U (ACVPU), not {consciousness!r}.")
    if isinstance(spo2_scale, bool) or spo2_scale not in (1, 2):
        raise ValueError(f"spo2_scale must be 1 or 2, not {spo2_scale!r}.")
    celsius = _temperature(temperature)

    if spo2_scale == 1:
        spo2_points = _band(whole["spo2"], SPO2_SCALE_1)
    elif whole["spo2"] <= 92 or not on_oxygen:
        spo2_points = _band(min(whole["spo2"], 92), SPO2_SCALE_2_LOW)
    else:
        spo2_points = _band(whole["spo2"], SPO2_SCALE_2_HIGH_ON_OXYGEN)
    scores = {
        "respiration_rate": _band(whole["respiration_rate"], RESPIRATION_RATE),
        "spo2": spo2_points,
        "air_or_oxygen": OXYGEN if on_oxygen else AIR,
        "systolic_bp": _band(whole["systolic_bp"], SYSTOLIC_BP),
        "pulse": _band(whole["pulse"], PULSE),
        "consciousness": CONSCIOUSNESS[consciousness],
        "temperature": _band(celsius, TEMPERATURE),
    }
    return News2(total=sum(scores.values()), scores=scores, risk=risk_for(scores))


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise ValueError(f"{name} must be a whole number, not {value!r}.")
    try:
        is_whole = value == int(value)
    except (OverflowError, ValueError, InvalidOperation):  # infinity, NaN
        is_whole = False
    if not is_whole:
        raise ValueError(f"{name} must be a whole number, not {value!r}.")
    low, high = LIMITS[name]
    if not low <= value <= high:
        raise ValueError(f"{name} {value} is impossible (allowed {low} to {high}).")
    return int(value)


def _temperature(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"temperature must be a number of degrees Celsius, not {value!r}.")
    try:
        # str() first: a float's repr is the number the nurse typed (36.05, not 36.04999...).
        celsius = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"temperature must be a number of degrees Celsius, not {value!r}.") from exc
    low, high = TEMPERATURE_LIMITS
    if not celsius.is_finite() or not low <= celsius <= high:
        raise ValueError(f"temperature {value} °C is impossible (allowed {low} to {high}).")
    return celsius


def _band(value: int | Decimal, bands: tuple) -> int:
    for low, high, points in bands:
        if (low is None or value >= low) and (high is None or value <= high):
            return points
    # Unreachable for a value inside the limits: the bands leave no gap on the chart's own steps.
    raise ValueError(f"{value} falls between the chart's bands.")
