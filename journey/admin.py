"""Admin: the unit's admin edits pathways here, without code. Journeys are shown read-only.

Every read of patient data here is audited as on the ward's screens (who, what, when, the address): each
record a list shows (with the search typed), each record opened, each record's history.

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
    AuditEntry,
    InterfaceToken,
    ItemDefinition,
    Journey,
    JourneyEvent,
    Pathway,
    Patient,
    Reason,
    ReasonGiven,
    RoundRules,
    StageDefinition,
    StageVisit,
)
from journey.models.audit import Subject


class StageInline(admin.TabularInline):
    model = StageDefinition
    fields = ["order", "code", "name", "target_minutes", "target_per_level", "minimum_minutes", "is_discharge"]
    extra = 0
    show_change_link = True


class RoundRulesInline(admin.StackedInline):
    """The thresholds a recovery round is checked against, and whether its first round waits for the
    handover: one set per pathway (a pathway without one uses the defaults shown here)."""

    model = RoundRules
    can_delete = False
    max_num = 1
    fieldsets = [
        (
            "Safe ranges (outside: flagged for a second look)",
            {
                "fields": [
                    ("systolic_low", "systolic_high"),
                    ("diastolic_low", "diastolic_high"),
                    ("heart_rate_low", "heart_rate_high"),
                    ("resp_rate_low", "resp_rate_high"),
                    ("spo2_low", "spo2_high"),
                ]
            },
        ),
        ("Red flags", {"fields": ["spo2_red_flag_below", "baseline_change_percent", "severe_pain_from"]}),
        ("Handover", {"fields": ["first_round_before_handover"]}),
    ]


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active", "stage_count"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [RoundRulesInline, StageInline]

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


class AuditedReadAdmin(ReadOnlyAdmin):
    """A clinical record's list, page and history are audited as reads of patient data."""

    what = "record"

    def subjects(self, records: list[Any], summary: str) -> list[Subject]:
        raise NotImplementedError

    def _audit(self, request: HttpRequest, records: list[Any], summary: str, data: dict | None = None) -> None:
        subjects = [
            Subject(s.summary, s.journey_id, s.patient_id, {**(s.data or {}), **(data or {})})
            for s in self.subjects(records, summary)
        ]
        AuditEntry.objects.record_many(AuditEntry.Action.VIEWED, user=request.user, subjects=subjects)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl") if response.status_code == 200 else None
        if changelist is not None:
            search = changelist.query
            summary = f"Admin: listed in {self.model._meta.verbose_name_plural}" + (
                f" (search “{search}”)" if search else ""
            )
            data = {"page": "admin list", "search": search, "filters": dict(changelist.filter_params)}
            self._audit(request, list(changelist.result_list), summary, data)
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original") if response.status_code == 200 else None
        if original is not None:
            self._audit(request, [original], f"Admin: opened the {self.what}", {"page": "admin record"})
        return response

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        record = getattr(response, "context_data", {}).get("object") if response.status_code == 200 else None
        if record is not None:
            self._audit(request, [record], f"Admin: opened the {self.what}'s history", {"page": "admin history"})
        return response


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
class JourneyAdmin(AuditedReadAdmin):
    list_display = ["day", "scheduled_time", "bay", "patient", "pathway", "status", "public_code"]
    list_filter = ["day", "status", "pathway"]
    search_fields = ["patient__mrn", "patient__family_name", "public_code"]
    list_select_related = ["patient", "pathway"]
    inlines = [VisitInline, EventInline]
    what = "journey (its stages and history)"

    def subjects(self, records: list[Any], summary: str) -> list[Subject]:
        return [Subject(summary, journey.pk, journey.patient_id) for journey in records]


@admin.register(Patient)
class PatientAdmin(AuditedReadAdmin):
    list_display = ["mrn", "family_name", "given_name", "date_of_birth"]
    search_fields = ["mrn", "family_name", "given_name"]
    what = "patient"

    def subjects(self, records: list[Any], summary: str) -> list[Subject]:
        return [Subject(summary, None, patient.pk) for patient in records]


@admin.register(Answer)
class AnswerAdmin(AuditedReadAdmin):
    list_display = ["answered_at", "item_label", "value", "flag", "answered_by", "is_current"]
    list_select_related = ["answered_by"]
    what = "checklist answer"

    def subjects(self, records: list[Any], summary: str) -> list[Subject]:
        # Whose answers these are: one query for the journey and patient of each answer's visit.
        visits = StageVisit.objects.filter(pk__in={answer.visit_id for answer in records})
        whose = {
            pk: (journey, patient)
            for pk, journey, patient in visits.values_list("pk", "journey_id", "journey__patient_id")
        }
        return [Subject(summary, *whose[a.visit_id], {"answer": a.pk}) for a in records]


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
