"""Admin: the unit's admin edits pathways here, without code. Journeys are shown read-only.

A stage's checklist is edited on the stage's own page (Django has no nested inlines): the pathway page
lists its stages in order, each with a link to its checklist.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from journey.models import (
    Answer,
    InterfaceToken,
    ItemDefinition,
    Journey,
    JourneyEvent,
    Pathway,
    Patient,
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


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


VISIT_FIELDS = ("stage_name", "started_at", "started_by", "completed_at", "completed_by", "minimum_override_reason")
EVENT_FIELDS = ("at", "by", "stage_name", "summary")


class VisitInline(ReadOnlyInline):
    model = StageVisit
    fields = VISIT_FIELDS
    readonly_fields = VISIT_FIELDS


class EventInline(ReadOnlyInline):
    model = JourneyEvent
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS


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


class TokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("live", "Live"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() in ("live", "revoked"):
            return queryset.filter(revoked_at__isnull=self.value() == "live")
        return queryset


@admin.register(InterfaceToken)
class InterfaceTokenAdmin(admin.ModelAdmin):
    """Tokens for the hospital's systems (the read-only FHIR interface). Creating one shows its secret
    once, on the page that follows, and keeps only a hash; a token is revoked, never edited or deleted."""

    list_display = ["name", "key_prefix", "state", "created_at", "revoked_at"]
    list_filter = [TokenStateFilter]
    readonly_fields = ["key_prefix", "created_at", "created_by", "revoked_at", "revoked_by"]
    actions = ["revoke"]

    @admin.display(description="state")
    def state(self, token: InterfaceToken) -> str:
        return "Live" if token.is_live else "Revoked"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.readonly_fields, "name"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: InterfaceToken, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]  # the admin is signed in
            # Kept on the request for the page that follows, and nowhere else.
            request.new_interface_token = obj.new_key()  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: InterfaceToken, post_url_continue: Any = None) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "plain": request.new_interface_token,  # type: ignore[attr-defined]
            "title": f"Token for {obj.name}",
        }
        return TemplateResponse(request, "admin/journey/interfacetoken/created.html", context)

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        revoked = [token for token in queryset if token.revoke(by=request.user)]
        for token in revoked:
            self.log_change(request, token, "Revoked")
        self.message_user(request, f"Revoked {len(revoked)} token(s). They open nothing from now on.")
