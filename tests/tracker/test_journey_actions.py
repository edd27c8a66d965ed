"""Every action on the journey page: who may post it, what it does, and how it refuses."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from journey import roles
from journey.demo import settled_round
from journey.models import Journey, Occasion, RedFlagKind
from tests.makers import answer, cancel, coded, footprint, make_user, walk_to


def _at(stage):
    return lambda journey, nurse: walk_to(journey, stage, nurse)


def _with_open_flag(journey, nurse):
    walk_to(journey, "recovery", nurse)
    return {"flag_pk": journey.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse).pk}


def _driver_changed_by_someone_else(journey, nurse):
    journey.update_driver(name="Someone Else", phone="07700 900333", by=nurse)


def _identity_changed_by_someone_else(journey, nurse):
    # The page showed Identity unanswered; since, someone ticked it and took the tick back.
    answer(journey, "identity", True, by=nurse)
    answer(journey, "identity", None, by=nurse)


@dataclass
class Action:
    name: str
    setup: Any
    data: dict
    allowed: str
    refused: str
    # What someone else does after the page was loaded that makes this action's page stale.
    stale: Any = _driver_changed_by_someone_else

    def url(self, journey, extra):
        return reverse(self.name, kwargs={"pk": journey.pk, **(extra or {})})


ROUND = {
    "systolic": 130,
    "diastolic": 80,
    "heart_rate": 70,
    "resp_rate": 14,
    "spo2": 97,
    "spo2_scale": 1,
    "temperature": "36.8",
    "consciousness": "A",
    "pain": 2,
    "legs": "as_baseline",
    "dressing": "dry",
}
SBAR = {
    "occasion": "into_recovery",
    "situation": "Ada, vertebroplasty T12 L1, in flat recovery",
    "background": "No allergies, cement 3 mL a level, no leakage",
    "assessment": "Settled, NEWS2 0",
    "recommendation": "Round 1 due at 08:15, driver confirmed",
}


def _left_early(journey, nurse):
    walk_to(journey, "recovery", nurse)
    journey.override_minimum(reason="Transfer flat on trolley", by=make_user(roles.CLINICAL_LEAD))
    return {"number": 1}


def _with_low_medium_round(journey, nurse):
    walk_to(journey, "recovery", nurse)
    confused = settled_round()
    confused.consciousness = "C"
    return {"round_pk": journey.record_round(confused, by=nurse).pk}


def _with_handover(journey, nurse):
    walk_to(journey, "recovery", nurse)
    handover = journey.write_handover(**SBAR, by=nurse)
    return {"handover_pk": handover.pk}


ACTIONS = [
    Action("journey-start", lambda j, n: None, {}, roles.NURSE, roles.COORDINATOR),
    Action(
        "journey-checklist",
        _at("consent"),
        {"item_{identity}": "on", "seen_{identity}": ""},
        roles.NURSE,
        roles.COORDINATOR,
        _identity_changed_by_someone_else,
    ),
    Action("journey-round", _at("recovery"), ROUND, roles.NURSE, roles.COORDINATOR),
    Action("journey-red-flag", _at("recovery"), {"kind": "breathless"}, roles.NURSE, roles.COORDINATOR),
    Action(
        "journey-escalation",
        _with_open_flag,
        {"told_who": "Dr Lead", "told_at": "07:59"},
        roles.NURSE,
        roles.COORDINATOR,
    ),
    Action("journey-resolve", _with_open_flag, {"note": "ECG normal, pain settled"}, roles.CLINICAL_LEAD, roles.NURSE),
    Action("journey-override", _at("recovery"), {"note": "Transfer flat on trolley"}, roles.CLINICAL_LEAD, roles.NURSE),
    Action(
        "journey-driver", _at("consent"), {"name": "New Driver", "phone": "07700 900222"}, roles.NURSE, roles.UNIT_ADMIN
    ),
    Action(
        "journey-cancel",
        lambda j, n: None,
        {"reason": "{cancelled_before_arrival}", "detail": "Patient unwell"},
        roles.COORDINATOR,
        roles.UNIT_ADMIN,
    ),
    Action(
        "journey-did-not-arrive",
        lambda j, n: None,
        {"reason": "{did_not_arrive}", "detail": "No answer on the phone"},
        roles.COORDINATOR,
        roles.UNIT_ADMIN,
    ),
    Action(
        "journey-return",
        _at("recovery"),
        {"reason": "{unplanned_return}", "detail": "Oozing at the puncture site"},
        roles.NURSE,
        roles.COORDINATOR,
    ),
    Action("journey-booking", _at("consent"), {"planned_levels": "L2", "bay": "5"}, roles.NURSE, roles.COORDINATOR),
    Action(
        "journey-round-missed", _left_early, {"reason": "Left early, flat on trolley"}, roles.CLINICAL_LEAD, roles.NURSE
    ),
    Action(
        "journey-news2-review",
        _with_low_medium_round,
        {"told_who": "Dr Lead, registrar", "told_at": "07:59"},
        roles.NURSE,
        roles.COORDINATOR,
    ),
    Action(
        "journey-spo2-scale",
        _at("recovery"),
        {"scale": 2, "reason": "Known COPD with CO2 retention"},
        roles.CLINICAL_LEAD,
        roles.NURSE,
    ),
    Action("journey-handover", _at("recovery"), SBAR, roles.NURSE, roles.COORDINATOR),
    Action("journey-handover-ack", _with_handover, {}, roles.NURSE, roles.COORDINATOR),
    Action(
        "journey-admit",
        _at("recovery"),
        {"reason": "{overnight}", "detail": "Driver stuck abroad"},
        roles.CLINICAL_LEAD,
        roles.NURSE,
    ),
]


@pytest.fixture(params=ACTIONS, ids=lambda a: a.name)
def action(request, journey, nurse):
    spec = request.param
    extra = spec.setup(journey, nurse)
    extra = extra if isinstance(extra, dict) else None
    journey.refresh_from_db()
    data = {"version": journey.version, **spec.data}
    if str(data.get("reason", "")).startswith("{"):  # the coded "other" for that occasion
        data["reason"] = coded(Occasion(data["reason"].strip("{}"))).pk
    if "item_{identity}" in data:
        identity = journey.current_visit.stage.items.get(code="identity").pk
        data[f"item_{identity}"] = data.pop("item_{identity}")
        data[f"seen_{identity}"] = data.pop("seen_{identity}")
    return spec, spec.url(journey, extra), data


def test_every_action_refuses_get(client, journey, action):
    spec, url, _ = action
    client.force_login(make_user(spec.allowed))

    assert client.get(url).status_code == 405


def test_every_action_sends_anonymous_visitors_to_sign_in_and_changes_nothing(client, journey, action):
    _, url, data = action
    before = footprint(journey)

    response = client.post(url, data)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert footprint(journey) == before


def test_every_action_is_refused_to_a_role_that_may_not_take_it(client, journey, action):
    spec, url, data = action
    client.force_login(make_user(spec.refused))
    before = footprint(journey)

    response = client.post(url, data)

    assert response.status_code == 403
    assert journey.patient.family_name.encode() not in response.content
    assert footprint(journey) == before


def test_every_action_taken_by_its_role_changes_the_journey_and_returns_to_it(client, journey, action):
    spec, url, data = action
    client.force_login(make_user(spec.allowed))
    version = journey.version

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == journey.get_absolute_url()
    journey.refresh_from_db()
    assert journey.version > version


def test_every_action_from_a_stale_page_is_refused_and_says_who_changed_it(client, journey, nurse, action):
    spec, url, data = action
    spec.stale(journey, nurse)
    client.force_login(make_user(spec.allowed))
    before = footprint(journey)

    response = client.post(url, data)  # still carries the version (or the answers) the page showed

    assert response.status_code == 409
    html = response.content.decode()
    assert "hanged by Nora Nurse at 08:00 since this page was loaded" in html
    assert "what you typed is kept" in html
    assert footprint(journey) == before


def test_an_htmx_action_gets_the_page_body_back_to_swap_in(client, journey, action):
    spec, url, data = action
    client.force_login(make_user(spec.allowed))

    response = client.post(url, data, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"data-server-now" in response.content


def test_an_htmx_action_from_a_signed_out_page_sends_the_whole_page_to_sign_in(client, journey, action):
    _, url, data = action

    response = client.post(url, data, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert b"password" not in response.content


def test_a_refused_completion_says_why_and_changes_nothing(client, journey, nurse):
    walk_to(journey, "consent", nurse)
    client.force_login(nurse)
    before = footprint(journey)

    response = client.post(
        reverse("journey-checklist", args=[journey.pk]), {"version": journey.version, "complete": ""}
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "Consent cannot be completed yet: Identity: not yet answered." in html
    assert footprint(journey) == before


def test_complete_saves_what_was_typed_first_then_closes_the_stage(client, journey, nurse):
    walk_to(journey, "consent", nurse)
    items = {i.code: i.pk for i in journey.current_visit.stage.items.all()}
    client.force_login(nurse)

    response = client.post(
        reverse("journey-checklist", args=[journey.pk]),
        {
            "version": journey.version,
            "complete": "",
            f"item_{items['identity']}": "on",
            f"item_{items['driver_confirmed']}": "on",
        },
    )

    assert response.status_code == 302
    journey.refresh_from_db()
    assert journey.current_visit.stage.code == "prep"


def test_a_refused_completion_keeps_the_answers_just_saved_and_the_page_can_go_on(client, journey, nurse):
    walk_to(journey, "consent", nurse)
    items = {i.code: i.pk for i in journey.current_visit.stage.items.all()}
    client.force_login(nurse)
    url = reverse("journey-checklist", args=[journey.pk])

    refused = client.post(url, {"version": journey.version, "complete": "", f"item_{items['identity']}": "on"})

    assert refused.status_code == 422
    assert "Driver confirmed: not yet answered." in refused.content.decode()
    journey.refresh_from_db()
    assert journey.current_visit.current_answers()[items["identity"]].value is True
    # The page now shows the saved answer, so pressing again (with the missing tick) is not refused as stale.
    form = refused.context["checklist"].form
    again = {name: form[name].value() or "" for name in form.fields if name.startswith("seen_")}
    again.update({"stage": form["stage"].value(), "complete": "", f"item_{items['identity']}": "on"})
    again[f"item_{items['driver_confirmed']}"] = "on"
    assert client.post(url, again).status_code == 302
    journey.refresh_from_db()
    assert journey.current_visit.stage.code == "prep"


def test_a_double_click_on_complete_closes_the_stage_once(client, journey, nurse):
    walk_to(journey, "consent", nurse)
    answer(journey, "identity", True, by=nurse)
    answer(journey, "driver_confirmed", True, by=nurse)
    client.force_login(nurse)
    items = {i.code: i.pk for i in journey.current_visit.stage.items.all()}
    ticked = {f"item_{items['identity']}": "on", f"item_{items['driver_confirmed']}": "on"}
    post = {"stage": journey.current_visit.stage_id, "complete": "", **ticked}
    url = reverse("journey-checklist", args=[journey.pk])

    first, second = client.post(url, post), client.post(url, post)

    assert (first.status_code, second.status_code) == (302, 409)
    assert journey.visits.filter(completed_at__isnull=False).count() == 1


def test_a_checklist_with_a_bad_answer_shows_it_beside_the_item_and_saves_none(client, journey, nurse):
    walk_to(journey, "positioning", nurse)
    items = {i.code: i for i in journey.current_visit.stage.items.all()}
    client.force_login(nurse)
    before = footprint(journey)

    response = client.post(
        reverse("journey-checklist", args=[journey.pk]),
        {
            "version": journey.version,
            f"item_{items['safe_prone'].pk}": "yes",
            f"item_{items['timeout_levels'].pk}": "T13",
        },
    )

    assert response.status_code == 422
    form = response.context["checklist"].form
    assert "“T13” is not a vertebral level" in form.errors[f"item_{items['timeout_levels'].pk}"][0]
    assert 'value="T13"' in response.content.decode()  # what was typed stays on the page
    assert footprint(journey) == before


def test_the_cement_volume_is_entered_per_planned_level(client, journey, nurse):
    walk_to(journey, "injection", nurse)
    cement = journey.current_visit.stage.items.get(code="cement_volume")
    client.force_login(nurse)

    client.post(
        reverse("journey-checklist", args=[journey.pk]),
        {"version": journey.version, f"item_{cement.pk}_T12": "4.5", f"item_{cement.pk}_L1": "8"},
    )

    standing = journey.current_visit.current_answers()[cement.pk]
    assert standing.value == {"T12": "4.5", "L1": "8"}
    assert standing.flag == "Cement volume: L1 8 mL above 7 mL"


def test_a_round_with_an_impossible_value_is_refused_beside_the_field(client, journey, nurse):
    walk_to(journey, "recovery", nurse)
    client.force_login(nurse)
    before = footprint(journey)

    response = client.post(
        reverse("journey-round", args=[journey.pk]), {**ROUND, "spo2": 130, "version": journey.version}
    )

    assert response.status_code == 422
    assert "spo2" in response.context["round_form"].form.errors
    assert footprint(journey) == before


def test_an_escalation_time_is_read_in_the_units_day(client, journey, nurse, morning):
    flag_pk = _with_open_flag(journey, nurse)["flag_pk"]
    journey.refresh_from_db()
    client.force_login(nurse)

    client.post(
        reverse("journey-escalation", args=[journey.pk, flag_pk]),
        {"version": journey.version, "told_who": "Dr Lead", "told_at": "07:58"},
    )

    flag = journey.red_flags.get()
    assert (flag.told_who, flag.told_at.isoformat()) == ("Dr Lead", "2026-11-21T07:58:00+00:00")


def test_nothing_can_be_done_to_a_cancelled_journey(client, journey, nurse):
    cancel(journey, nurse, "Patient unwell")
    client.force_login(nurse)

    response = client.post(reverse("journey-start", args=[journey.pk]), {"version": journey.version})

    assert response.status_code == 422
    assert "can no longer be changed" in response.content.decode()
    assert Journey.objects.get().status == Journey.Status.CANCELLED
