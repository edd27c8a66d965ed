"""The reports page and its CSV downloads: who may open them, what they show, what they refuse."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from journey import roles
from journey.models import Journey, Occasion
from tests.makers import coded, make_patient, make_stage, make_user

URL = reverse("reports")
CSV = reverse("reports-csv")
PERIOD = {"first": "2026-11-10", "last": "2026-11-10"}


@pytest.fixture
def unit(db):
    from journey.models import Pathway

    pathway = Pathway.objects.create(code="spine", name="Spine")
    make_stage(pathway, "consent", 10, target=20)
    make_stage(pathway, "prep", 20, target=30)
    return pathway


@pytest.fixture
def three_consents(unit, nurse):
    """Consent lasting 10, 25 and 40 minutes on 10 Nov 2026 (target 20: two over)."""
    start = datetime(2026, 11, 10, 8, tzinfo=UTC)
    for minutes in (10, 25, 40):
        journey = Journey.objects.book(
            patient=make_patient(),
            pathway=unit,
            day=start.date(),
            scheduled_time=start.time(),
            planned_levels="L1",
            by=nurse,
            now=start - timedelta(days=1),
        )
        journey.arrive(by=nurse, now=start)
        late = coded(Occasion.DELAY, "patient_late") if minutes > 20 else None
        journey.complete_stage(by=nurse, now=start + timedelta(minutes=minutes), delay_reason=late)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302
    assert client.get(CSV).status_code == 302


@pytest.mark.parametrize("role", [roles.COORDINATOR, roles.CLINICAL_LEAD, roles.UNIT_ADMIN])
def test_coordinators_leads_and_the_units_admin_open_the_reports(client, db, role):
    client.force_login(make_user(role))

    response = client.get(URL)

    assert response.status_code == 200
    assert b'href="/reports/"' in response.content  # the navigation shows them the way


@pytest.mark.parametrize("role", [roles.NURSE, roles.DISPLAY])
def test_a_nurse_or_the_display_may_not_open_the_reports(client, db, role):
    client.force_login(make_user(role))

    assert client.get(URL).status_code == 403
    assert client.get(CSV, PERIOD).status_code == 403


def test_a_nurse_is_not_shown_the_way_to_the_reports(client, nurse):
    client.force_login(nurse)

    assert b'href="/reports/"' not in client.get(reverse("today")).content


def test_the_page_shows_each_stage_against_its_target_for_the_chosen_period(client, coordinator, three_consents):
    client.force_login(coordinator)

    response = client.get(URL, {**PERIOD, "pathway": "spine"})

    body = response.content.decode()
    assert response.status_code == 200
    row = body.split('<th scope="row">Consent</th>', 1)[1].split("</tr>", 1)[0]
    # 10, 25, 40: median 25.0, p90 37.0 (h = 1.8: 25 + 0.8 * 15), target 20, 2 of 3 over.
    cells = [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in row.split("</td>")[:5]]
    assert cells == ["3", "25.0", "37.0", "20.0", "66.7% (2)"]
    charts = json.loads(body.split('id="report-charts" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert charts["weeks"] == ["w/c 09 Nov"]
    assert charts["stages"][0]["median"] == [25.0]


def test_the_page_loads_its_charts_from_our_own_files_only(client, coordinator, three_consents):
    client.force_login(coordinator)

    body = client.get(URL, PERIOD).content.decode()

    assert '<script src="/static/vendor/chartjs-4.6.1/chart.umd.min.js" defer></script>' in body
    assert "<script>" not in body  # data through json_script only; the CSP forbids inline script
    assert "http://" not in body
    assert "https://" not in body


def test_the_date_fields_hold_iso_dates_as_a_date_input_needs(client, coordinator):
    client.force_login(coordinator)

    body = client.get(URL, PERIOD).content.decode()

    assert 'name="first" value="2026-11-10"' in body


def test_a_period_ending_before_it_starts_is_refused_beside_the_field(client, coordinator):
    client.force_login(coordinator)

    response = client.get(URL, {"first": "2026-11-10", "last": "2026-11-01"})

    assert response.status_code == 422
    assert "The last day must be on or after the first." in response.content.decode()


def test_the_stages_csv_is_the_command_s_table(client, coordinator, three_consents):
    client.force_login(coordinator)

    response = client.get(CSV, {**PERIOD, "table": "stages"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="stages-20261110-20261110.csv"'
    assert response.content.decode().splitlines() == [
        "pathway,stage,completed,median_minutes,p90_minutes,target_minutes,over_target_pct",
        "spine,consent,3,25.0,37.0,20.0,66.7",
        "spine,prep,0,,,,",
    ]


@pytest.mark.parametrize(
    "table", ["stages", "weeks", "stage-reasons", "reasons", "discharge-gap", "discharge-gap-reasons", "indicators"]
)
def test_every_table_downloads_as_csv(client, coordinator, three_consents, table):
    client.force_login(coordinator)

    response = client.get(CSV, {**PERIOD, "table": table})

    assert response.status_code == 200
    assert response.content.decode().count("\n") >= 1


def test_an_unknown_table_is_not_found(client, coordinator):
    client.force_login(coordinator)

    assert client.get(CSV, {**PERIOD, "table": "patients"}).status_code == 404
