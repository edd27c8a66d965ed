"""Dates and times show the unit's 24-hour, year-first format whatever the browser's locale: a PC set to
en-US (whose own pickers would show 06:30 AM and 11/21/2026) types and reads 14:05 and 2026-11-21."""

import re

import pytest
from playwright.sync_api import expect

from journey.models import Journey
from tests.makers import make_pathway

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def us_page(browser):
    context = browser.new_context(locale="en-US", timezone_id="America/New_York")
    yield context.new_page()
    context.close()


def test_an_en_us_browser_books_in_24_hour_time_and_reads_it_back(us_page, sign_in, live_server):
    make_pathway()
    page = sign_in(us_page, "nurse")
    page.goto(f"{live_server.url}/check-in/")
    booked = page.get_by_label("Booked time")
    expect(booked).to_have_attribute("type", "text")
    expect(booked).to_have_attribute("placeholder", "HH:MM")
    expect(page.get_by_label("Day of the procedure")).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))

    page.get_by_label("MRN").fill("M777002")
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Lovelace")
    page.get_by_label("Date of birth").fill("10/12/1942")  # the unit's day/month/year
    page.locator("#id_pathway").select_option(label="Vertebroplasty")
    booked.fill("14:05")
    page.get_by_label("Planned vertebral levels").fill("L1")
    page.get_by_role("button", name="Book the patient").click()
    expect(page.get_by_role("heading", name=re.compile("Ada Lovelace"))).to_be_visible()

    journey = Journey.objects.get(patient__mrn="M777002")
    assert journey.scheduled_time.strftime("%H:%M") == "14:05"
    assert journey.patient.date_of_birth.isoformat() == "1942-12-10"
    page.goto(f"{live_server.url}/")
    expect(page.locator(f"#journey-{journey.pk}")).to_contain_text("14:05")
    expect(page.get_by_label("Day", exact=True)).to_have_attribute("type", "text")
