"""NEWS2 (RCP 2017): every band edge of every parameter, the risk rules, and the values refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journey.news2 import KEYS, news2

# Every parameter scoring 0: the reference patient each edge below changes one value of.
SETTLED = {
    "respiration_rate": 16,
    "spo2": 97,
    "on_oxygen": False,
    "systolic_bp": 120,
    "pulse": 70,
    "consciousness": "A",
    "temperature": Decimal("37.0"),
    "spo2_scale": 1,
}


def score(**changes):
    return news2(**{**SETTLED, **changes})


def test_a_settled_patient_scores_nothing():
    result = score()
    assert result.total == 0
    assert result.scores == dict.fromkeys(KEYS, 0)
    assert result.risk == "low"


@pytest.mark.parametrize(
    ("rate", "points"),
    [(0, 3), (7, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (60, 3)],
)
def test_respiration_rate_bands(rate, points):
    assert score(respiration_rate=rate).scores["respiration_rate"] == points


@pytest.mark.parametrize(
    ("spo2", "points"),
    [(70, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (97, 0), (100, 0)],
)
@pytest.mark.parametrize("on_oxygen", [False, True])
def test_spo2_scale_1_bands_ignore_oxygen(spo2, points, on_oxygen):
    assert score(spo2=spo2, on_oxygen=on_oxygen).scores["spo2"] == points


@pytest.mark.parametrize(
    ("spo2", "on_air", "on_oxygen"),
    [
        (70, 3, 3),
        (83, 3, 3),
        (84, 2, 2),
        (85, 2, 2),
        (86, 1, 1),
        (87, 1, 1),
        (88, 0, 0),
        (90, 0, 0),
        (92, 0, 0),
        # 93 or more: nothing on air; on oxygen, over-oxygenation scores.
        (93, 0, 1),
        (94, 0, 1),
        (95, 0, 2),
        (96, 0, 2),
        (97, 0, 3),
        (100, 0, 3),
    ],
)
def test_spo2_scale_2_bands_on_air_and_on_oxygen(spo2, on_air, on_oxygen):
    assert score(spo2=spo2, spo2_scale=2, on_oxygen=False).scores["spo2"] == on_air
    assert score(spo2=spo2, spo2_scale=2, on_oxygen=True).scores["spo2"] == on_oxygen


@pytest.mark.parametrize(("on_oxygen", "points"), [(False, 0), (True, 2)])
@pytest.mark.parametrize("scale", [1, 2])
def test_supplemental_oxygen_scores_two_on_either_scale(on_oxygen, points, scale):
    assert score(on_oxygen=on_oxygen, spo2=90, spo2_scale=scale).scores["air_or_oxygen"] == points


@pytest.mark.parametrize(
    ("systolic", "points"),
    [(40, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3), (260, 3)],
)
def test_systolic_bp_bands(systolic, points):
    assert score(systolic_bp=systolic).scores["systolic_bp"] == points


@pytest.mark.parametrize(
    ("pulse", "points"),
    [
        (20, 3),
        (40, 3),
        (41, 1),
        (50, 1),
        (51, 0),
        (90, 0),
        (91, 1),
        (110, 1),
        (111, 2),
        (130, 2),
        (131, 3),
        (200, 3),
    ],
)
def test_pulse_bands(pulse, points):
    assert score(pulse=pulse).scores["pulse"] == points


@pytest.mark.parametrize(
    ("temperature", "points"),
    [
        ("30.0", 3),
        ("35.0", 3),
        ("35.1", 1),
        ("36.0", 1),
        ("36.1", 0),
        ("38.0", 0),
        ("38.1", 1),
        ("39.0", 1),
        ("39.1", 2),
        ("41.0", 2),
    ],
)
def test_temperature_bands(temperature, points):
    assert score(temperature=Decimal(temperature)).scores["temperature"] == points
    assert score(temperature=float(temperature)).scores["temperature"] == points
    assert score(temperature=temperature).scores["temperature"] == points


@pytest.mark.parametrize(
    ("temperature", "points"),
    # Rounded to one decimal, half up, before banding: 35.04 is 35.0, 35.05 is 35.1, 38.04 is 38.0.
    [("35.04", 3), ("35.05", 1), (35.05, 1), ("36.04", 1), ("36.05", 0), ("38.04", 0), ("38.05", 1), (39.05, 2)],
)
def test_temperature_is_rounded_to_one_decimal_before_banding(temperature, points):
    assert score(temperature=temperature).scores["temperature"] == points


def test_a_whole_degree_temperature_is_read_as_such():
    assert score(temperature=39).scores["temperature"] == 1
    assert score(temperature=36).scores["temperature"] == 1


@pytest.mark.parametrize(("letter", "points"), [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3)])
def test_each_acvpu_letter(letter, points):
    result = score(consciousness=letter)
    assert result.scores["consciousness"] == points
    assert result.total == points


@pytest.mark.parametrize(
    ("changes", "total", "risk"),
    [
        ({}, 0, "low"),
        ({"pulse": 95, "temperature": "38.5", "respiration_rate": 10, "systolic_bp": 105}, 4, "low"),
        # A single 3 alone is low-medium...
        ({"consciousness": "C"}, 3, "low-medium"),
        ({"respiration_rate": 8}, 3, "low-medium"),
        ({"respiration_rate": 25, "pulse": 95}, 4, "low-medium"),
        # ...unless the total makes it medium or high.
        ({"consciousness": "V", "pulse": 112}, 5, "medium"),
        ({"on_oxygen": True, "systolic_bp": 95, "pulse": 95}, 5, "medium"),
        ({"on_oxygen": True, "systolic_bp": 95, "pulse": 112}, 6, "medium"),
        ({"on_oxygen": True, "systolic_bp": 95, "pulse": 112, "temperature": "38.5"}, 7, "high"),
        ({"consciousness": "U", "systolic_bp": 85, "pulse": 135}, 9, "high"),
    ],
)
def test_risk_follows_the_total_and_any_single_three(changes, total, risk):
    result = score(**changes)
    assert result.total == total
    assert result.risk == risk


def test_the_worst_patient_scores_twenty():
    worst = news2(
        respiration_rate=30,
        spo2=80,
        on_oxygen=True,
        systolic_bp=80,
        pulse=140,
        consciousness="U",
        temperature=34,
        spo2_scale=1,
    )
    assert worst.scores == {
        "respiration_rate": 3,
        "spo2": 3,
        "air_or_oxygen": 2,
        "systolic_bp": 3,
        "pulse": 3,
        "consciousness": 3,
        "temperature": 3,
    }
    assert worst.total == 20
    assert worst.risk == "high"


@pytest.mark.parametrize(
    ("risk_changes", "frequency"),
    [
        ({}, None),
        ({"consciousness": "C"}, timedelta(hours=1)),
        ({"consciousness": "V", "pulse": 112}, timedelta(hours=1)),
        ({"consciousness": "V", "pulse": 135, "on_oxygen": True}, timedelta(0)),
    ],
)
def test_minimum_frequency_follows_the_risk(risk_changes, frequency):
    result = score(**risk_changes)
    assert result.minimum_frequency == frequency
    assert result.continuous == (frequency == timedelta(0))


@pytest.mark.parametrize(
    "changes",
    [
        {"spo2": 101},
        {"spo2": -1},
        {"respiration_rate": -1},
        {"pulse": -5},
        {"systolic_bp": -90},
        {"respiration_rate": 16.5},
        {"respiration_rate": "16"},
        {"respiration_rate": None},
        {"pulse": True},
        {"pulse": float("nan")},
        {"pulse": float("inf")},
        {"systolic_bp": 1000},
        {"consciousness": "X"},
        {"consciousness": "a"},
        {"consciousness": ""},
        {"consciousness": "Alert"},
        {"consciousness": None},
        {"spo2_scale": 3},
        {"spo2_scale": 0},
        {"spo2_scale": "2"},
        {"spo2_scale": True},
        {"on_oxygen": "yes"},
        {"on_oxygen": 1},
        {"temperature": "warm"},
        {"temperature": None},
        {"temperature": float("nan")},
        {"temperature": "Infinity"},
        {"temperature": -1},
        {"temperature": 370},
    ],
)
def test_impossible_values_are_refused(changes):
    with pytest.raises(ValueError, match=r"must be|is impossible"):
        score(**changes)


def test_every_argument_is_named():
    with pytest.raises(TypeError):
        news2(16, 97, False, 120, 70, "A", 37.0)  # type: ignore[misc]


@given(
    respiration_rate=st.integers(0, 100),
    spo2=st.integers(0, 100),
    on_oxygen=st.booleans(),
    systolic_bp=st.integers(0, 400),
    pulse=st.integers(0, 350),
    consciousness=st.sampled_from("ACVPU"),
    temperature=st.decimals(min_value=20, max_value=45, places=2),
    spo2_scale=st.sampled_from([1, 2]),
)
def test_the_total_is_the_sum_of_the_parameters_and_lies_in_0_to_20(**observations):
    result = news2(**observations)
    assert set(result.scores) == set(KEYS)
    assert all(isinstance(p, int) and 0 <= p <= 3 for p in result.scores.values())
    assert result.total == sum(result.scores.values())
    assert 0 <= result.total <= 20
    expected = "high" if result.total >= 7 else "medium" if result.total >= 5 else None
    if expected is None:
        expected = "low-medium" if 3 in result.scores.values() else "low"
    assert result.risk == expected


@given(spo2=st.integers(0, 100), on_oxygen=st.booleans())
def test_scale_2_scores_no_more_than_scale_1_below_88_and_nothing_on_air_above_92(spo2, on_oxygen):
    scale_2 = score(spo2=spo2, on_oxygen=on_oxygen, spo2_scale=2).scores["spo2"]
    if spo2 >= 88 and (spo2 <= 92 or not on_oxygen):
        assert scale_2 == 0
    if spo2 <= 83:
        assert scale_2 == 3
