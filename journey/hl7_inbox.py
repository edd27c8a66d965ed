"""Receiving HL7 v2 messages: store each one before it is applied, apply it through the domain's verbs,
answer with an ACK, and never apply the same message twice.

1. The message is stored (raw text, sender, control id, received at) in its own transaction, so a message
   is never lost, even if applying it fails or the process dies.
2. Applying it and storing its outcome and ACK is one transaction, with the stored row locked: two
   connections delivering the same control id at once apply it once.
3. The same control id from the same sender is answered with the first ACK again, and applied no more.
A message refused with AE can be replayed from the admin once the cause (say, a procedure code missing
from the table) is fixed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any

import hl7 as python_hl7
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from journey import hl7
from journey.errors import JourneyError
from journey.models import (
    AuditEntry,
    HospitalAppointment,
    InboundMessage,
    Journey,
    Occasion,
    Patient,
    Reason,
    ServiceCode,
)
from journey.models.reasons import ReasonCategory

SCHEDULE_USERNAME = "hospital-schedule"
# A domain refusal names the detail it is about; the ACK's ERR-2 names the field that carried it.
FIELD_LOCATION = {
    "mrn": "PID^1^3",
    "family_name": "PID^1^5",
    "date_of_birth": "PID^1^7",
    "day": "AIS^1^4",
    "pathway": "AIS^1^3",
    "planned_levels": "AIS^1^11",
    "bay": "AIL^1^3",
}


def schedule_user() -> Any:
    """Who the history names for changes the hospital's schedule made. It cannot sign in."""
    user, created = get_user_model().objects.get_or_create(
        username=SCHEDULE_USERNAME,
        defaults={"first_name": "Hospital's", "last_name": "schedule (HL7)", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def receive(raw: bytes, *, peer: str = "", now: dt.datetime | None = None) -> InboundMessage:
    """Store, apply and answer one message (the bytes of one MLLP frame). The returned row holds the ACK."""
    now = now or timezone.now()
    text, problem = hl7.decode(raw)
    message: python_hl7.Message | None = None
    head = hl7.Header(sender="", control_id="", message_type="", version="")
    try:
        message = hl7.parse(text)
        head = hl7.header(message)
        if problem:
            raise hl7.Rejected(problem, hl7_code=102)
        hl7.check_supported(message, head)
    except hl7.Rejected as refusal:
        return _store_rejected(text, head, peer, now, message, refusal)
    stored = _store(text, head, peer, now)
    if stored.outcome:
        return stored  # a repeat: the first ACK again
    if stored.raw != text:
        message = hl7.parse(stored.raw)  # stored earlier, never applied (the process stopped): apply that one
    return _apply_stored(stored.pk, message, now)


def replay(stored: InboundMessage, *, by: Any, now: dt.datetime | None = None) -> InboundMessage:
    """Apply a message that failed with AE again (after its cause was fixed). The ACK sent stays as sent."""
    now = now or timezone.now()
    if not stored.may_replay:
        raise JourneyError(
            f"Only a message that failed (AE) can be replayed; this one is {stored.get_outcome_display()}."
        )
    message = hl7.parse(stored.raw)
    return _apply_stored(stored.pk, message, now, replayed_by=by)


def _store(text: str, head: hl7.Header, peer: str, now: dt.datetime) -> InboundMessage:
    # Outside a transaction (the listener), the insert commits on its own: one statement, not three.
    # Inside one (a caller's block), a savepoint lets a repeat's IntegrityError be caught below.
    try:
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            return InboundMessage.objects.create(
                received_at=now,
                peer=peer[:100],
                sender=head.sender,
                control_id=head.control_id,
                message_type=head.message_type[:30],
                raw=text,
            )
    except IntegrityError:
        # Sent before (or being applied by another connection right now): _apply_stored waits on its lock.
        return InboundMessage.objects.get(sender=head.sender, control_id=head.control_id)


def _store_rejected(
    text: str,
    head: hl7.Header,
    peer: str,
    now: dt.datetime,
    message: python_hl7.Message | None,
    refusal: hl7.Refusal,
) -> InboundMessage:
    answer = hl7.ack(message, refusal.ack_code, refusal=refusal, now=now)
    fields = {
        "received_at": now,
        "peer": peer[:100],
        "message_type": head.message_type[:30],
        "raw": text,
        "outcome": refusal.ack_code,
        "error": refusal.message,
        "ack": answer,
    }
    try:
        with transaction.atomic():
            return InboundMessage.objects.create(sender=head.sender, control_id=head.control_id, **fields)
    except IntegrityError:
        existing = InboundMessage.objects.filter(sender=head.sender, control_id=head.control_id).first()
        if existing is not None and existing.ack:
            return existing
        # Same control id as a different, stored message: keep this one too, without claiming the id.
        return InboundMessage.objects.create(sender=head.sender, control_id="", **fields)


def _apply_stored(pk: int, message: python_hl7.Message, now: dt.datetime, replayed_by: Any = None) -> InboundMessage:
    # The audit rows go in last, just before the commit: the chain's lock (one writer at a time on
    # PostgreSQL) is then held for that insert and the commit, not while the booking is written.
    with transaction.atomic(), AuditEntry.objects.appended_at_end():
        stored = InboundMessage.objects.select_for_update().get(pk=pk)
        if stored.outcome and replayed_by is None:
            return stored  # another connection applied it while this one waited for the lock
        if replayed_by is not None and not stored.may_replay:
            return stored  # replayed by someone else meanwhile
        head = hl7.header(message)
        touched: Journey | Patient | None = None
        refusal: hl7.Refusal | None = None
        try:
            # A savepoint: a refusal half-way rolls back what the verbs wrote, and the outcome still commits.
            with transaction.atomic():
                touched = APPLY[head.action or ""](message, head, schedule_user(), now)
        except hl7.Refusal as exc:
            refusal = exc
        except JourneyError as exc:
            refusal = hl7.NotApplied(exc.message, location=FIELD_LOCATION.get(exc.field or "", ""))
        stored.outcome = refusal.ack_code if refusal else InboundMessage.Outcome.APPLIED
        stored.error = refusal.message if refusal else ""
        if isinstance(touched, Journey):
            stored.journey, stored.patient = touched, touched.patient
        elif isinstance(touched, Patient):
            stored.patient = touched
        stored.applied_at = now if refusal is None else None
        if replayed_by is not None:
            stored.replayed_at, stored.replayed_by = now, replayed_by
        if not stored.ack:
            stored.ack = hl7.ack(message, stored.outcome, refusal=refusal, now=now)
        stored.save(
            update_fields=["outcome", "error", "journey", "patient", "applied_at", "replayed_at", "replayed_by", "ack"]
        )
    return stored


# --- what each message type does ---


def _book(message: python_hl7.Message, head: hl7.Header, by: Any, now: dt.datetime) -> Journey:
    """SIU^S12: a new booking. The patient is found by MRN or registered."""
    booking = hl7.appointment(message)
    details = hl7.patient_details(message)
    day, scheduled_time = booking.day, booking.time
    if day is None or scheduled_time is None:
        raise hl7.NotApplied("The booking has no start time (AIS-4, or SCH-11.4).", hl7_code=101, location="AIS^1^4")
    existing = HospitalAppointment.objects.filter(appointment_id=booking.appointment_id).first()
    if existing is not None:
        raise hl7.NotApplied(
            f"Appointment {booking.appointment_id} is already booked; send S13 or S14 to change it.",
            hl7_code=205,
            location="SCH^1^2",
        )
    journey = Journey.objects.book(
        patient=details,
        pathway=_pathway(booking.service_code),
        day=day,
        scheduled_time=scheduled_time,
        bay=booking.bay,
        planned_levels=booking.levels,
        by=by,
        now=now,
        source=_source(booking),
        # The hospital's schedule plans each bay's day in turn: its bookings are planned hand-overs (the
        # board still flags two patients in progress in one bay).
        bay_handover=True,
    )
    HospitalAppointment.objects.create(
        appointment_id=booking.appointment_id, journey=journey, sender=head.sender, booked_at=now
    )
    return journey


def _reschedule(message: python_hl7.Message, head: hl7.Header, by: Any, now: dt.datetime) -> Journey:
    """SIU^S13: the appointment moves to another day or time (AIS-4, or SCH-11.4)."""
    booking = hl7.appointment(message)
    journey = _booked_journey(booking.appointment_id)
    if booking.start is None or booking.day is None or booking.time is None:
        raise hl7.NotApplied("The new start time is empty (AIS-4, or SCH-11.4).", hl7_code=101, location="AIS^1^4")
    journey.reschedule(day=booking.day, scheduled_time=booking.time, by=by, now=now, source=_source(booking))
    return journey


def _modify(message: python_hl7.Message, head: hl7.Header, by: Any, now: dt.datetime) -> Journey:
    """SIU^S14: the booking's bay (AIL-3), levels (AIS-11) or time changed; what the message leaves empty
    stays as it is. A start on another day reschedules; another procedure is refused (cancel and rebook)."""
    booking = hl7.appointment(message)
    journey = _booked_journey(booking.appointment_id)
    if booking.service_code and _pathway(booking.service_code) != journey.pathway:
        raise hl7.NotApplied(
            f"The procedure changed to {booking.service_code}: cancel this appointment (S15) and book it again "
            "(S12) on the new procedure.",
            location="AIS^1^3",
        )
    source = _source(booking)
    if booking.day is not None and booking.time is not None and booking.day != journey.day:
        journey.reschedule(day=booking.day, scheduled_time=booking.time, by=by, now=now, source=source)
    journey.change_booking(
        bay=booking.bay or None,
        planned_levels=booking.levels or None,
        scheduled_time=booking.time,
        by=by,
        now=now,
        source=source,
        bay_handover=True,  # as for a booking: the schedule plans the bay's turns
    )
    return journey


def _schedule_reason(occasion: str, text: str) -> tuple[Reason, str]:
    """SCH-6 as one of the unit's coded reasons: the reason whose code or wording it names, else the
    unit's "other" reason for that moment with the message's words (and where they came from)."""
    offered = Reason.objects.offered_for(occasion)
    named = text.strip()
    match = offered.filter(code__iexact=named).first() or offered.filter(label__iexact=named).first()
    if match is not None:
        return match, "the hospital's schedule"
    other = offered.filter(category=ReasonCategory.OTHER).first()
    if other is None:
        raise JourneyError(f"The unit's reasons have no “other” for: {Occasion(occasion).label.lower()}.")
    return other, f"{named or 'no reason given in the message'} (the hospital's schedule)"


def _cancel(message: python_hl7.Message, head: hl7.Header, by: Any, now: dt.datetime) -> Journey:
    """SIU^S15: the appointment is cancelled, with the reason from SCH-6."""
    booking = hl7.appointment(message)
    journey = _booked_journey(booking.appointment_id)
    arrived = journey.status != Journey.Status.SCHEDULED
    occasion = Occasion.CANCELLED_AFTER_ARRIVAL if arrived else Occasion.CANCELLED_BEFORE_ARRIVAL
    reason, detail = _schedule_reason(occasion, booking.reason)
    journey.cancel(reason=reason, detail=detail, by=by, now=now)
    return journey


def _did_not_arrive(message: python_hl7.Message, head: hl7.Header, by: Any, now: dt.datetime) -> Journey:
    """SIU^S26: the patient did not arrive, with the reason from SCH-6."""
    booking = hl7.appointment(message)
    journey = _booked_journey(booking.appointment_id)
    reason, detail = _schedule_reason(Occasion.DID_NOT_ARRIVE, booking.reason)
    journey.mark_did_not_arrive(reason=reason, detail=detail, by=by, now=now)
    return journey


def _update_patient(message: python_hl7.Message, head: hl7.Header, by: Any, now: dt.datetime) -> Patient | None:
    """ADT^A08: the patient's names or date of birth changed. A patient the unit has never booked is none
    of its business: answered AA, nothing written."""
    details = hl7.patient_details(message)
    patient = Patient.objects.filter(mrn=details.mrn).first()
    if patient is not None:
        patient.update_details(details, by=by, now=now)
    return patient


def _source(booking: hl7.Appointment) -> str:
    return f"the hospital's schedule (appointment {booking.appointment_id})"


def _pathway(code: str) -> Any:
    if not code:
        raise hl7.NotApplied("AIS-3, the procedure code, is empty.", hl7_code=101, location="AIS^1^3")
    service = ServiceCode.objects.select_related("pathway").filter(code=code).first()
    if service is None:
        raise hl7.NotApplied(
            f"Unknown procedure code {code} (AIS-3): the unit's admin can add it to the procedure codes, "
            "then replay this message.",
            hl7_code=103,
            location="AIS^1^3",
        )
    return service.pathway


def _booked_journey(appointment_id: str) -> Journey:
    link = HospitalAppointment.objects.select_related("journey").filter(appointment_id=appointment_id).first()
    if link is None:
        raise hl7.NotApplied(
            f"No booking for appointment {appointment_id} (SCH-2): it was never booked here.",
            hl7_code=204,
            location="SCH^1^2",
        )
    return link.journey


APPLY: dict[str, Callable[[python_hl7.Message, hl7.Header, Any, dt.datetime], Journey | Patient | None]] = {
    "book": _book,
    "reschedule": _reschedule,
    "modify": _modify,
    "cancel": _cancel,
    "did_not_arrive": _did_not_arrive,
    "update_patient": _update_patient,
}
