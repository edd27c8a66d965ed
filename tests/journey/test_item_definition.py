"""Each kind of checklist item: what it accepts, what it refuses, flags and display."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from journey.errors import InvalidAnswer
from journey.models import ItemDefinition

Kind = ItemDefinition.Kind


def item(kind, **fields):
    fields.setdefault("label", "Item")
    return ItemDefinition(kind=kind, **fields)


@pytest.mark.parametrize(("raw", "value"), [(True, True), ("on", True), ("false", None), ("", None), (None, None)])
def test_a_tick_is_done_or_not_answered(raw, value):
    assert item(Kind.TICK).clean_value(raw) == value


@pytest.mark.parametrize(("raw", "value"), [("Yes", "yes"), (" no ", "no")])
def test_yes_no_takes_yes_or_no(raw, value):
    assert item(Kind.YES_NO).clean_value(raw) == value


def test_yes_no_refuses_anything_else():
    with pytest.raises(InvalidAnswer, match=re.escape("Item: Answer yes or no.")):
        item(Kind.YES_NO).clean_value("maybe")


def test_a_choice_takes_one_of_its_options_in_their_own_spelling():
    thinners = item(Kind.CHOICE, choices="Yes\nNo\nNot applicable")

    assert thinners.clean_value("not applicable") == "Not applicable"
    with pytest.raises(InvalidAnswer, match=re.escape("Choose one of: Yes, No, Not applicable.")):
        thinners.clean_value("Sometimes")


@pytest.mark.parametrize(
    ("raw", "value"), [("7", "7"), ("7.50", "7.5"), ("12.0", "12"), (" 0 ", "0"), (Decimal("12"), "12")]
)
def test_a_number_within_its_range_is_kept(raw, value):
    assert item(Kind.NUMBER, min_value=0, max_value=15).clean_value(raw) == value


@pytest.mark.parametrize(
    ("fields", "raw", "message"),
    [
        ({"min_value": 0, "max_value": 15, "unit": "mL"}, "16", "Enter a number from 0 to 15 mL."),
        ({"min_value": 0}, "-1", "Enter a number of 0 or more."),
        ({"max_value": 10}, "11", "Enter a number up to 10."),
        ({}, "seven", "Enter a number."),
        ({}, "NaN", "Enter a number."),
        ({}, "Infinity", "Enter a number."),
    ],
)
def test_a_number_out_of_range_or_not_a_number_is_refused(fields, raw, message):
    with pytest.raises(InvalidAnswer, match=message):
        item(Kind.NUMBER, **fields).clean_value(raw)


def test_short_text_is_tidied_and_kept_short():
    allergies = item(Kind.TEXT)

    assert allergies.clean_value("  latex \n and  iodine ") == "latex and iodine"
    with pytest.raises(InvalidAnswer, match="Keep it under 500 characters"):
        allergies.clean_value("x" * 501)


@pytest.mark.parametrize(("raw", "value"), [("7:05", "07:05"), ("0730", "07:30"), ("23.59", "23:59")])
def test_a_time_of_day_is_read_in_the_ways_nurses_write_it(raw, value):
    assert item(Kind.TIME).clean_value(raw) == value


@pytest.mark.parametrize("raw", ["24:00", "7:60", "soon", "1:2:3"])
def test_an_impossible_time_of_day_is_refused(raw):
    with pytest.raises(InvalidAnswer, match="Enter a time of day such as 07:30"):
        item(Kind.TIME).clean_value(raw)


def test_levels_are_stored_in_spinal_order():
    assert item(Kind.LEVELS).clean_value("L1 T12") == ["T12", "L1"]


def test_a_number_per_level_is_read_from_text_or_a_mapping():
    cement = item(Kind.LEVEL_NUMBERS, min_value=0, max_value=15, unit="mL")

    assert cement.clean_value("L1: 3, t12 4.5") == {"T12": "4.5", "L1": "3"}
    assert cement.clean_value({"L1": "2"}) == {"L1": "2"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("T12", "Give each level with its number"),
        ("T12 4 T12 5", "T12 is given twice"),
        ("T12 16", "Enter a number for T12 from 0 to 15 mL"),
        ("X1 3", "is not a vertebral level"),
    ],
)
def test_a_number_per_level_refuses_what_does_not_fit(raw, message):
    with pytest.raises(InvalidAnswer, match=message):
        item(Kind.LEVEL_NUMBERS, min_value=0, max_value=15, unit="mL").clean_value(raw)


def test_flags_mark_values_that_need_a_second_look():
    cement = item(Kind.LEVEL_NUMBERS, label="Cement", unit="mL", flag_above=7)
    age = item(Kind.NUMBER, label="Fracture age", unit="months", flag_above=6)
    leak = item(Kind.YES_NO, label="Leakage", flag_answer="yes")

    assert cement.flag_for({"T12": "7", "L1": "8"}) == "Cement: L1 8 mL above 7 mL"
    assert cement.flag_for({"T12": "7"}) == ""
    assert age.flag_for("7") == "Fracture age: 7 months is above 6 months"
    assert leak.flag_for("yes") == "Leakage: yes"
    assert leak.flag_for("no") == ""


def test_answers_display_in_the_wards_words():
    assert item(Kind.TICK).display(True) == "Done"
    assert item(Kind.TICK).display(None) == "Not done"
    assert item(Kind.YES_NO).display("no") == "No"
    assert item(Kind.NUMBER, unit="mmHg").display("120") == "120 mmHg"
    assert item(Kind.LEVELS).display(["T12", "L1"]) == "T12, L1"
    assert item(Kind.LEVEL_NUMBERS, unit="mL").display({"T12": "4"}) == "T12 4 mL"
    assert item(Kind.TEXT).display(None) == "—"


@pytest.mark.parametrize(
    ("fields", "field_in_error"),
    [
        ({"kind": Kind.TICK, "required_answer": "yes"}, "required_answer"),
        ({"kind": Kind.CHOICE, "choices": "Only one"}, "choices"),
        ({"kind": Kind.CHOICE, "choices": "A\nB", "accepted_choices": "C"}, "accepted_choices"),
        ({"kind": Kind.TEXT, "max_value": 3}, "min_value"),
        ({"kind": Kind.NUMBER, "min_value": 5, "max_value": 1}, "max_value"),
        ({"kind": Kind.TICK, "rule": ItemDefinition.Rule.PLANNED_LEVELS}, "rule"),
    ],
)
def test_the_admin_cannot_save_an_item_whose_settings_contradict_its_kind(fields, field_in_error):
    with pytest.raises(ValidationError) as refused:
        ItemDefinition(label="Item", **fields).clean()
    assert field_in_error in refused.value.message_dict


def test_a_score_takes_the_points_of_one_of_its_lines_and_shows_their_meaning():
    vitals = item(Kind.SCORE, choices="2 = Within 20% of baseline\n1 = 20-40% from baseline\n0 = More than 40%")

    assert vitals.score_options() == [(2, "Within 20% of baseline"), (1, "20-40% from baseline"), (0, "More than 40%")]
    assert vitals.clean_value("1") == 1
    assert vitals.display(2) == "2: Within 20% of baseline"
    with pytest.raises(InvalidAnswer, match="Choose one of: 2, 1, 0"):
        vitals.clean_value("3")


def test_a_score_item_needs_its_lines_written_as_points_and_meaning():
    with pytest.raises(ValidationError) as refused:
        ItemDefinition(label="Vitals", kind=Kind.SCORE, choices="Good\nBad").clean()
    assert "choices" in refused.value.message_dict


def test_a_red_flag_item_must_say_which_answer_raises_it():
    with pytest.raises(ValidationError) as refused:
        ItemDefinition(label="Leak", kind=Kind.YES_NO, red_flag="cement_leakage").clean()
    assert "red_flag" in refused.value.message_dict
