"""Every page a person reads has a skip link to its one ``main``, navigation that says where you are,
and a header on every table column (axe counts a missing landmark as moderate only, so it is checked here)."""

import re

from django.urls import reverse

from tests.makers import walk_to


def test_a_signed_in_page_skips_to_main_and_marks_the_current_link(client, journey, nurse):
    client.force_login(nurse)

    html = client.get(reverse("today")).content.decode()

    assert '<a class="skip-link visually-hidden-focusable" href="#main">Skip to main content</a>' in html
    assert html.count("<main ") == 1
    assert 'id="main"' in html
    assert re.search(r'href="/"\s+aria-current="page">Today</a>', html)


def test_the_discharge_sheet_is_a_main_landmark_with_its_navigation_apart(client, journey, nurse):
    client.force_login(nurse)

    html = client.get(reverse("journey-discharge-sheet", args=[journey.pk])).content.decode()

    assert html.count("<main>") == 1
    assert '<nav class="screen-only d-print-none' in html
    assert html.index("<main>") < html.index('<article class="sheet">')


def test_the_rounds_table_has_a_header_on_every_column(client, journey, nurse, morning):
    walk_to(journey, "recovery", nurse, now=morning)
    client.force_login(nurse)

    html = client.get(journey.get_absolute_url()).content.decode()

    assert "<th>Status</th>" in html
    assert "<th></th>" not in html
