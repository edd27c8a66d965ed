"""The read-only FHIR interface: an interface token opens it, nothing else does, and each read is audited."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from journey import fhir, fhir_checks, roles
from journey.models import AuditEntry, InterfaceToken
from tests.fhir_day import make_unit_day
from tests.makers import make_user

SEARCH = "/fhir/Encounter?date=2026-11-21"


@pytest.fixture
def day(pathway, nurse, lead, morning):
    return make_unit_day(pathway, nurse, lead, morning)


@pytest.fixture
def token(db, lead):
    return InterfaceToken.objects.issue(name="Trust integration engine", by=lead)


def _engine(plain: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


def _everything(journey) -> str:
    return reverse("fhir-encounter-everything", args=[journey.pk])


def _assert_refused(response, status: int = 401, code: str = "login") -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/fhir+json"
    body = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == code
    assert fhir_checks.check_resource(body) == []
    return body


def test_the_day_search_is_a_searchset_of_the_days_encounters(day, token):
    response = _engine(token[1]).get(SEARCH)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    bundle = json.loads(response.content)
    assert bundle["type"] == "searchset"
    assert bundle["total"] == len(day.journeys)
    matches = [e for e in bundle["entry"] if e["search"]["mode"] == "match"]
    assert sorted(e["resource"]["id"] for e in matches) == sorted(str(j.pk) for j in day.journeys)
    assert {e["resource"]["resourceType"] for e in matches} == {"Encounter"}
    assert matches[0]["fullUrl"] == f"http://testserver/fhir/Encounter/{matches[0]['resource']['id']}"
    # The Patients and Locations the Encounters name come along, so every reference resolves in the Bundle.
    included = {e["resource"]["resourceType"] for e in bundle["entry"] if e["search"]["mode"] == "include"}
    assert included == {"Patient", "Location"}
    assert fhir_checks.check_bundle(bundle) == []


def test_another_days_journeys_are_not_in_the_search(day, token):
    bundle = json.loads(_engine(token[1]).get("/fhir/Encounter?date=2026-11-22").content)

    assert bundle["total"] == 0
    assert "entry" not in bundle


def test_everything_is_every_resource_of_that_journey(day, token):
    response = _engine(token[1]).get(_everything(day.home))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    bundle = json.loads(response.content)
    resources = [e["resource"] for e in bundle["entry"]]
    assert resources == fhir.journey_resources(fhir.for_export(type(day.home).objects.filter(pk=day.home.pk)).get())
    assert resources[0] == {**resources[0], "resourceType": "Encounter", "id": str(day.home.pk)}
    kinds = {r["resourceType"] for r in resources}
    assert kinds == {
        "Encounter",
        "Patient",
        "Location",
        "Procedure",
        "Observation",
        "Flag",
        "Communication",
        "QuestionnaireResponse",
    }
    assert fhir_checks.check_bundle(bundle) == []


def test_each_journey_read_is_audited_under_the_tokens_name(day, token):
    client = _engine(token[1])
    client.get(SEARCH)
    client.get(_everything(day.home))

    rows = AuditEntry.objects.filter(action=AuditEntry.Action.VIEWED, username="Trust integration engine")
    assert rows.filter(user=None).count() == len(day.journeys) + 1
    assert sorted(set(rows.values_list("journey_id", flat=True))) == sorted(j.pk for j in day.journeys)
    last = rows.order_by("-seq").first()
    assert last.journey_id == day.home.pk
    assert last.patient_id == day.home.patient_id
    assert last.data == {"token": token[0].pk}
    assert "$everything" in last.summary
    assert AuditEntry.objects.verify().intact


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token {plain}", "bearer {plain}x"],
    ids=["missing", "empty", "wrong", "basic", "other-scheme", "altered"],
)
def test_a_missing_or_wrong_token_gets_a_401_operation_outcome_and_no_data(day, token, authorization):
    client = Client(HTTP_AUTHORIZATION=authorization.format(plain=token[1])) if authorization else Client()

    for url in (SEARCH, _everything(day.home)):
        response = client.get(url)
        _assert_refused(response)
        assert response["WWW-Authenticate"] == 'Bearer realm="fhir"'
        assert day.home.patient.mrn not in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VIEWED).exists()


def test_a_revoked_token_gets_a_401(day, token, lead):
    token[0].revoke(by=lead)

    _assert_refused(_engine(token[1]).get(SEARCH))


@pytest.mark.parametrize("role", ["nurse", "lead", "coordinator"])
def test_the_web_session_does_not_open_it(day, request, role):
    client = Client()
    client.force_login(request.getfixturevalue(role))

    for url in (SEARCH, _everything(day.home)):
        _assert_refused(client.get(url))


def test_the_scheme_name_is_case_insensitive(day, token):
    assert Client(HTTP_AUTHORIZATION=f"bearer {token[1]}").get(SEARCH).status_code == 200


def test_an_unknown_encounter_is_a_404_operation_outcome(day, token):
    client = _engine(token[1])

    for pk in ("999999", "abc", "9" * 40):
        _assert_refused(client.get(f"/fhir/Encounter/{pk}/$everything"), 404, "not-found")


@pytest.mark.parametrize(
    ("query", "code"),
    [("", "invalid"), ("?date=21/11/2026", "invalid"), ("?date=ge2026-11-21", "invalid"),
     ("?date=2026-11-21&date=2026-11-22", "invalid"), ("?date=2026-11-21&patient=1", "not-supported")],
)  # fmt: skip
def test_a_search_it_cannot_answer_is_a_400_operation_outcome(day, token, query, code):
    _assert_refused(_engine(token[1]).get(f"/fhir/Encounter{query}"), 400, code)


def test_the_eq_prefix_is_the_same_day(day, token):
    bundle = json.loads(_engine(token[1]).get("/fhir/Encounter?date=eq2026-11-21").content)

    assert bundle["total"] == len(day.journeys)


def test_it_is_read_only(day, token):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token[1]}")

    assert client.post(SEARCH, {}).status_code in (403, 405)
    assert client.put(_everything(day.home), "{}", content_type="application/fhir+json").status_code == 405
    assert client.delete(_everything(day.home)).status_code == 405


def test_the_unit_admin_creates_a_token_and_sees_its_secret_once(db):
    admin = make_user(roles.UNIT_ADMIN, is_staff=True)
    client = Client()
    client.force_login(admin)

    response = client.post(reverse("admin:journey_interfacetoken_add"), {"name": "Trust integration engine"})

    assert response.status_code == 200
    token = InterfaceToken.objects.get(name="Trust integration engine")
    plain = response.context["plain"]
    assert InterfaceToken.objects.authenticate(plain) == token
    assert plain in response.content.decode()
    assert token.created_by == admin
    page = client.get(reverse("admin:journey_interfacetoken_change", args=[token.pk])).content.decode()
    assert plain not in page
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ADMIN, user=admin).exists()


def test_the_unit_admin_revokes_a_token_from_the_list(db, lead):
    admin = make_user(roles.UNIT_ADMIN, is_staff=True)
    token, plain = InterfaceToken.objects.issue(name="Engine", by=lead)
    client = Client()
    client.force_login(admin)

    client.post(
        reverse("admin:journey_interfacetoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    token.refresh_from_db()
    assert token.revoked_by == admin
    assert InterfaceToken.objects.authenticate(plain) is None
    revoked = client.get(reverse("admin:journey_interfacetoken_changelist") + "?state=revoked")
    assert list(revoked.context["cl"].result_list) == [token]
    assert (
        client.post(reverse("admin:journey_interfacetoken_delete", args=[token.pk]), {"post": "yes"}).status_code == 403
    )


def test_a_nurse_cannot_reach_the_tokens_in_the_admin(db, nurse):
    client = Client()
    client.force_login(nurse)

    response = client.get(reverse("admin:journey_interfacetoken_changelist"))

    assert response.status_code == 302
