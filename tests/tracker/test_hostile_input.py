"""Hostile input, generated with hypothesis, against every form and every POST endpoint.

Whatever is posted - empty, 10,000 characters, NUL bytes, right-to-left marks, emoji, SQL and script
payloads, numbers out of range, impossible and DST-gap times, another journey's ids, a stale version -
the answer is a form error or a 4xx, never a 5xx; a refusal writes nothing; nothing comes back unescaped.
"""

from datetime import date

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journey import roles
from journey.demo import settled_round
from journey.models import Journey, Patient, RedFlagKind
from tests.makers import footprint, make_journey, make_pathway, make_user, walk_to
from tests.tracker.test_url_walk import WRITES

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "x" * 10_000,
            "a\x00b",
            "\x00",
            "\u202eevil\u202c",
            "\u200f\u200e",
            "😷🦴💉" * 40,
            "'; DROP TABLE journey_journey; --",
            "1 OR 1=1",
            SCRIPT,
            IMG,
            "{{ 7*7 }}{% debug %}",
            "../../etc/passwd",
            "-1",
            "0",
            "99999999999999999999",
            "1e308",
            "NaN",
            "-0.0",
            "T12, L1",
            "T12 T12 T12",
            "L6",
            "C0",
            "07700 900123",
            "+44 (0)7700 900123",
            "yes",
            "no",
            "on",
        ]
    ),
    st.text(max_size=60),
)
HOSTILE_TIME = st.sampled_from(["01:30", "00:59", "24:00", "25:61", "-1:00", "12:60", "23:59:60", "", "noon", "7"])
HOSTILE_DATE = st.sampled_from(
    ["2026-02-30", "2026-13-01", "0000-00-00", "9999-12-31", "1800-01-01", "2026-03-29", "", "yesterday"]
)
HOSTILE_NUMBER = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str), st.sampled_from(["", "1.5", "1e3", "١٢٠"])
)

FIELDS = {
    "note": HOSTILE_TEXT,
    "name": HOSTILE_TEXT,
    "phone": HOSTILE_TEXT,
    "detail": HOSTILE_TEXT,
    "kind": st.one_of(st.sampled_from(RedFlagKind.values), HOSTILE_TEXT),
    "told_who": HOSTILE_TEXT,
    "told_at": HOSTILE_TIME,
    "systolic": HOSTILE_NUMBER,
    "diastolic": HOSTILE_NUMBER,
    "heart_rate": HOSTILE_NUMBER,
    "resp_rate": HOSTILE_NUMBER,
    "spo2": HOSTILE_NUMBER,
    "pain": HOSTILE_NUMBER,
    "legs": st.one_of(st.just("as_baseline"), HOSTILE_TEXT),
    "dressing": st.one_of(st.just("dry"), HOSTILE_TEXT),
    "complete": st.sampled_from(["", "1"]),
    "temperature": st.one_of(HOSTILE_NUMBER, st.sampled_from(["36.8", "36.85", "NaN", "Infinity", "-0.0", "1e400"])),
    "consciousness": st.one_of(st.sampled_from(["A", "C", "V", "P", "U"]), HOSTILE_TEXT),
    "on_oxygen": st.sampled_from(["", "on", "off", "1", "0"]),
    "spo2_scale": st.one_of(st.sampled_from(["1", "2"]), HOSTILE_NUMBER),
    "scale": st.one_of(st.sampled_from(["1", "2"]), HOSTILE_NUMBER),
    "reason": HOSTILE_TEXT,
    "occasion": st.one_of(st.sampled_from(["into_recovery", "change_of_nurse"]), HOSTILE_TEXT),
    "situation": HOSTILE_TEXT,
    "background": HOSTILE_TEXT,
    "assessment": HOSTILE_TEXT,
    "recommendation": HOSTILE_TEXT,
}
CHECK_IN = {
    "mrn": HOSTILE_TEXT,
    "given_name": HOSTILE_TEXT,
    "family_name": HOSTILE_TEXT,
    "date_of_birth": HOSTILE_DATE,
    "pathway": st.one_of(HOSTILE_NUMBER, st.just("1")),
    "day": HOSTILE_DATE,
    "scheduled_time": HOSTILE_TIME,
    "bay": HOSTILE_TEXT,
    "planned_levels": HOSTILE_TEXT,
    "driver_name": HOSTILE_TEXT,
    "driver_phone": HOSTILE_TEXT,
}
HYPOTHESIS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture
def ward(db, time_machine):
    time_machine.move_to("2026-03-29 09:00:00+01:00", tick=False)  # the day the UK's clocks go forward
    lead = make_user(roles.CLINICAL_LEAD)
    pathway = make_pathway()
    journey = make_journey(pathway, lead, day=date(2026, 3, 29))
    walk_to(journey, "recovery", lead)
    observations = journey.record_round(settled_round(), by=lead)
    flag = journey.raise_red_flag(RedFlagKind.CHEST_PAIN, by=lead)
    other = make_journey(pathway, lead, day=date(2026, 3, 29))
    walk_to(other, "recovery", lead)
    other_round = other.record_round(settled_round(), by=lead)
    other_flag = other.raise_red_flag(RedFlagKind.CHEST_PAIN, by=lead)
    sbar = {"situation": "S", "background": "B", "assessment": "A", "recommendation": "R"}
    handover = journey.write_handover(occasion="into_recovery", **sbar, by=lead)
    other_handover = other.write_handover(occasion="into_recovery", **sbar, by=lead)
    journey.refresh_from_db()
    client = Client()
    client.force_login(lead)
    items = [f"item_{i.pk}" for i in journey.current_visit.stage.items.all()]
    return {
        "client": client,
        "journey": journey,
        "other": other,
        "own": {"flag_pk": flag.pk, "round_pk": observations.pk, "handover_pk": handover.pk, "number": 1},
        "foreign": {
            "flag_pk": other_flag.pk,
            "round_pk": other_round.pk,
            "handover_pk": other_handover.pk,
            "number": 1,
        },
        "items": items,
    }


def _assert_refusal_safe(response, before, journey, posted: dict, *, saves_first: bool = False) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        after = footprint(journey)
        if saves_first and after != before:
            # Save-and-complete keeps what the nurse typed even when the stage may not close yet (by
            # design: typed answers are never lost). Only answers may have been written, nothing more.
            version, status, driver_name, driver_phone, visits, done, _, _ = before
            assert after[1:6] == (status, driver_name, driver_phone, visits, done)
            new_kinds = set(journey.events.filter(version__gt=version).values_list("kind", flat=True))
            assert new_kinds <= {"answer", "red_flag"}
        else:
            assert after == before
    body = response.content.decode(errors="replace")
    for value in posted.values():
        if value in (SCRIPT, IMG):
            assert value not in body


@pytest.mark.parametrize("name", [n for n in WRITES if n not in ("logout", "stay-signed-in")])
@HYPOTHESIS
@given(data=st.data())
def test_every_post_endpoint_answers_hostile_values_with_a_form_error_or_a_4xx(settings, ward, name, data):
    settings.TIME_ZONE = "Europe/London"
    journey = ward["journey"]
    whose = data.draw(st.sampled_from(["own", "foreign"]), label="ids")
    fields = dict(FIELDS.items())
    fields.update(dict.fromkeys(ward["items"], HOSTILE_TEXT))
    posted = data.draw(st.fixed_dictionaries({}, optional=fields), label="form")
    posted["version"] = data.draw(
        st.sampled_from([str(journey.version), str(journey.version - 1), "0", "-1", "x", "", "10" * 12]),
        label="version",
    )
    pattern_kwargs = {"pk": journey.pk, **ward[whose]}
    url = _reverse(name, pattern_kwargs)

    with transaction.atomic():  # each example starts from the same journey
        before = footprint(journey)
        response = ward["client"].post(url, posted)
        _assert_refusal_safe(
            response, before, journey, posted, saves_first=name == "journey-checklist" and "complete" in posted
        )
        foreign_id = "flag_pk" in url or "round" in name or "escalation" in name or "handover-ack" in name
        if whose == "foreign" and foreign_id and name != "journey-round-missed":
            assert response.status_code in (404, 422)
        transaction.set_rollback(True)
    journey.refresh_from_db()


def _reverse(name: str, kwargs: dict) -> str:
    for wanted in (("pk", "flag_pk"), ("pk", "round_pk"), ("pk", "handover_pk"), ("pk", "number"), ("pk",)):
        try:
            return reverse(name, kwargs={k: kwargs[k] for k in wanted})
        except Exception:
            continue
    raise AssertionError(f"no way to reverse {name}")


@HYPOTHESIS
@given(posted=st.fixed_dictionaries({}, optional=CHECK_IN))
def test_check_in_answers_hostile_values_with_a_form_error_and_registers_nobody(ward, posted):
    with transaction.atomic():
        patients, journeys = Patient.objects.count(), Journey.objects.count()
        response = ward["client"].post(reverse("check-in"), posted)

        assert response.status_code in (302, 422), response.content[:300]
        if response.status_code == 422:
            assert (Patient.objects.count(), Journey.objects.count()) == (patients, journeys)
        body = response.content.decode()
        assert SCRIPT not in body
        assert IMG not in body
        transaction.set_rollback(True)


@HYPOTHESIS
@given(query=HOSTILE_TEXT, day=HOSTILE_DATE, stage=HOSTILE_TEXT, bay=HOSTILE_TEXT)
def test_the_lists_and_the_board_answer_hostile_queries_without_failing(ward, query, day, stage, bay):
    client = ward["client"]
    for response in (
        client.get(reverse("today"), {"q": query, "day": day}),
        client.get(reverse("board"), {"stage": stage, "bay": bay, "attention": query}),
        client.get(reverse("board-poll"), {"stage": stage, "bay": bay}),
    ):
        assert response.status_code == 200
        body = response.content.decode()
        assert SCRIPT not in body
        assert IMG not in body


def test_the_sign_in_form_answers_hostile_values_without_failing(client, db):
    for value in ("", "a\x00b", "x" * 10_000, SCRIPT, "'; DROP TABLE auth_user; --", "\u202e"):
        response = client.post(reverse("login"), {"username": value, "password": value})
        assert response.status_code in (200, 429)
        assert SCRIPT not in response.content.decode()
