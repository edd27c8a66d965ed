"""Default deny, proven over every URL the resolver knows: a view added without a line in ACCESS below
fails this file, so none can be forgotten.

For each URL: anonymous -> sign-in; each role -> allowed or 403 as ACCESS says; a write refuses GET
(405) and a POST without a CSRF token (403); no refusal carries patient data.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from journey import roles
from journey.demo import settled_round
from journey.models import RedFlagKind
from tests.makers import footprint, make_journey, make_pathway, make_user, walk_to

NURSE, COORDINATOR, LEAD, ADMIN, DISPLAY = "nurse", "coordinator", "lead", "admin", "display"
ROLES = {
    NURSE: roles.NURSE,
    COORDINATOR: roles.COORDINATOR,
    LEAD: roles.CLINICAL_LEAD,
    ADMIN: roles.UNIT_ADMIN,
    DISPLAY: roles.DISPLAY,
}
EVERY_ROLE = frozenset(ROLES)
CARE = frozenset({NURSE, LEAD})
CLINICAL = frozenset({NURSE, COORDINATOR, LEAD, ADMIN})  # every role that may see patient data
OPEN = "open"  # no sign-in needed
TOKEN = "token"  # an interface token only: anonymous and every session get a 401 (tests/tracker/test_fhir_api.py)

# URL name -> (method, roles allowed). Every other signed-in role gets 403.
ACCESS = {
    "today": ("GET", CLINICAL),
    "check-in": ("GET", frozenset({NURSE, COORDINATOR, LEAD})),
    "journey": ("GET", CLINICAL),
    "journey-discharge-sheet": ("GET", CLINICAL),
    "journey-family-card": ("GET", CLINICAL),
    "journey-start": ("POST", CARE),
    "journey-checklist": ("POST", CARE),
    "journey-round": ("POST", CARE),
    "journey-round-error": ("POST", CARE),
    "journey-red-flag": ("POST", CARE),
    "journey-escalation": ("POST", CARE),
    "journey-resolve": ("POST", frozenset({LEAD})),
    "journey-override": ("POST", frozenset({LEAD})),
    "journey-driver": ("POST", CARE),
    "journey-booking": ("POST", CARE),
    "journey-cancel": ("POST", frozenset({NURSE, COORDINATOR, LEAD})),
    "journey-round-missed": ("POST", frozenset({LEAD})),
    "journey-news2-review": ("POST", CARE),
    "journey-spo2-scale": ("POST", frozenset({LEAD})),
    "journey-handover": ("POST", CARE),
    "journey-handover-ack": ("POST", CARE),
    "handover-sheet": ("GET", CLINICAL),
    "journey-did-not-arrive": ("POST", frozenset({NURSE, COORDINATOR, LEAD})),
    "journey-return": ("POST", CARE),
    "journey-admit": ("POST", frozenset({LEAD})),
    "board": ("GET", CLINICAL),
    "board-wall": ("GET", CLINICAL),
    "board-poll": ("GET", CLINICAL),
    "board-public": ("GET", frozenset({DISPLAY})),
    "board-public-poll": ("GET", frozenset({DISPLAY})),
    "reports": ("GET", frozenset({COORDINATOR, LEAD, ADMIN})),
    "reports-csv": ("GET", frozenset({COORDINATOR, LEAD, ADMIN})),
    "login": ("GET", OPEN),
    "logout": ("POST", EVERY_ROLE),
    "stay-signed-in": ("POST", EVERY_ROLE),
    "health": ("GET", OPEN),
    "fhir-encounter-search": ("GET", TOKEN),
    "fhir-encounter-everything": ("GET", TOKEN),
}
# A role sent to its own page instead of refused: the display account opening Today goes to the public board.
REDIRECTED = {("today", DISPLAY): "board-public"}
WRITES = sorted(name for name, (method, _) in ACCESS.items() if method == "POST")


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = "") -> list[tuple[str, str, URLPattern]]:
    """(full name, route, pattern) for every URL pattern, descending into includes such as the admin."""
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _patterns(entry, prefix + str(entry.pattern), inner)
        else:
            found.append((f"{namespace}{entry.name}" if entry.name else "", prefix + str(entry.pattern), entry))
    return found


@pytest.fixture
def ward(db):
    """A journey in recovery with a recorded round and an open red flag: every id a URL can take."""
    nurse = make_user(roles.NURSE)
    journey = make_journey(make_pathway(), nurse)
    walk_to(journey, "recovery", nurse)
    observations = journey.record_round(settled_round(), by=nurse)
    flag = journey.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse)
    handover = journey.write_handover(
        occasion="into_recovery", situation="S", background="B", assessment="A", recommendation="R", by=nurse
    )
    users = {key: make_user(role, is_staff=(key == ADMIN)) for key, role in ROLES.items()}
    return {
        "journey": journey,
        "kwargs": {
            "pk": journey.pk,
            "flag_pk": flag.pk,
            "round_pk": observations.pk,
            "number": 1,
            "handover_pk": handover.pk,
        },
        "users": users,
        "secrets": [journey.patient.family_name, journey.patient.mrn],
    }


def _url(name: str, ward: dict) -> str:
    pattern = {n: p for n, _, p in _patterns(get_resolver())}[name]
    wanted = set(pattern.pattern.converters)
    return reverse(name, kwargs={k: v for k, v in ward["kwargs"].items() if k in wanted})


def _client(ward: dict, role: str | None, **options) -> Client:
    client = Client(**options)
    if role:
        client.force_login(ward["users"][role])
    return client


def _request(client: Client, method: str, url: str):
    return client.post(url, {}) if method == "POST" else client.get(url)


def _assert_no_patient_data(response, ward: dict) -> None:
    body = response.content.decode()
    for secret in ward["secrets"]:
        assert secret not in body, f"{response.request['PATH_INFO']} leaked {secret!r} in a refusal"


def test_every_named_url_of_the_ward_has_a_line_in_the_access_table():
    ours = {name for name, _, _ in _patterns(get_resolver()) if name and not name.startswith("admin:")}
    unnamed = [route for name, route, _ in _patterns(get_resolver()) if not name and not route.startswith("admin/")]

    assert ours == set(ACCESS), "add the new view to ACCESS with the roles it allows"
    assert unnamed == []


@pytest.mark.parametrize("name", sorted(ACCESS))
def test_anonymous_is_sent_to_sign_in_except_for_sign_in_and_the_health_check(ward, name):
    method, allowed = ACCESS[name]
    response = _request(_client(ward, None), method, _url(name, ward))

    if allowed == OPEN:
        assert response.status_code == 200
    elif allowed == TOKEN:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    _assert_no_patient_data(response, ward)


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("name", sorted(n for n, (_, allowed) in ACCESS.items() if allowed not in (OPEN, TOKEN)))
def test_each_role_is_allowed_or_refused_as_the_table_says(ward, name, role):
    method, allowed = ACCESS[name]
    before = footprint(ward["journey"])
    response = _request(_client(ward, role), method, _url(name, ward))

    if (name, role) in REDIRECTED:
        assert (response.status_code, response.url) == (302, reverse(REDIRECTED[name, role]))
    elif role in allowed:
        assert response.status_code not in (403, 404, 405), f"{role} refused {name}"
        assert response.status_code < 500
    else:
        assert response.status_code == 403, f"{role} reached {name}: {response.status_code}"
        _assert_no_patient_data(response, ward)
        assert footprint(ward["journey"]) == before


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("name", sorted(n for n, (_, allowed) in ACCESS.items() if allowed == TOKEN))
def test_no_roles_session_opens_a_token_only_url(ward, name, role):
    response = _client(ward, role).get(_url(name, ward))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/fhir+json"
    _assert_no_patient_data(response, ward)


@pytest.mark.parametrize("name", WRITES)
def test_every_write_refuses_get(ward, name):
    role = next(iter(sorted(ACCESS[name][1])))
    before = footprint(ward["journey"])

    response = _client(ward, role).get(_url(name, ward))

    assert response.status_code == 405
    assert footprint(ward["journey"]) == before


@pytest.mark.parametrize("name", WRITES)
def test_every_write_refuses_a_post_without_a_csrf_token(ward, name):
    role = next(iter(sorted(ACCESS[name][1])))
    client = _client(ward, role, enforce_csrf_checks=True)
    before = footprint(ward["journey"])

    response = client.post(_url(name, ward), {"version": ward["journey"].version, "note": "A reason long enough"})

    assert response.status_code == 403
    assert "This form had expired" in response.content.decode()
    _assert_no_patient_data(response, ward)
    assert footprint(ward["journey"]) == before


def test_the_admin_is_walked_too_anonymous_and_non_staff_never_reach_it(ward):
    # The admin's own sign-in and sign-out are sign-in pages like ours (and axes guards them the same way).
    sign_in = {"admin:login", "admin:logout"}
    admin_urls = [
        route for name, route, _ in _patterns(get_resolver()) if route.startswith("admin/") and name not in sign_in
    ]
    assert len(admin_urls) > 20
    values = {"<path:object_id>": str(ward["journey"].pk), "<app_label>": "journey", "<int:content_type_id>": "1"}
    for route in admin_urls:
        url = "/" + route.replace("^", "").replace("$", "")
        for placeholder, value in values.items():
            url = url.replace(placeholder, value)
        url = re.sub(r"\(\?P<app_label>[^)]*\)", "journey", url)
        url = re.sub(r"<[^>]+>", "x", url)
        for role in (None, NURSE, DISPLAY):
            response = _client(ward, role).get(url)
            assert response.status_code in (302, 404), f"{role} reached {url}"
            if response.status_code == 302:
                assert "/login/" in response.url
            _assert_no_patient_data(response, ward)


def test_the_units_admin_edits_pathways_but_cannot_delete_clinical_records(ward):
    client = _client(ward, ADMIN)
    journey = ward["journey"]

    assert client.get(reverse("admin:journey_pathway_changelist")).status_code == 200
    assert client.get(reverse("admin:journey_journey_change", args=[journey.pk])).status_code == 200
    assert client.post(reverse("admin:journey_journey_delete", args=[journey.pk]), {"post": "yes"}).status_code == 403
    assert (
        Group.objects.get(name=roles.UNIT_ADMIN).permissions.filter(codename__startswith="delete_journey").count() == 0
    )
