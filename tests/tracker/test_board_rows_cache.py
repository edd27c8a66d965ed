"""The board re-renders only what changed: each row is cached under its journey's id and version, the
minute and the row templates' version; a change re-renders that row alone, whatever the day's length."""

import re
from datetime import datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.core.cache import cache
from django.db.models import F
from django.template import engines
from django.urls import reverse

from journey.demo import settled_round
from tests.makers import make_journey, make_pathway, make_patient, walk_to
from tracker import board_cache

BOARD, POLL = reverse("board"), reverse("board-poll")


@pytest.fixture
def rows_rendered(monkeypatch):
    """Which board rows were rendered (each render of the row template is one)."""
    seen = []
    row_template = engines["jinja2"].env.get_template(board_cache.ROW_TEMPLATE)
    render = row_template.render

    def count(context):
        seen.append(context["row"].url)
        return render(context)

    monkeypatch.setattr(row_template, "render", count)
    return seen


@pytest.fixture
def day(pathway, nurse, morning):
    journeys = [make_journey(pathway, nurse) for _ in range(6)]
    for journey in journeys[::2]:
        walk_to(journey, "prep", nurse, now=morning)
    return journeys


def test_a_change_to_one_journey_re_renders_that_row_alone(client, day, nurse, coordinator, rows_rendered):
    client.force_login(coordinator)
    client.get(BOARD)
    assert len(rows_rendered) == len(day)
    rows_rendered.clear()

    changed = day[1]
    changed.arrive(by=nurse)
    page = client.get(BOARD).content.decode()

    assert rows_rendered == [changed.get_absolute_url()]
    assert page.count("<tr class=") == len(day)
    assert "Consent" in page


def test_rows_are_kept_as_ascii_and_read_as_their_characters(client, pathway, nurse, coordinator, morning):
    # An accented name, the "·" between initials and MRN digits, "—" where a booked patient has no timer:
    # kept as character references, so the page stays one byte a character (board_cache._ascii).
    booked = make_journey(pathway, nurse, patient=make_patient(given_name="Órla", family_name="Ñúñez"))
    client.force_login(coordinator)

    page = client.get(BOARD).content.decode()

    assert page.isascii()
    shown = unescape(page)
    assert f"ÓÑ · {booked.patient.mrn[-4:]}" in shown
    assert '<td class="news2">—</td>' in shown


def test_another_display_or_filter_reuses_every_row(client, day, coordinator, rows_rendered):
    client.force_login(coordinator)
    client.get(BOARD)
    rows_rendered.clear()

    client.get(POLL, {"attention": "1"})
    client.get(reverse("board-wall"))

    assert rows_rendered == []


def test_every_row_is_rendered_again_when_the_minute_turns(client, day, coordinator, rows_rendered, time_machine):
    client.force_login(coordinator)
    client.get(BOARD)
    rows_rendered.clear()

    time_machine.shift(timedelta(minutes=1))
    client.get(BOARD)

    assert len(rows_rendered) == len(day)


def test_a_changed_row_template_is_a_new_version_of_every_row(day, morning, monkeypatch):
    before = board_cache.row_key(day[0].pk, day[0].version, morning)
    loader = engines["jinja2"].env.loader
    read = loader.get_source

    def edited(env, name):
        source, *rest = read(env, name)
        return (source + "<!-- edited -->" if name == "tracker/_timer.html" else source, *rest)

    monkeypatch.setattr(loader, "get_source", edited)
    board_cache.template_version.cache_clear()
    try:
        assert board_cache.row_key(day[0].pk, day[0].version, morning) != before
    finally:
        board_cache.template_version.cache_clear()


@pytest.mark.parametrize("journeys", [5, 60])
def test_the_board_after_one_change_costs_the_same_queries_for_5_or_60_journeys(
    client, pathway, nurse, coordinator, morning, django_assert_num_queries, journeys
):
    made = [make_journey(pathway, nurse) for _ in range(journeys)]
    client.force_login(coordinator)
    client.get(BOARD)
    made[-1].arrive(by=nurse)

    # session, user, whether a demo account, permissions (2); the change token; the day's versions; the
    # changed journey's reads (6: journey, patient, open visits, answers, red flags, handovers; its
    # stage, consent, schedules no rounds: none to read). The pathways, stages and checklist items come
    # from the minute's configuration.
    with django_assert_num_queries(13):
        assert client.get(BOARD).status_code == 200


def test_with_every_row_cached_the_board_reads_only_the_versions(client, day, coordinator, django_assert_num_queries):
    client.force_login(coordinator)
    client.get(BOARD)

    # A filter the shared render has not seen: session, user, demo account?, permissions (2), the token, the versions.
    with django_assert_num_queries(7):
        assert client.get(BOARD, {"bay": "3"}).status_code == 200


def test_nothing_breaks_without_a_cache(client, day, coordinator, settings, rows_rendered):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client.force_login(coordinator)

    first = client.get(BOARD).content.decode()
    second = client.get(BOARD).content.decode()

    assert first.count("<tr class=") == second.count("<tr class=") == len(day)
    assert len(rows_rendered) == 2 * len(day)  # each request renders in full: slower, never wrong


def test_a_patient_moved_into_a_cached_row_s_bay_shows_on_that_row_within_the_minute(
    client, pathway, nurse, coordinator, morning
):
    settled = make_journey(pathway, nurse, bay="12")
    walk_to(settled, "prep", nurse, now=morning)
    moving = make_journey(pathway, nurse, bay="14")
    moving.arrive(by=nurse, now=morning)
    client.force_login(coordinator)
    assert "bay-clash" not in client.get(BOARD).content.decode()

    # Only the moving journey changes (its version); the settled row's own journey does not.
    moving.change_booking(by=nurse, bay="12", bay_handover=True)
    html = client.get(BOARD).content.decode()

    assert f"Bay 12 also holds {moving.patient.initials} (Consent)" in html
    assert f"Bay 12 also holds {settled.patient.initials} (Prep)" in html


def test_a_bay_mate_moving_on_renders_the_other_row_of_the_bay_again(
    client, pathway, nurse, coordinator, morning, rows_rendered
):
    first = make_journey(pathway, nurse, bay="12")
    walk_to(first, "prep", nurse, now=morning)
    second = make_journey(pathway, nurse, bay="14")
    second.arrive(by=nurse, now=morning)
    second.change_booking(by=nurse, bay="12", bay_handover=True)
    make_journey(pathway, nurse)  # a row that nothing here touches
    client.force_login(coordinator)
    client.get(BOARD)
    rows_rendered.clear()

    walk_to(second, "prep", nurse, now=morning)
    html = client.get(BOARD).content.decode()

    assert sorted(rows_rendered) == sorted([first.get_absolute_url(), second.get_absolute_url()])
    assert f"Bay 12 also holds {second.patient.initials} (Prep)" in html


def test_a_cleared_cache_renders_every_row_again(client, day, coordinator, rows_rendered):
    client.force_login(coordinator)
    client.get(BOARD)
    rows_rendered.clear()

    cache.clear()  # what a restarted shared cache looks like to this process
    client.get(BOARD, {"bay": "3"})

    assert len(rows_rendered) == len(day)


def test_a_change_replaces_the_shared_render_of_a_page_rather_than_keeping_one_per_change(
    client, day, nurse, coordinator
):
    client.force_login(coordinator)
    for journey in day[1::2]:  # those still booked
        journey.arrive(by=nurse)
        client.get(BOARD)

    # LocMemCache, as configured; each render is kept beside its token.
    renders = [key for key in cache._cache if "board-render:" in key and not key.endswith(":token")]
    assert len(renders) == 1


def _home_by(html: str, journey) -> datetime:
    """The likely time home on the journey's row, as a time today."""
    row = html[html.index(journey.get_absolute_url()) :]
    shown = re.search(r'class="time-home home"><span class="fw-semibold">[^<]*?(\d\d:\d\d)', row)
    assert shown is not None
    return datetime.combine(journey.day, datetime.strptime(shown.group(1), "%H:%M").time())


def test_an_edited_pathway_reaches_the_board_when_the_minute_turns(client, pathway, nurse, coordinator, morning):
    journey = make_journey(pathway, nurse)
    walk_to(journey, "prep", nurse, now=morning)
    client.force_login(coordinator)
    before = _home_by(client.get(BOARD).content.decode(), journey)

    # The unit's admin lengthens a later stage; no journey changes.
    pathway.stages.filter(code="discharge").update(target_minutes=F("target_minutes") + 60)
    with time_machine.travel(morning + timedelta(minutes=1), tick=False):
        after = _home_by(client.get(BOARD).content.decode(), journey)

    # An hour later, give or take the rounding of the time shown and the minute that passed.
    assert timedelta(minutes=55) <= after - before <= timedelta(minutes=65)


def test_a_pathway_added_within_the_minute_shows_at_once(client, pathway, nurse, coordinator, morning):
    make_journey(pathway, nurse)
    client.force_login(coordinator)
    client.get(BOARD)  # the minute's configuration is read: one pathway

    other = make_pathway("kyphoplasty", "Kyphoplasty")
    journey = make_journey(other, nurse)
    walk_to(journey, "prep", nurse, now=morning)
    html = client.get(BOARD).content.decode()

    row = html[html.index(journey.get_absolute_url()) :]
    assert "Prep" in row[: row.index("</tr>")]


def test_a_changed_row_in_recovery_reads_its_rounds(
    client, pathway, nurse, coordinator, morning, django_assert_num_queries
):
    recovering = make_journey(pathway, nurse)
    walk_to(recovering, "recovery", nurse, now=morning - timedelta(minutes=40))
    recovering.record_round(settled_round(), by=nurse, now=morning - timedelta(minutes=25))
    client.force_login(coordinator)
    assert "overdue" in _row_of(client.get(BOARD).content.decode(), recovering).lower()  # round 2, due 30 min in
    recovering.record_round(settled_round(), by=nurse, now=morning - timedelta(minutes=2))

    # As after any change (12), and the visit's rounds and missed rounds: recovery schedules them.
    with django_assert_num_queries(14):
        html = client.get(BOARD).content.decode()
    assert "overdue" not in _row_of(html, recovering).lower()


def _row_of(html: str, journey) -> str:
    row = html[html.index(journey.get_absolute_url()) :]
    return row[: row.index("</tr>")]
