"""A coordinator opens the reports, changes the period, sees the charts drawn and downloads the CSV."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from journey.models import Journey, Occasion, Pathway
from tests.makers import coded, make_patient, make_stage

pytestmark = pytest.mark.django_db(transaction=True)


def _consents(nurse, pathway, day, minutes):
    start = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
    for taken in minutes:
        journey = Journey.objects.book(
            patient=make_patient(),
            pathway=pathway,
            day=day,
            scheduled_time=start.time(),
            planned_levels="L1",
            by=nurse,
            now=start - timedelta(days=1),
        )
        journey.arrive(by=nurse, now=start)
        late = coded(Occasion.DELAY, "patient_late") if taken > 20 else None
        journey.complete_stage(by=nurse, now=start + timedelta(minutes=taken), delay_reason=late)


def test_the_reports_answer_for_the_chosen_period_and_download_as_csv(new_page, live_server, sign_in, tmp_path):
    nurse = Journey._meta.get_field("created_by").related_model.objects.get(username="nurse")
    pathway = Pathway.objects.create(code="spine", name="Spine")
    make_stage(pathway, "consent", 10, target=20)
    make_stage(pathway, "discharge", 20, target=20, is_discharge=True)
    _consents(nurse, pathway, datetime(2026, 10, 6).date(), [10, 30])  # outside the first period shown
    _consents(nurse, pathway, datetime(2026, 11, 10).date(), [10, 25, 40])

    page = new_page()
    sign_in(page, "coordinator")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()

    page.get_by_label("From", exact=True).fill("2026-11-09")
    page.get_by_label("To (included)", exact=True).fill("2026-11-15")
    page.get_by_label("Pathway", exact=True).select_option(label="Spine")
    page.get_by_role("button", name="Show").click()

    consent = page.locator("tr", has=page.get_by_role("rowheader", name="Consent"))
    expect(consent).to_contain_text("25.0")  # the median of 10, 25, 40
    expect(consent).to_contain_text("66.7%")
    expect(consent).to_contain_text(coded(Occasion.DELAY, "patient_late").label)
    # Chart.js (served from our own static files under the CSP) drew the week's chart into its canvas.
    page.wait_for_function(
        "() => { const c = document.querySelector('canvas[data-week-chart]'); return c && window.Chart.getChart(c); }"
    )

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV: stages", exact=True).click()
    saved = tmp_path / "stages.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "stages-20261109-20261115.csv"
    assert saved.read_text().splitlines() == [
        "pathway,stage,completed,median_minutes,p90_minutes,target_minutes,over_target_pct",
        "spine,consent,3,25.0,37.0,20.0,66.7",
        "spine,discharge,0,,,,",
    ]
