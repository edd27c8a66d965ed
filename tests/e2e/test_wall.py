"""The wall at 1920x1080 reads across the room: 30 patients, nothing below the screen's edge (the rows
page by themselves), bay, stage and attention at a cap height of at least 40 px, and a sound a person
arms with one click that rings for a new red flag."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from journey.models import RedFlagKind
from tests.makers import make_journey, make_pathway, walk_to

pytestmark = pytest.mark.django_db(transaction=True)
WALL = {"width": 1920, "height": 1080}
PATIENTS = 30
TURN_MS = 12_000

# The cap height of an element's font, measured by the browser itself (the top of an "H" above its baseline).
CAP_HEIGHT = """element => {
  const style = getComputedStyle(element);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  return context.measureText("H").actualBoundingBoxAscent;
}"""


@pytest.fixture
def busy_day(demo_staff):
    """30 patients, every one with something on the attention column (no driver, over target) and
    stages with long names, so the rows are as tall as a real day makes them."""
    nurse = get_user_model().objects.get(username="nurse")
    pathway = make_pathway()
    now = timezone.now()
    stages = ["consent", "prep", "positioning", "injection", "recovery", "discharge"]
    journeys = []
    for n in range(PATIENTS):
        stage = stages[n % len(stages)]
        driver = ("", "") if stage == "consent" else ("Dee Driver", "07700 900111")
        journey = make_journey(pathway, nurse, day=timezone.localdate(now), driver=driver)
        walk_to(journey, stage, nurse, now=now - timedelta(minutes=90))
        journeys.append(journey)
    return journeys


def open_wall(new_page, sign_in, live_server):
    page = new_page()
    page.set_viewport_size(WALL)
    page.clock.install()
    sign_in(page, "coordinator")
    page.goto(f"{live_server.url}/board/wall/")
    return page


# Every row on show, read in one go (a poll's swap cannot land between two reads).
ROWS_SHOWN = """() => Array.from(document.querySelectorAll("tr.board-row:not(.off-page)")).map(row => {
  const box = row.getBoundingClientRect();
  return {href: row.querySelector("a").getAttribute("href"), top: box.top, bottom: box.bottom};
})"""


def test_the_wall_shows_30_patients_a_page_at_a_time_with_no_row_below_the_fold(
    new_page, sign_in, live_server, busy_day
):
    page = open_wall(new_page, sign_in, live_server)
    # Nothing changes during the test: polls are answered "not modified", so only the page turns move rows.
    page.route("**/board/rows/**", lambda route: route.fulfill(status=304))
    indicator = page.locator("[data-page-indicator]")
    expect(indicator).to_have_text(re.compile(r"Page 1 of \d+"))
    pages = int(indicator.inner_text().rsplit(" ", 1)[1])

    seen = []
    for number in range(1, pages + 1):
        expect(indicator).to_have_text(f"Page {number} of {pages}")
        rows = page.evaluate(ROWS_SHOWN)
        assert rows, f"page {number} is empty"
        for row in rows:
            assert row["top"] >= 0, f"page {number}: a row is above the screen"
            assert row["bottom"] <= WALL["height"], f"page {number}: a row is below the fold"
        assert page.evaluate("document.documentElement.scrollHeight") <= WALL["height"]
        seen += [row["href"] for row in rows]
        page.clock.run_for(TURN_MS)

    assert sorted(seen) == sorted(j.get_absolute_url() for j in busy_day)
    expect(indicator).to_have_text(f"Page 1 of {pages}")  # and round again
    print(f"\nwall 1920x1080, {PATIENTS} patients: {pages} pages, turning every {TURN_MS // 1000} s")


def test_bay_stage_and_attention_read_across_the_room_at_40_px_cap_height(new_page, sign_in, live_server, busy_day):
    page = open_wall(new_page, sign_in, live_server)
    shown = "tr.board-row:not(.off-page)"

    for selector in (f"{shown} td.bay", f"{shown} td.stage", f"{shown} .alert-badge"):
        heights = page.locator(selector).evaluate_all(f"elements => elements.map({CAP_HEIGHT})")
        assert heights, selector
        assert min(heights) >= 40, f"{selector}: cap height {min(heights):.1f} px"


def test_a_new_red_flag_sounds_once_the_sound_is_armed(new_page, sign_in, live_server, busy_day):
    page = open_wall(new_page, sign_in, live_server)
    toggle = page.locator("[data-sound-toggle]")
    expect(toggle).to_have_text(re.compile("Sound off"))
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_text(re.compile("Sound on"))
    chimes = int(page.evaluate("document.body.dataset.chimes || 0"))

    nurse = get_user_model().objects.get(username="nurse")
    busy_day[0].raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse)
    page.clock.run_for(10_500)

    expect(page.locator(".alert-red-flag").first).to_be_attached()
    page.wait_for_function(f"Number(document.body.dataset.chimes || 0) > {chimes}")
