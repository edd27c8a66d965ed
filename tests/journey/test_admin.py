"""The unit's admin edits pathways without code: every fact a screen relies on is a field here."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError

from journey.admin import ItemInline, StageDefinitionAdmin
from journey.models import ItemDefinition, StageDefinition


def _fields(fieldsets):
    names = set()
    for _, options in fieldsets:
        for entry in options["fields"]:
            names.update(entry if isinstance(entry, tuple | list) else [entry])
    return names


def test_the_item_admin_shows_and_sets_the_red_flag_an_item_raises_and_its_baseline_role():
    shown = _fields(ItemInline.fieldsets)

    assert {"red_flag", "flag_answer", "flag_above", "baseline"} <= shown


def test_the_stage_admin_sets_the_discharge_stage_the_sheet_and_the_countdown_words():
    shown = _fields(StageDefinitionAdmin.fieldsets)

    assert {"is_discharge", "prints_discharge_sheet", "countdown_label", "countdown_done"} <= shown


def test_every_editable_field_of_a_stage_and_an_item_is_in_the_admin():
    stage_fields = {f.name for f in StageDefinition._meta.get_fields() if f.editable and not f.auto_created}
    item_fields = {f.name for f in ItemDefinition._meta.get_fields() if f.editable and not f.auto_created}

    assert stage_fields <= _fields(StageDefinitionAdmin.fieldsets)
    assert item_fields - {"stage"} <= _fields(ItemInline.fieldsets)
    assert admin.site.is_registered(StageDefinition)


def test_a_second_discharge_stage_in_a_pathway_is_refused_with_the_first_ones_name(pathway):
    prep = pathway.stages.get(code="prep")
    prep.is_discharge = True

    with pytest.raises(ValidationError) as refusal:
        prep.full_clean()

    assert refusal.value.message_dict["is_discharge"] == ["Discharge is already this pathway's discharge stage."]
