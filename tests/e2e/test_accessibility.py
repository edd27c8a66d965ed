"""WCAG 2.2 AA as axe-core measures it: no critical and no serious violation on any of the ward's screens.

axe-core is the copy that the ``axe-playwright-python`` package ships (pinned in requirements-dev.txt;
never a CDN). The app's CSP refuses an injected script, so these contexts bypass the CSP (Playwright's
``bypass_csp``); nothing else about the pages changes. Set ``AXE_CORE_JS`` to the path of another
``axe.min.js`` (say, from npm's ``axe-core``) to run a different version.

The states are the demo day's: a journey in each of the six stages (the injection one with an open red
flag), the discharge sheet, Today, check-in with errors, the board, the wall and the public board.
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from journey import demo
from journey.models import Journey

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING = ("critical", "serious")
# The WCAG 2.0/2.1/2.2 A and AA rules, and axe's best practices (landmarks, headings, skip link).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

# One journey of the demo day per stage, by MRN (journey/demo.py says why each is where it is).
IN_STAGE = {
    "consent": "M100336",  # just arrived, no driver
    "prep": "M100317",
    "positioning": "M100302",
    "injection": "M100288",  # cement leakage: an open, escalated red flag
    "recovery": "M100263",  # a round overdue, the flat countdown running
    "discharge": "M100244",  # the PADSS score begun
}


@pytest.fixture
def axe():
    custom = os.environ.get("AXE_CORE_JS")
    return Axe.from_file(Path(custom)) if custom else Axe()


@pytest.fixture
def demo_day(demo_staff):
    demo.ensure_pathways()
    demo.seed_day()


@pytest.fixture
def open_as(browser, live_server, demo_day):
    contexts = []

    def open_page(username, path, size=(1366, 768)):
        context = browser.new_context(bypass_csp=True, viewport={"width": size[0], "height": size[1]})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        return page

    yield open_page
    for context in contexts:
        context.close()


def blocking(axe, page) -> list[str]:
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            found.append(f"{violation['impact']} {violation['id']} ({len(violation['nodes'])}): {targets}")
    return found


def journey_path(stage: str) -> str:
    return Journey.objects.get(patient__mrn=IN_STAGE[stage]).get_absolute_url()


PAGES = {
    "today": ("nurse", lambda: "/"),
    "board": ("coordinator", lambda: "/board/"),
    "discharge sheet": ("nurse", lambda: journey_path("discharge") + "discharge-sheet/"),
    "public board": ("display", lambda: "/board/public/"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_a_ward_screen_has_no_critical_or_serious_violation(name, open_as, axe):
    username, path = PAGES[name]
    page = open_as(username, path())
    found = blocking(axe, page)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("stage", list(IN_STAGE))
def test_the_journey_page_in_each_stage_has_no_critical_or_serious_violation(stage, open_as, axe):
    page = open_as("nurse", journey_path(stage))
    found = blocking(axe, page)
    assert not found, "\n".join(found)


def test_check_in_with_errors_has_no_critical_or_serious_violation(open_as, axe):
    page = open_as("nurse", "/check-in/")
    page.get_by_label("MRN").fill("not an mrn")
    page.get_by_role("button", name="Book the patient").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".invalid-feedback, .alert-danger").count() > 0
    found = blocking(axe, page)
    assert not found, "\n".join(found)


def test_the_wall_at_1080p_has_no_critical_or_serious_violation(open_as, axe):
    page = open_as("coordinator", "/board/wall/", size=(1920, 1080))
    found = blocking(axe, page)
    assert not found, "\n".join(found)
