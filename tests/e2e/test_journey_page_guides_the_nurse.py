"""The journey page in a real browser at a ward PC's 1366x768: feedback where the nurse looks, labels that
reach their own field, focus never under the sticky bar, two nurses at one checklist, and the right page
after signing in."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from journey import demo
from journey.models import Journey, RedFlagKind
from tests.makers import make_journey, make_pathway, walk_to

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
WARD_PC = {"width": 1366, "height": 768}


@pytest.fixture
def server_clock(time_machine):
    time_machine.move_to(START, tick=True)
    return time_machine


@pytest.fixture
def journey(demo_staff, server_clock):
    nurse = get_user_model().objects.get(username="nurse")
    return make_journey(make_pathway(), nurse, now=START)


@pytest.fixture
def ward_page(new_page):
    def open_page() -> Page:
        page = new_page()
        page.set_viewport_size(WARD_PC)
        return page

    return open_page


def settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    expect(page.locator(".htmx-request")).to_have_count(0)


def open_journey(page: Page, live_server, sign_in, journey: Journey, username: str = "nurse") -> Page:
    sign_in(page, username)
    page.goto(f"{live_server.url}{journey.get_absolute_url()}")
    return page


def in_viewport(page: Page, selector: str) -> bool:
    return page.evaluate(
        """sel => { const r = document.querySelector(sel).getBoundingClientRect();
                    return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }""",
        selector,
    )


def focused_id(page: Page) -> str:
    return page.evaluate("() => document.activeElement.id")


def test_a_refused_complete_puts_the_reason_and_what_is_missing_in_view_and_focused(
    ward_page, live_server, sign_in, journey
):
    walk_to(journey, "consent", journey.created_by, now=START)
    page = open_journey(ward_page(), live_server, sign_in, journey)

    page.get_by_role("button", name="Complete Consent").click()
    settle(page)

    refusal = page.locator("#checklist-refusal")
    expect(refusal).to_contain_text("Consent cannot be completed yet")
    expect(refusal).to_be_focused()
    assert in_viewport(page, "#checklist-refusal")
    page.screenshot(path="/tmp/h10a/journey-refused-complete.png")
    # Each missing item is a link that jumps to its input.
    refusal.get_by_role("link", name=re.compile("Identity")).click()
    expect(page.locator(f"#checklist-item_{journey.current_visit.stage.items.get(code='identity').pk}")).to_be_focused()


def test_a_successful_complete_confirms_it_and_moves_focus_to_the_new_stage(ward_page, live_server, sign_in, journey):
    walk_to(journey, "consent", journey.created_by, now=START)
    page = open_journey(ward_page(), live_server, sign_in, journey)

    page.get_by_label("Done").nth(0).check()
    page.get_by_label("Done").nth(1).check()
    page.get_by_role("button", name="Complete Consent").click()
    settle(page)

    expect(page.get_by_role("status").filter(has_text="Consent completed")).to_contain_text(
        re.compile(r"Consent completed \d\d:\d\d by Sam Okafor - Prep started")
    )
    heading = page.locator("#stage-heading")
    expect(heading).to_have_text("Prep")
    expect(heading).to_be_focused()
    assert in_viewport(page, "#stage-heading")
    page.screenshot(path="/tmp/h10a/journey-completed.png")


def test_the_summary_at_the_top_says_what_is_missing_and_complete_does_not_look_ready(
    ward_page, live_server, sign_in, journey
):
    walk_to(journey, "consent", journey.created_by, now=START)
    page = open_journey(ward_page(), live_server, sign_in, journey)

    summary = page.locator(".journey-summary")
    expect(summary).to_contain_text("2 things missing")
    assert in_viewport(page, ".journey-summary")
    expect(page.locator("#sticky-missing")).to_have_text("2 still needed")
    expect(page.get_by_role("button", name="Complete Consent")).to_have_class(re.compile("not-ready"))
    page.screenshot(path="/tmp/h10a/journey-summary-consent.png")


def test_tab_never_lands_on_a_field_hidden_by_the_sticky_bar(ward_page, live_server, sign_in, journey):
    walk_to(journey, "discharge", journey.created_by, now=START)
    page = ward_page()
    page.emulate_media(reduced_motion="reduce")  # Bootstrap's smooth scrolling off: measure where focus settles
    open_journey(page, live_server, sign_in, journey)
    page.locator("body").click(position={"x": 5, "y": 5})

    hidden = []
    for _ in range(70):
        page.keyboard.press("Tab")
        hidden += page.evaluate(
            """() => {
                const el = document.activeElement, bar = document.querySelector('.sticky-actions');
                if (!bar || !el || bar.contains(el) || el === document.body) return [];
                const r = el.getBoundingClientRect(), b = bar.getBoundingClientRect();
                const under = r.bottom > b.top && r.top < b.bottom;
                const off = r.bottom > window.innerHeight || r.top < 0;
                const where = JSON.stringify([r.top, r.bottom, b.top, b.bottom]);
                return (under || off) ? [(el.id || el.name || el.tagName) + ' ' + where] : [];
            }"""
        )
    assert hidden == []


def test_two_nurses_saving_different_items_of_one_checklist_both_succeed(ward_page, live_server, sign_in, journey):
    walk_to(journey, "consent", journey.created_by, now=START)
    first = open_journey(ward_page(), live_server, sign_in, journey, "nurse")
    second = open_journey(ward_page(), live_server, sign_in, journey, "lead")  # both pages loaded first

    first.get_by_label("Done").nth(0).check()  # Identity
    first.get_by_role("button", name="Save answers").click()
    settle(first)
    second.get_by_label("Done").nth(1).check()  # Driver confirmed
    second.get_by_role("button", name="Save answers").click()
    settle(second)

    expect(second.locator("#checklist-refusal")).to_have_count(0)
    expect(second.get_by_role("status").filter(has_text="Driver confirmed: Done")).to_be_visible()
    answers = journey.current_visit.current_answers()
    assert sorted(a.item.code for a in answers.values() if a.value) == ["driver_confirmed", "identity"]
    # The second page now shows the first nurse's tick too, and did not undo it.
    expect(second.get_by_label("Done").nth(0)).to_be_checked()


def test_the_same_item_changed_on_two_pages_is_refused_with_who_and_what_was_typed_is_kept(
    ward_page, live_server, sign_in, journey
):
    walk_to(journey, "prep", journey.created_by, now=START)
    first = open_journey(ward_page(), live_server, sign_in, journey, "nurse")
    second = open_journey(ward_page(), live_server, sign_in, journey, "lead")

    first.locator("input.number-input").first.fill("150")
    first.get_by_role("button", name="Save answers").click()
    settle(first)
    second.locator("input.number-input").first.fill("135")
    second.get_by_role("button", name="Save answers").click()
    settle(second)

    refusal = second.locator("#checklist-refusal")
    expect(refusal).to_contain_text(re.compile(r"was changed by Sam Okafor at \d\d:\d\d since this page was loaded"))
    expect(refusal).to_be_focused()
    expect(second.locator("input.number-input").first).to_have_value("135")


def test_on_a_page_with_an_open_red_flag_every_label_focuses_its_own_visible_field(
    ward_page, live_server, sign_in, journey
):
    lead = get_user_model().objects.get(username="lead")
    walk_to(journey, "recovery", journey.created_by, now=START)
    journey.raise_red_flag(RedFlagKind.CHEST_PAIN, by=lead)
    page = open_journey(ward_page(), live_server, sign_in, journey, "lead")
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")

    ids = page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert sorted(i for i in ids if ids.count(i) > 1) == [], "every id on the page is unique"
    labels = page.locator("main label")
    count = labels.count()
    assert count > 20
    wrong = []
    for index in range(count):
        label = labels.nth(index)
        if not label.is_visible():
            continue
        label.scroll_into_view_if_needed()
        label.click(position={"x": 3, "y": 3})
        wrong += page.evaluate(
            """label => {
                const field = label.control, el = document.activeElement;
                const visible = field && field.getClientRects().length > 0
                    && getComputedStyle(field).visibility !== 'hidden';
                const wrong = label.textContent.trim() + ' -> ' + (el.id || el.tagName);
                return (field && el === field && visible) ? [] : [wrong];
            }""",
            label.element_handle(),
        )
    assert wrong == []
    page.screenshot(path="/tmp/h10a/journey-red-flag.png", full_page=True)


def test_saving_the_driver_keeps_what_was_typed_into_the_other_forms(ward_page, live_server, sign_in, journey):
    walk_to(journey, "recovery", journey.created_by, now=START)
    page = open_journey(ward_page(), live_server, sign_in, journey)

    page.get_by_label("Done").check()  # the recovery checklist, not saved
    page.get_by_label("Systolic BP (mmHg)").fill("128")  # a round half typed
    page.get_by_label("Driver's name").fill("Grace Hopper")
    page.get_by_role("button", name="Save driver").click()
    settle(page)

    expect(page.get_by_role("status").filter(has_text="Driver: Grace Hopper")).to_be_visible()
    expect(page.get_by_label("Done")).to_be_checked()
    expect(page.get_by_label("Systolic BP (mmHg)")).to_have_value("128")
    expect(page.get_by_text("Unsaved answers: press Save or Complete.")).to_be_visible()


def test_signing_in_again_after_an_idle_sign_out_lands_on_the_journey_page_not_a_405(
    ward_page, live_server, sign_in, journey, server_clock
):
    walk_to(journey, "consent", journey.created_by, now=START)
    page = open_journey(ward_page(), live_server, sign_in, journey)
    server_clock.move_to(START + timedelta(minutes=20), tick=True)  # idle past the 15 minutes

    page.get_by_label("Done").nth(0).check()
    page.get_by_role("button", name="Save answers").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_text("You were signed out after 15 min without activity")).to_be_visible()
    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}{journey.get_absolute_url()}")
    expect(page.get_by_role("heading", name=re.compile(journey.patient.full_name))).to_be_visible()


def test_the_display_accounts_first_page_is_the_public_board(ward_page, live_server, demo_staff):
    page = ward_page()
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("display")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/board/public/")
    expect(page.get_by_role("heading", name="Where is my person?")).to_be_visible()


def test_two_minutes_before_idle_sign_out_a_countdown_offers_to_stay_signed_in(
    ward_page, live_server, sign_in, journey, settings
):
    settings.TRACKER_IDLE_TIMEOUT = timedelta(minutes=3)
    page = ward_page()
    page.clock.install()
    open_journey(page, live_server, sign_in, journey)
    warning = page.locator(".idle-warning")
    expect(warning).to_be_hidden()

    page.clock.run_for(61_000)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(re.compile(r"signed out in 1:[56]\d"))
    page.screenshot(path="/tmp/h10a/journey-idle-warning.png")
    page.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()


def test_the_family_card_gives_the_code_the_steps_and_the_units_phone(ward_page, live_server, sign_in, journey):
    page = open_journey(ward_page(), live_server, sign_in, journey)
    expect(page.locator(".family-code")).to_have_text(journey.public_code)

    page.get_by_role("link", name="Family card").click()

    expect(page.locator(".family-card-code")).to_have_text(journey.public_code)
    expect(page.locator(".family-card")).to_contain_text("Step 1 of")
    expect(page.locator(".family-card")).to_contain_text("Call")
    page.screenshot(path="/tmp/h10a/family-card.png")


def test_unsaved_input_keeps_the_page_signed_in_and_says_so(ward_page, live_server, sign_in, journey, settings):
    settings.TRACKER_IDLE_TIMEOUT = timedelta(minutes=3)
    walk_to(journey, "consent", journey.created_by, now=START)
    page = ward_page()
    page.clock.install()
    open_journey(page, live_server, sign_in, journey)
    page.get_by_label("Done").nth(0).check()  # typed, not saved

    with page.expect_response(re.compile(r"/accounts/stay/")) as stayed:
        page.clock.run_for(61_000)

    assert stayed.value.status == 204
    expect(page.get_by_text("This page has unsaved input, so you are kept signed in")).to_be_visible()
    expect(page.get_by_label("Done").nth(0)).to_be_checked()
