"""Admin for the hospital's interfaces: the procedure-code table the unit's admin edits, and the log of
HL7 messages received (read-only, filterable), from which a message that failed (AE) is replayed."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from journey import hl7_inbox
from journey.errors import JourneyError
from journey.models import HospitalAppointment, InboundMessage, ServiceCode


@admin.register(ServiceCode)
class ServiceCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "pathway", "description"]
    list_filter = ["pathway"]
    search_fields = ["code", "description"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnly):
    list_display = [
        "received_at",
        "message_type",
        "control_id",
        "sender",
        "outcome",
        "reason",
        "journey",
        "replayed_at",
    ]
    list_filter = ["outcome", "message_type", "sender", "received_at"]
    search_fields = ["control_id", "raw", "error", "patient__mrn"]
    list_select_related = ["journey__patient", "journey__pathway"]
    date_hierarchy = "received_at"
    readonly_fields = (
        "received_at",
        "peer",
        "sender",
        "control_id",
        "message_type",
        "outcome",
        "error",
        "journey",
        "patient",
        "applied_at",
        "replayed_at",
        "replayed_by",
        "readable_raw",
        "readable_ack",
    )
    fields = readonly_fields
    actions = ["replay"]

    @admin.display(description="why not applied")
    def reason(self, stored: InboundMessage) -> str:
        return stored.error if len(stored.error) <= 90 else stored.error[:89] + "…"

    @admin.display(description="message")
    def readable_raw(self, stored: InboundMessage) -> str:
        return stored.raw.replace("\r", "\n")

    @admin.display(description="ACK sent")
    def readable_ack(self, stored: InboundMessage) -> str:
        return stored.ack.replace("\r", "\n")

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("journey.replay_inboundmessage")

    @admin.action(description="Replay the selected messages that failed (AE)", permissions=["replay"])
    def replay(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        applied, failed = 0, []
        for stored in queryset.order_by("received_at", "pk"):
            try:
                result = hl7_inbox.replay(stored, by=request.user)
            except JourneyError as refusal:
                failed.append(f"{stored.control_id}: {refusal.message}")
                continue
            if result.outcome == InboundMessage.Outcome.APPLIED:
                applied += 1
            else:
                failed.append(f"{stored.control_id}: {result.error}")
        if applied:
            self.message_user(request, f"{applied} message{'s' if applied > 1 else ''} applied.", messages.SUCCESS)
        for failure in failed:
            self.message_user(request, f"Not applied: {failure}", messages.WARNING)


@admin.register(HospitalAppointment)
class HospitalAppointmentAdmin(ReadOnly):
    list_display = ["appointment_id", "journey", "sender", "booked_at"]
    search_fields = ["appointment_id", "journey__patient__mrn"]
    list_select_related = ["journey__patient", "journey__pathway"]
