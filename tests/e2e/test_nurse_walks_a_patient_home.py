"""As the demo nurse, in a real browser: check a patient in and walk every stage to discharge.

The server's clock is moved with time-machine (the live server runs in this process); the browser's
clock is set separately, to show that the countdown follows the server, not the workstation.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from journey.models import Journey, Occasion
from tests.makers import coded, make_pathway

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.fixture
def server_clock(time_machine):
    time_machine.move_to(START, tick=True)
    return time_machine


@pytest.fixture
def pathway(transactional_db):
    return make_pathway()


def check_in(page: Page, pathway, driver=("Byron Lovelace", "07700 900111")) -> Journey:
    page.locator("nav").get_by_role("link", name="Check in a patient").click()
    page.get_by_label("MRN").fill("M777001")
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Lovelace")
    page.get_by_label("Date of birth").fill("1942-12-10")
    page.locator("#id_pathway").select_option(label=pathway.name)
    page.get_by_label("Booked time").fill("08:30")
    page.get_by_label("Bay").fill("4")
    page.get_by_label("Planned vertebral levels").fill("t12 l1")
    page.get_by_label("Driver's name").fill(driver[0])
    page.get_by_label("Driver's phone").fill(driver[1])
    page.get_by_role("button", name="Book the patient").click()
    expect(page.get_by_role("heading", name=re.compile("Ada Lovelace"))).to_be_visible()
    return Journey.objects.get(patient__mrn="M777001")


def settle(page: Page) -> None:
    """Wait for htmx to finish swapping the page body."""
    page.wait_for_load_state("networkidle")
    expect(page.locator(".htmx-request")).to_have_count(0)


def complete(page: Page, stage: str) -> None:
    page.get_by_role("button", name=f"Complete {stage}").click()
    settle(page)


def save(page: Page) -> None:
    page.get_by_role("button", name="Save answers").click()
    settle(page)


def test_a_nurse_checks_a_patient_in_and_walks_every_stage_to_discharge(page, sign_in, pathway, server_clock, settings):
    # The clock jumps two hours below; a real nurse is active through recovery, so idle sign-out is not the point.
    late = coded(Occasion.DELAY, "nurse_unavailable")  # the coded list (emptied with the tables between tests)
    settings.TRACKER_IDLE_TIMEOUT = timedelta(hours=3)
    sign_in(page)
    journey = check_in(page, pathway)
    page.get_by_role("button", name=re.compile("has arrived: start Consent")).click()
    settle(page)

    # Consent: refused with a reason until the required items are done.
    complete(page, "Consent")
    expect(page.get_by_role("alert")).to_contain_text("Consent cannot be completed yet: Identity: not yet answered.")
    page.get_by_label("Done").nth(0).check()
    page.get_by_label("Done").nth(1).check()
    expect(page.get_by_text("Unsaved answers: press Save or Complete.")).to_be_visible()
    complete(page, "Consent")
    expect(page.get_by_role("heading", name="Prep", exact=True)).to_be_visible()

    # Prep: a number answered and saved, with who answered it.
    page.locator("input.number-input").fill("132")
    save(page)
    expect(page.locator(".answered")).to_contain_text("132 mmHg · Sam Okafor")
    expect(page.get_by_text("Unsaved answers: press Save or Complete.")).to_be_hidden()
    complete(page, "Prep")

    # Positioning: the time-out levels must equal the planned levels.
    page.get_by_label("Yes").check()
    page.get_by_placeholder("e.g. T12, L1").fill("T12")
    complete(page, "Prone positioning")
    expect(page.get_by_role("alert")).to_contain_text("does not match the planned levels T12, L1")
    page.get_by_placeholder("e.g. T12, L1").fill("T12, L1")
    complete(page, "Prone positioning")

    # Injection: cement per planned level; leakage answered no.
    volumes = page.locator("input.number-input")
    volumes.nth(0).fill("4")
    volumes.nth(1).fill("3.5")
    page.get_by_label("No", exact=True).check()
    complete(page, "Injection")

    # Recovery: flat for two hours; the complete button waits, and the server refuses an early completion.
    expect(page.locator(".countdown")).to_contain_text("Flat until")
    page.get_by_label("Done").check()
    save(page)
    complete_recovery = page.get_by_role("button", name="Complete Flat recovery")
    expect(complete_recovery).to_be_disabled()
    complete_recovery.evaluate("button => { button.disabled = false; }")
    complete_recovery.click()
    settle(page)
    expect(page.get_by_role("alert")).to_contain_text("Flat recovery lasts at least 2 h")

    # Rounds are timed: each is recorded at its own time (the server's clock moved to it).
    for slot in Journey.objects.get(pk=journey.pk).current_visit.round_slots():
        server_clock.move_to(slot.due_at + timedelta(minutes=1), tick=True)
        page.reload()
        page.get_by_label("Systolic BP (mmHg)").fill("128")
        page.get_by_label("Diastolic BP (mmHg)").fill("76")
        page.get_by_label("Heart rate (bpm)").fill("72")
        page.get_by_label("Respiratory rate (/min)").fill("14")
        page.get_by_label("Oxygen saturation (%)").fill("97")
        page.get_by_label("Temperature (°C)").fill("36.9")
        page.get_by_label("Alert", exact=True).check()
        page.get_by_label("Pain score (0-10)").fill("2")
        page.get_by_label("Strength and sensation as at baseline").check()
        page.get_by_label("Dry").check()
        page.get_by_role("button", name="Record this round").click()
        settle(page)
    expect(page.get_by_text("Done", exact=False).filter(has_text=re.compile(r"^Done \d\d:\d\d$"))).to_have_count(6)

    server_clock.move_to(START + timedelta(hours=2, minutes=5), tick=True)
    page.reload()
    expect(page.get_by_role("button", name="Complete Flat recovery")).to_be_enabled()
    # Five minutes past the two-hour target: refused until the nurse says why, from the coded list.
    complete(page, "Flat recovery")
    expect(page.get_by_role("alert")).to_contain_text("choose the main reason for the delay")
    page.get_by_label("Main reason for the delay").select_option(label=str(late))
    complete(page, "Flat recovery")

    # Discharge: refused without a driver on record (recorded in place, on the driver item), then home.
    page.get_by_label("Driver's name").fill("")
    page.get_by_label("Driver's phone").fill("")
    for measure in range(5):
        page.locator("input[name^='item_'][value='2']").nth(measure).check()
    page.get_by_label("Yes").check()
    complete(page, "Discharge")
    expect(page.get_by_role("alert")).to_contain_text("record the driver's name and phone number on the journey first")

    page.get_by_label("Driver's name").fill("Byron Lovelace")
    page.get_by_label("Driver's phone").fill("07700 900111")
    complete(page, "Discharge")
    expect(page.get_by_role("heading", name="Gone home")).to_be_visible()
    journey.refresh_from_db()
    assert journey.status == Journey.Status.COMPLETED


def test_the_countdown_follows_the_server_when_the_workstation_clock_is_an_hour_wrong(
    new_page, live_server, sign_in, pathway, server_clock
):
    from tests.makers import make_journey, walk_to

    journey = make_journey(pathway, Journey._meta.get_field("created_by").related_model.objects.get(username="nurse"))
    walk_to(journey, "recovery", journey.created_by, now=START - timedelta(minutes=48))

    page = new_page()
    page.clock.install(time=START + timedelta(hours=1))  # the workstation's clock runs an hour fast
    sign_in(page)
    page.goto(f"{live_server.url}{journey.get_absolute_url()}")

    countdown = page.locator("[data-countdown-to]")
    expect(countdown).to_have_text("1 h 12 min left")
    page.clock.run_for(61_000)
    expect(countdown).to_have_text("1 h 11 min left")
    expect(page.locator("[data-elapsed]")).to_have_text("49 min of 2 h")
