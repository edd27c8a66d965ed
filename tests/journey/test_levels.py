import pytest
from django.core.exceptions import ValidationError

from journey.levels import SPINE, parse_levels


def test_the_spine_runs_from_c1_to_s1():
    assert (SPINE[0], SPINE[6], SPINE[7], SPINE[18], SPINE[19], SPINE[-1]) == ("C1", "C7", "T1", "T12", "L1", "S1")
    assert len(SPINE) == 25


@pytest.mark.parametrize(
    ("entered", "levels"),
    [
        ("L1", ["L1"]),
        ("l1, t12", ["T12", "L1"]),
        ("T12 / L1; L2", ["T12", "L1", "L2"]),
        ("L1 L1", ["L1"]),
        (["s1", "C7"], ["C7", "S1"]),
    ],
)
def test_levels_are_read_in_any_case_and_kept_in_spinal_order(entered, levels):
    assert parse_levels(entered) == levels


@pytest.mark.parametrize("entered", ["T13", "L6", "C0", "S2", "lumbar", "12"])
def test_a_name_that_is_not_a_vertebra_is_refused(entered):
    with pytest.raises(ValidationError, match="is not a vertebral level"):
        parse_levels(entered)


def test_no_level_at_all_is_refused():
    with pytest.raises(ValidationError, match="Enter at least one vertebral level"):
        parse_levels(" , ")
