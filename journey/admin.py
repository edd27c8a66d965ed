"""Admin: the unit's admin edits pathways here, without code. Journeys are shown read-only.

A stage's checklist is edited on the stage's own page (Django has no nested inlines): the pathway page
lists its stages in order, each with a link to its checklist.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from journey.models import (
    Answer,
    ItemDefinition,
    Journey,
    JourneyEvent,
    Pathway,
    Patient,
    Reason,
    ReasonGiven,
    StageDefinition,
    StageVisit,
)


class StageInline(admin.TabularInline):
    model = StageDefinition
    fields = ["order", "code", "name", "target_minutes", "target_per_level", "minimum_minutes", "is_discharge"]
    extra = 0
    show_change_link = True


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active", "stage_count"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [StageInline]

    @admin.display(description="stages")
    def stage_count(self, pathway: Pathway) -> int:
        return pathway.stages.count()


class ItemInline(admin.StackedInline):
    model = ItemDefinition
    extra = 0
    # Clinical wording is long: give the label and hint room to be read whole.
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 90})}}
    fieldsets = [
        (None, {"fields": [("order", "code"), "label", "help_text", ("kind", "required", "rule")]}),
        ("Yes / no", {"classes": ["collapse"], "fields": [("required_answer", "flag_answer")]}),
        ("Red flag", {"classes": ["collapse"], "fields": ["red_flag"]}),
        ("One of a list", {"classes": ["collapse"], "fields": [("choices", "accepted_choices")]}),
        (
            "Numbers",
            {
                "classes": ["collapse"],
                "fields": [("unit", "min_value", "max_value", "flag_above", "complete_min"), "baseline"],
            },
        ),
    ]


@admin.register(StageDefinition)
class StageDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "pathway", "order", "target_minutes", "minimum_minutes", "is_discharge"]
    list_filter = ["pathway"]
    ordering = ["pathway", "order"]
    inlines = [ItemInline]
    fieldsets = [
        (None, {"fields": ["pathway", ("order", "code"), "name", "description"]}),
        ("Time", {"fields": [("target_minutes", "target_per_level"), "minimum_minutes", "round_minutes"]}),
        ("Countdown (stages with a minimum)", {"fields": [("countdown_label", "countdown_done")]}),
        (
            "Closing the stage",
            {"fields": [("score_name", "score_minimum"), "blocked_by_red_flag"]},
        ),
        ("Discharge", {"fields": [("is_discharge", "prints_discharge_sheet")]}),
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Clinical records change only through the ward's screens, where the rules and the history apply."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VisitInline(admin.TabularInline):
    model = StageVisit
    fields = ["stage_name", "started_at", "started_by", "completed_at", "completed_by", "minimum_override_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(VisitInline):
    model = JourneyEvent
    fields = ["at", "by", "stage_name", "summary"]
    readonly_fields = fields


@admin.register(Journey)
class JourneyAdmin(ReadOnlyAdmin):
    list_display = ["day", "scheduled_time", "bay", "patient", "pathway", "status", "public_code"]
    list_filter = ["day", "status", "pathway"]
    search_fields = ["patient__mrn", "patient__family_name", "public_code"]
    list_select_related = ["patient", "pathway"]
    inlines = [VisitInline, EventInline]


@admin.register(Patient)
class PatientAdmin(ReadOnlyAdmin):
    list_display = ["mrn", "family_name", "given_name", "date_of_birth"]
    search_fields = ["mrn", "family_name", "given_name"]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["answered_at", "item_label", "value", "flag", "answered_by", "is_current"]
    list_select_related = ["answered_by"]


@admin.register(Reason)
class ReasonAdmin(admin.ModelAdmin):
    """The unit's coded reasons: added, reworded, reordered or retired (untick "offered"), never deleted,
    since the reasons already given point at them."""

    list_display = ["label", "category", "occasion", "code", "order", "is_active"]
    list_filter = ["occasion", "category", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["label", "code"]
    ordering = ["occasion", "order", "label"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReasonGiven)
class ReasonGivenAdmin(ReadOnlyAdmin):
    list_display = ["at", "journey", "occasion", "category", "label", "detail", "by"]
    list_filter = ["occasion", "category"]
    list_select_related = ["journey__patient", "journey__pathway", "by"]
