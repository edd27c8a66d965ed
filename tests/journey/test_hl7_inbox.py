"""Bookings from the hospital's schedule: each HL7 message stored, applied once through the domain's verbs,
and answered with an ACK carrying its control id."""

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journey import hl7, hl7_inbox
from journey.errors import JourneyError
from journey.models import AuditEntry, HospitalAppointment, InboundMessage, Journey, JourneyEvent, Patient, ServiceCode
from tests.hl7_messages import ack_fields, adt_a08, siu
from tests.makers import make_pathway, make_user

AA, AE, AR = "AA", "AE", "AR"


@pytest.fixture
def codes(pathway):
    kyphoplasty = make_pathway("kyphoplasty", "Kyphoplasty")
    ServiceCode.objects.create(code="VERTEBROPLASTY", pathway=pathway)
    ServiceCode.objects.create(code="kyphoplasty", pathway=kyphoplasty)
    return {"vertebroplasty": pathway, "kyphoplasty": kyphoplasty}


def receive(raw: bytes, **kwargs):
    return hl7_inbox.receive(raw, peer="127.0.0.1:5000", **kwargs)


# --- S12: a new booking ---


def test_a_new_booking_books_the_patient_on_the_mapped_pathway_and_answers_aa(codes, morning):
    stored = receive(siu(control_id="C-1", mrn="H1", family="Quinn", given="Margaret", levels=("L1", "T12")))

    assert ack_fields(stored.ack) == {"code": AA, "control_id": "C-1", "text": "", "error": ""}
    journey = Journey.objects.get()
    assert (journey.patient.mrn, journey.patient.full_name, journey.patient.date_of_birth) == (
        "H1",
        "Margaret Quinn",
        date(1948, 3, 12),
    )
    assert (journey.pathway, journey.day, journey.scheduled_time, journey.bay, journey.planned_levels) == (
        codes["vertebroplasty"],
        date(2026, 11, 21),
        time(9, 30),
        "4",
        ["T12", "L1"],
    )
    assert journey.hospital_appointment.appointment_id == "APT-1"
    assert (stored.outcome, stored.journey, stored.patient, stored.applied_at) == (
        AA,
        journey,
        journey.patient,
        morning,
    )


def test_the_procedure_code_is_matched_whatever_its_case(codes, morning):
    receive(siu(code="Kyphoplasty"))

    assert Journey.objects.get().pathway == codes["kyphoplasty"]


def test_the_booking_is_in_the_history_as_the_hospitals_schedule(codes, morning):
    receive(siu())

    event = JourneyEvent.objects.get()
    assert event.kind == JourneyEvent.Kind.BOOKED
    assert event.by.username == hl7_inbox.SCHEDULE_USERNAME
    assert "schedule" in event.by.get_full_name()
    assert not event.by.is_active
    assert not event.by.has_usable_password()
    assert AuditEntry.objects.filter(journey_id=event.journey_id, user=event.by).exists()


def test_a_known_mrn_books_the_patient_already_registered(codes, morning):
    receive(siu(appointment_id="A-1", mrn="H1", start="20261120093000"))
    receive(siu(appointment_id="A-2", mrn="H1", start="20261121093000"))

    assert Patient.objects.count() == 1
    assert Journey.objects.count() == 2


def test_the_mrn_is_the_identifier_of_the_configured_assigning_authority(codes, morning, settings):
    settings.TRACKER_HL7_ASSIGNING_AUTHORITY = "NHS"

    receive(siu(mrn="H1"))

    assert Patient.objects.get().mrn == "9434765919"


def test_the_start_time_falls_back_to_sch_11_when_ais_4_is_empty(codes, morning):
    raw = siu(start="20261121101500").replace(b"|L|20261121101500|", b"|L||")

    stored = receive(raw)

    assert stored.outcome == AA
    assert Journey.objects.get().scheduled_time == time(10, 15)


def test_a_start_time_with_an_offset_is_shown_in_the_units_time(codes, morning, settings):
    settings.TIME_ZONE = "Europe/London"

    receive(siu(start="20260701093000+0000"))

    assert Journey.objects.get().scheduled_time == time(10, 30)


# --- AE: understood, not applied ---


@pytest.mark.parametrize(
    ("message", "words"),
    [
        (siu(code="SPINAL-FUSION"), "Unknown procedure code SPINAL-FUSION (AIS-3)"),
        (siu(levels=("T13",)), "T13"),
        (siu(start=""), "no start time"),
        (siu(mrn="H1").replace(b"^^^HOSP^MR", b"^^^OTHER^MR"), "no MRN with assigning authority HOSP"),
        (siu(born=date(2030, 1, 1)), "in the future"),
        (siu(start="2026-11-21 09:30"), "not an HL7 date and time"),
    ],
)
def test_a_booking_the_unit_cannot_apply_is_answered_ae_with_a_readable_error(codes, morning, message, words):
    stored = receive(message)

    fields = ack_fields(stored.ack)
    assert (fields["code"], stored.outcome) == (AE, AE)
    assert words in fields["error"]
    assert words in stored.error
    assert fields["control_id"] == stored.control_id
    assert not Journey.objects.exists()
    assert not Patient.objects.exists()


def test_an_mrn_held_by_someone_else_is_refused_and_leaves_nothing_behind(codes, morning):
    receive(siu(appointment_id="A-1", mrn="H1", family="Quinn"))

    stored = receive(siu(appointment_id="A-2", mrn="H1", family="Other", start="20261122093000"))

    assert stored.outcome == AE
    assert "MRN H1 belongs to Margaret Quinn" in stored.error
    assert Journey.objects.count() == 1
    assert not HospitalAppointment.objects.filter(appointment_id="A-2").exists()


def test_the_same_appointment_booked_twice_under_a_new_control_id_is_refused(codes, morning):
    receive(siu(appointment_id="A-1"))

    stored = receive(siu(appointment_id="A-1"))

    assert stored.outcome == AE
    assert "already booked" in stored.error
    assert Journey.objects.count() == 1


# --- AR: rejected ---


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"PID|1||H1^^^HOSP^MR||Quinn^Margaret", "does not begin with an MSH segment"),
        (siu().replace(b"SIU^S12^SIU_S12", b"ORM^O01^ORM_O01"), "Message type ORM^O01 is not taken here"),
        (siu().replace(b"SIU^S12^SIU_S12", b"SIU^S99"), "Message type SIU^S99 is not taken here"),
        (siu(version="2.1"), "HL7 version 2.1 is not supported"),
        (siu(control_id="X").replace(b"|X|P|", b"||P|"), "MSH-10, the message control id, is empty"),
        (siu().replace(b"MSH|^~\\&", b"MSH|^^\\&"), "do not hold valid separators"),
        (siu() + b"MSH|^~\\&|A|B|||||SIU^S12|2|P|2.5\r", "one message per frame"),
        (siu(family="M\xfcller".encode("latin-1").decode("latin-1")).replace(b"M\xc3\xbcller", b"M\xfcller"), "UTF-8"),
        (siu(family="Nul\x00l"), "NUL"),
    ],
)
def test_a_message_that_is_not_hl7_we_take_is_answered_ar(codes, morning, raw, words):
    stored = receive(raw)

    fields = ack_fields(stored.ack)
    assert (fields["code"], stored.outcome) == (AR, AR)
    assert words in fields["error"], fields
    assert not Journey.objects.exists()
    assert InboundMessage.objects.get().raw  # kept as it came, for the interface team


def test_a_latin_1_message_that_says_so_in_msh_18_is_read(codes, morning):
    raw = siu(family="Muller").replace(b"|P|2.5", b"|P|2.5||||||8859/1").replace(b"Muller", b"M\xfcller")

    stored = receive(raw)

    assert stored.outcome == AA, stored.error
    assert Patient.objects.get().family_name == "Müller"


# --- never lost, never doubled ---


def test_the_same_control_id_twice_books_once_and_answers_the_first_ack_again(codes, morning):
    first = receive(siu(control_id="C-1"))

    again = receive(siu(control_id="C-1"))

    assert again.pk == first.pk
    assert again.ack == first.ack
    assert Journey.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_the_same_control_id_from_another_sender_is_another_message(codes, morning):
    receive(siu(control_id="C-1", appointment_id="A-1"))

    other = receive(siu(control_id="C-1", appointment_id="A-2", mrn="H2", sender=("CLINIC-PAS", "ANNEX")))

    assert other.outcome == AA
    assert InboundMessage.objects.count() == 2


def test_a_repeated_failure_is_answered_with_the_first_ae_and_not_retried(codes, morning):
    first = receive(siu(control_id="C-1", code="UNKNOWN"))
    ServiceCode.objects.create(code="UNKNOWN", pathway=codes["vertebroplasty"])

    again = receive(siu(control_id="C-1", code="UNKNOWN"))

    assert (again.outcome, again.ack) == (AE, first.ack)
    assert not Journey.objects.exists()


def test_a_message_stored_but_never_applied_is_applied_when_it_comes_again(codes, morning):
    """The listener stopped between storing and applying: the sender had no ACK, so it sends again."""
    raw = siu(control_id="C-1")
    InboundMessage.objects.create(
        received_at=morning, sender="HOSPITAL-PAS^GENERAL", control_id="C-1", message_type="SIU^S12", raw=raw.decode()
    )

    stored = receive(raw)

    assert stored.outcome == AA
    assert Journey.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_the_message_is_stored_before_it_is_applied(codes, morning):
    with CaptureQueriesContext(connection) as queries:
        receive(siu())

    writes = [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE"))]
    assert "journey_inboundmessage" in writes[0]
    assert any("journey_journey" in sql for sql in writes[1:])


def test_a_new_booking_costs_a_fixed_number_of_queries_its_audit_rows_last(codes, morning):
    receive(siu(control_id="C-0", appointment_id="APT-0", mrn="H0"))  # the schedule's user exists now

    # The message stored (one insert: in the listener, outside a transaction, it commits on its own; here
    # inside the test's, a savepoint and its release). Then one transaction (here a savepoint): the stored
    # row locked; a savepoint for the apply; the schedule's user; the appointment not yet booked; the
    # procedure code and its pathway; the booking's savepoint; the patient looked up, registered in a
    # savepoint of get_or_create's; the bay's holder; a free public code; the journey; its event; the
    # appointment; the outcome and ACK; and last the audit rows: on PostgreSQL the chain's lock, its head,
    # both rows in one insert.
    with CaptureQueriesContext(connection) as queries:
        receive(siu(control_id="C-1", appointment_id="APT-1", mrn="H1"))

    assert len(queries) == (26 if connection.vendor == "postgresql" else 25)
    statements = [q["sql"] for q in queries]
    assert statements[-3].startswith('SELECT "journey_auditentry"."seq"')
    assert statements[-2].startswith('INSERT INTO "journey_auditentry"')
    assert sum("journey_auditentry" in sql for sql in statements) == 2


# --- replay from the admin ---


def test_a_failed_message_is_applied_by_a_replay_once_the_code_is_mapped(codes, morning):
    failed = receive(siu(control_id="C-1", code="VP"))
    ServiceCode.objects.create(code="VP", pathway=codes["vertebroplasty"])
    admin = make_user("Unit admin")

    replayed = hl7_inbox.replay(failed, by=admin)

    assert (replayed.outcome, replayed.error, replayed.replayed_by) == (AA, "", admin)
    assert replayed.ack == failed.ack  # the ACK that was sent stays as it was sent
    assert Journey.objects.get().hospital_appointment.appointment_id == "APT-1"


def test_only_a_failed_message_can_be_replayed(codes, morning):
    applied = receive(siu())

    with pytest.raises(JourneyError, match="Only a message that failed"):
        hl7_inbox.replay(applied, by=make_user("Unit admin"))
    assert Journey.objects.count() == 1


# --- S15: cancelled ---


def test_a_cancellation_cancels_the_booking_with_the_messages_reason(codes, morning):
    receive(siu(appointment_id="A-1"))

    stored = receive(siu("S15", appointment_id="A-1", reason="PATUNWELL^Patient unwell"))

    journey = Journey.objects.get()
    assert (stored.outcome, journey.status) == (AA, Journey.Status.CANCELLED)
    assert "Patient unwell" in journey.events.last().summary


def test_a_cancellation_of_an_unknown_appointment_is_answered_ae(codes, morning):
    stored = receive(siu("S15", appointment_id="NEVER"))

    assert stored.outcome == AE
    assert "No booking for appointment NEVER" in stored.error


# --- S13: rescheduled ---


def test_a_reschedule_moves_the_booked_day_and_time(codes, morning):
    receive(siu(appointment_id="A-1", start="20261121093000"))

    stored = receive(siu("S13", appointment_id="A-1", start="20261124141500"))

    journey = Journey.objects.get()
    assert stored.outcome == AA
    assert (journey.day, journey.scheduled_time) == (date(2026, 11, 24), time(14, 15))
    event = journey.events.last()
    assert event.kind == JourneyEvent.Kind.RESCHEDULED
    assert "Rescheduled by the hospital's schedule (appointment A-1) to 24 Nov 2026 14:15" in event.summary


def test_a_reschedule_after_the_patient_arrived_is_answered_ae(codes, morning, nurse):
    receive(siu(appointment_id="A-1"))
    Journey.objects.get().arrive(by=nurse)

    stored = receive(siu("S13", appointment_id="A-1", start="20261124141500"))

    assert stored.outcome == AE
    assert "already arrived" in stored.error


def test_a_reschedule_of_an_unknown_appointment_is_answered_ae(codes, morning):
    stored = receive(siu("S13", appointment_id="NEVER"))

    assert (stored.outcome, stored.journey) == (AE, None)
    assert "No booking for appointment NEVER" in stored.error


# --- S14: modified ---


def test_a_modification_changes_the_bay_levels_and_time(codes, morning):
    receive(siu(appointment_id="A-1", bay="4", levels=("T12",), start="20261121093000"))

    stored = receive(siu("S14", appointment_id="A-1", bay="7", levels=("L1", "L2"), start="20261121101500"))

    journey = Journey.objects.get()
    assert stored.outcome == AA
    assert (journey.bay, journey.planned_levels, journey.scheduled_time) == ("7", ["L1", "L2"], time(10, 15))
    assert journey.events.last().kind == JourneyEvent.Kind.BOOKING_CHANGED
    assert "bay 7 (was 4)" in journey.events.last().summary


def test_a_modification_without_levels_keeps_the_planned_levels(codes, morning):
    receive(siu(appointment_id="A-1", levels=("T12", "L1")))

    receive(siu("S14", appointment_id="A-1", levels=(), bay="2"))

    assert Journey.objects.get().planned_levels == ["T12", "L1"]


def test_a_modification_to_another_procedure_is_refused(codes, morning):
    receive(siu(appointment_id="A-1"))

    stored = receive(siu("S14", appointment_id="A-1", code="KYPHOPLASTY"))

    assert stored.outcome == AE
    assert "cancel this appointment (S15)" in stored.error
    assert Journey.objects.get().pathway == codes["vertebroplasty"]


def test_a_modification_that_changes_nothing_is_applied_and_writes_nothing(codes, morning):
    receive(siu(appointment_id="A-1"))
    version = Journey.objects.get().version

    stored = receive(siu("S14", appointment_id="A-1"))

    assert stored.outcome == AA
    assert Journey.objects.get().version == version


# --- S26: did not arrive ---


def test_did_not_arrive_marks_the_journey_with_the_reason(codes, morning):
    receive(siu(appointment_id="A-1"))

    stored = receive(siu("S26", appointment_id="A-1", reason="DNA^Patient did not attend"))

    journey = Journey.objects.get()
    assert (stored.outcome, journey.status) == (AA, Journey.Status.DID_NOT_ARRIVE)
    assert "Patient did not attend" in journey.events.last().summary


def test_did_not_arrive_after_arrival_is_answered_ae(codes, morning, nurse):
    receive(siu(appointment_id="A-1"))
    Journey.objects.get().arrive(by=nurse)

    stored = receive(siu("S26", appointment_id="A-1"))

    assert stored.outcome == AE
    assert Journey.objects.get().status == Journey.Status.IN_PROGRESS


# --- ADT^A08: patient details ---


def test_patient_details_from_the_hospital_update_the_patient_and_are_audited(codes, morning):
    receive(siu(mrn="H1", family="Quinn", given="Margaret"))

    stored = receive(adt_a08(mrn="H1", family="Quinn-Jones", given="Margaret", born=date(1948, 3, 13)))

    patient = Patient.objects.get()
    assert (stored.outcome, stored.patient) == (AA, patient)
    assert (patient.family_name, patient.date_of_birth) == ("Quinn-Jones", date(1948, 3, 13))
    audit = AuditEntry.objects.filter(patient_id=patient.pk).last()
    assert "Patient details updated: Margaret Quinn-Jones" in audit.summary
    assert "was Margaret Quinn, born 12 Mar 1948" in audit.summary


def test_patient_details_for_a_patient_never_booked_here_are_acknowledged_and_ignored(codes, morning):
    stored = receive(adt_a08(mrn="H999"))

    assert (stored.outcome, stored.patient) == (AA, None)
    assert not Patient.objects.exists()


# --- levels to confirm ---


def test_a_booking_without_levels_lands_with_levels_to_confirm(codes, morning):
    stored = receive(siu(levels=()))

    journey = Journey.objects.get()
    assert stored.outcome == AA
    assert journey.planned_levels == []
    assert "levels to confirm" in journey.events.get().summary


def test_a_refusal_by_the_domain_names_the_field_that_carried_it(codes, morning):
    receive(siu(appointment_id="A-1", mrn="H1", family="Quinn"))

    stored = receive(siu(appointment_id="A-2", mrn="H1", family="Other", start="20261122093000"))

    assert "ERR||PID^1^3|" in stored.ack


def test_a_message_replayed_twice_at_once_is_applied_once(codes, morning):
    failed = receive(siu(control_id="C-1", code="VP"))
    ServiceCode.objects.create(code="VP", pathway=codes["vertebroplasty"])
    admin = make_user("Unit admin")
    stale_copy = InboundMessage.objects.get(pk=failed.pk)

    hl7_inbox.replay(failed, by=admin)
    again = hl7_inbox._apply_stored(stale_copy.pk, hl7.parse(stale_copy.raw), morning, replayed_by=admin)

    assert again.outcome == AA
    assert Journey.objects.count() == 1
