"""The audit trail: every clinical change and every view of a journey, with who, when and where from,
in a hash chain that reports the first row changed or removed."""

import itertools
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from journey.demo import settled_round
from journey.errors import JourneyError
from journey.models import AuditEntry, Journey, ObservationRound, Patient
from journey.models.audit import from_address
from tests.makers import answer, make_journey, walk_to

Action = AuditEntry.Action


def _verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_every_change_to_a_journey_is_in_the_audit_with_who_when_and_the_address(pathway, nurse, morning):
    with from_address("10.20.30.40"):
        journey = make_journey(pathway, nurse)
        journey.arrive(by=nurse)
        answer(journey, "identity", True, by=nurse)

    rows = list(AuditEntry.objects.filter(journey_id=journey.pk))
    assert [r.data["event"] for r in rows] == ["checked_in", "arrived", "answer"]
    assert {(r.user, r.address, r.at, r.patient_id) for r in rows} == {
        (nurse, "10.20.30.40", morning, journey.patient_id)
    }
    assert rows[-1].summary == journey.events.last().summary
    # One audit row per event: the event log and the audit never disagree on what happened.
    assert len(rows) == journey.events.count()


def test_a_refused_change_leaves_no_audit_row(journey, nurse):
    before = AuditEntry.objects.count()

    with pytest.raises(JourneyError):
        journey.complete_stage(by=nurse)

    assert AuditEntry.objects.count() == before


def test_opening_a_journey_or_its_discharge_sheet_is_recorded_with_the_workstations_address(client, journey, nurse):
    client.force_login(nurse)

    client.get(journey.get_absolute_url(), REMOTE_ADDR="10.0.0.7")
    client.get(reverse("journey-discharge-sheet", args=[journey.pk]), REMOTE_ADDR="10.0.0.7")

    views = AuditEntry.objects.filter(action=Action.VIEWED, journey_id=journey.pk)
    assert [v.summary for v in views] == ["Opened the journey page", "Printed the discharge sheet"]
    assert {(v.user, v.address) for v in views} == {(nurse, "10.0.0.7")}


def test_a_refused_view_is_not_a_view(client, journey, display):
    client.force_login(display)

    assert client.get(journey.get_absolute_url()).status_code == 403
    assert not AuditEntry.objects.filter(action=Action.VIEWED).exists()


def test_sign_ins_refused_sign_ins_and_sign_outs_are_recorded(client, nurse):
    client.post(reverse("login"), {"username": nurse.username, "password": "wrong"}, REMOTE_ADDR="10.0.0.8")
    client.post(reverse("login"), {"username": nurse.username, "password": "test-password-long-enough"})
    client.post(reverse("logout"))

    actions = list(AuditEntry.objects.values_list("action", "address"))
    assert actions == [
        (Action.SIGN_IN_FAILED, "10.0.0.8"),
        (Action.SIGNED_IN, "127.0.0.1"),
        (Action.SIGNED_OUT, "127.0.0.1"),
    ]


def test_the_chain_links_every_row_to_the_one_before(journey, nurse):
    walk_to(journey, "prep", nurse)

    rows = list(AuditEntry.objects.all())
    assert rows[0].previous_hash == "0" * 64
    assert all(later.previous_hash == earlier.hash for earlier, later in itertools.pairwise(rows))
    assert f"Audit chain intact: {len(rows)} entries. Head {rows[-1].seq}:{rows[-1].hash}." in _verify()


def test_the_audit_cannot_be_changed_or_deleted_through_the_application(journey):
    row = AuditEntry.objects.first()
    row.summary = "Edited"

    with pytest.raises(JourneyError):
        row.save()
    with pytest.raises(JourneyError):
        row.delete()
    with pytest.raises(JourneyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(JourneyError):
        AuditEntry.objects.update(summary="x")


def test_clinical_records_are_never_deleted_one_by_one_in_bulk_or_by_cascade(journey, nurse):
    walk_to(journey, "prep", nurse)

    for model in (Journey, Patient):
        with pytest.raises(JourneyError, match="never deleted"):
            model.objects.all().delete()
    with pytest.raises(JourneyError, match="never deleted"):
        journey.delete()
    with pytest.raises(JourneyError, match="never deleted"):
        journey.visits.first().delete()
    assert Journey.objects.filter(pk=journey.pk).exists()


def test_every_clinical_record_refuses_a_bulk_delete_through_its_manager(db):
    from django.apps import apps

    from journey.models.records import ClinicalRecord

    records = [m for m in apps.get_app_config("journey").get_models() if issubclass(m, ClinicalRecord)]

    assert len(records) >= 7
    for model in records:
        with pytest.raises(JourneyError, match="never deleted"):
            model.objects.all().delete()
        with pytest.raises(JourneyError, match="never deleted"):
            model._default_manager.all().delete()


def test_a_round_recorded_by_mistake_is_marked_entered_in_error_kept_and_its_slot_reopens(journey, nurse):
    walk_to(journey, "recovery", nurse)
    due = journey.current_visit.round_slots()[0].due_at
    wrong = journey.record_round(settled_round(), by=nurse, now=due)

    journey.mark_round_entered_in_error(wrong, reason="Recorded on the wrong patient's page", by=nurse, now=due)

    wrong.refresh_from_db()
    assert wrong.is_entered_in_error
    assert wrong.entered_in_error_by == nurse
    assert journey.current_visit.round_slots(due)[0].done is None
    again = journey.record_round(settled_round(), by=nurse, now=due)
    assert again.number == wrong.number == 1
    assert ObservationRound.objects.filter(visit=journey.current_visit).count() == 2
    marked = journey.events.get(kind="entered_in_error")
    assert marked.summary == "Round 1 (recorded 08:15) marked as entered in error: Recorded on the wrong patient's page"


def test_entered_in_error_needs_a_reason_and_only_once(journey, nurse):
    walk_to(journey, "recovery", nurse)
    wrong = journey.record_round(settled_round(), by=nurse)

    with pytest.raises(JourneyError, match="Write why this round is wrong"):
        journey.mark_round_entered_in_error(wrong, reason="oops", by=nurse)
    journey.mark_round_entered_in_error(wrong, reason="Values typed into the wrong row", by=nurse)
    with pytest.raises(JourneyError, match="already marked as entered in error"):
        journey.mark_round_entered_in_error(wrong, reason="Values typed into the wrong row", by=nurse)


def test_the_nurse_marks_a_round_entered_in_error_from_the_journey_page(client, journey, nurse):
    walk_to(journey, "recovery", nurse)
    wrong = journey.record_round(settled_round(), by=nurse)
    journey.refresh_from_db()
    client.force_login(nurse)

    page = client.get(journey.get_absolute_url()).content.decode()
    assert "A round was recorded by mistake?" in page
    response = client.post(
        reverse("journey-round-error", args=[journey.pk, wrong.pk]),
        {"version": journey.version, "note": "Typed into the wrong patient"},
        follow=True,
    )

    html = response.content.decode()
    assert "Entered in error" in html
    assert "Typed into the wrong patient" in html
