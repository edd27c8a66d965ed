"""Browser tests: the system Chromium (Debian's package) driven by Playwright against the live server."""

import os
import shutil

import pytest
from django.contrib.auth.models import Group

from journey import demo, roles

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Playwright's sync API runs an event loop in the test's thread; the ORM calls made here are ordinary
# blocking test set-up, not code running inside that loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason="no Chromium at /usr/bin/chromium: apt-get install chromium (.ci/run does)")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def demo_staff(transactional_db):
    demo.ensure_staff()
    # The live server runs with DEBUG off, where demo accounts cannot sign in: here they are the test's own.
    Group.objects.get(name=roles.DEMO_ACCOUNT).user_set.clear()


@pytest.fixture
def sign_in(live_server, demo_staff):
    def sign_in_as(page, username="nurse"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return sign_in_as


@pytest.fixture
def new_page(browser):
    """A page in a context of its own, closed when the test ends: a board left open would keep polling
    the session-wide live server while later tests run."""
    contexts = []

    def open_page():
        context = browser.new_context()
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
