"""The coordinators' board, its cheap poll, the wall mode and the anonymised public board."""

from datetime import timedelta
from html import unescape

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from journey import roles
from journey.board import board_rows
from journey.demo import settled_round
from journey.models import Configuration, Handover, Journey, Patient, RedFlagKind
from tests.makers import cancel, make_journey, make_patient, make_user, walk_to
from tracker.board_display import displays

BOARD, POLL, WALL = reverse("board"), reverse("board-poll"), reverse("board-wall")
PUBLIC, PUBLIC_POLL = reverse("board-public"), reverse("board-public-poll")


@pytest.mark.parametrize("url", [BOARD, POLL, WALL, PUBLIC, PUBLIC_POLL])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, url):
    assert client.get(url).url.startswith(reverse("login"))


@pytest.mark.parametrize("role", [roles.COORDINATOR, roles.NURSE, roles.CLINICAL_LEAD, roles.UNIT_ADMIN])
@pytest.mark.parametrize("url", [BOARD, POLL, WALL])
def test_staff_see_the_board(client, db, role, url):
    client.force_login(make_user(role))

    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [BOARD, POLL, WALL])
def test_the_display_account_may_not_see_the_staff_board(client, display, url):
    client.force_login(display)

    assert client.get(url).status_code == 403


def test_a_poll_from_a_signed_out_board_sends_the_whole_page_to_sign_in(client, db):
    response = client.get(POLL, headers={"HX-Request": "true"})

    assert response["HX-Redirect"].startswith(reverse("login"))
    assert b"password" not in response.content


def test_the_board_shows_initials_and_last_mrn_digits_with_badges(client, pathway, nurse, coordinator, morning):
    from journey.models import RedFlagKind

    journey = make_journey(pathway, nurse)
    walk_to(journey, "recovery", nurse, now=morning - timedelta(minutes=25))
    journey.raise_red_flag(RedFlagKind.LOW_SPO2, by=nurse, now=morning)
    client.force_login(coordinator)

    html = unescape(client.get(BOARD).content.decode())  # the board's rows are ASCII (board_cache)

    assert f"{journey.patient.initials} · {journey.patient.mrn[-4:]}" in html
    assert journey.patient.family_name not in html
    assert "Red flag: Low oxygen saturation" in html
    assert "Observation round 1 overdue" in html
    assert "Flat until 09:35" in html
    assert "Flat recovery <strong>1</strong>" in html


def test_the_board_filters_by_stage_bay_and_attention(client, pathway, nurse, coordinator, morning):
    calm = make_journey(pathway, nurse)
    walk_to(calm, "prep", nurse, now=morning)
    late = make_journey(pathway, nurse, bay="4")
    walk_to(late, "consent", nurse, now=morning - timedelta(minutes=40))
    client.force_login(coordinator)

    def shown(**query):
        return [row.journey_id for row in client.get(BOARD, query).context["rows"]]

    assert shown(stage="prep") == [calm.pk]
    assert shown(attention="1") == [late.pk]
    assert shown(bay="3") == [calm.pk]
    assert shown(bay="4") == [late.pk]
    assert shown(bay="99") == []


@pytest.mark.parametrize("journeys", [5, 200])
def test_the_board_and_its_poll_cost_the_same_queries_for_5_or_200_journeys(
    client, pathway, nurse, coordinator, morning, django_assert_num_queries, journeys
):
    for n in range(journeys):
        journey = make_journey(pathway, nurse)
        if n % 2:
            walk_to(journey, "prep", nurse, now=morning)
    walk_to(make_journey(pathway, nurse), "recovery", nurse, now=morning)  # rounds to read
    client.force_login(coordinator)

    # session, user, whether it is a demo account, the user's permissions (2); the change token; the day's journey
    # versions (the row cache's keys); the unit's pathways, stages and checklist items (kept for the minute);
    # journeys+patient; open visits; the visits' standing answers (the timer's "ready" needs them); their
    # rounds and missed rounds; open red flags; handovers (the patient's nurse, one waiting too long); the
    # unit's 90 days of history for the time home (cached for the day, cleared here).
    with django_assert_num_queries(18):
        assert client.get(BOARD).status_code == 200
    cache.clear()
    with django_assert_num_queries(18):
        assert client.get(POLL).status_code == 200


def test_displays_showing_the_same_board_share_one_render(
    client, pathway, nurse, coordinator, morning, django_assert_num_queries
):
    journey = make_journey(pathway, nurse)
    client.force_login(coordinator)
    client.get(POLL)

    # session, user, whether a demo account, the user's permissions (2), the change token: the rows come
    # from the render cache.
    with django_assert_num_queries(6):
        again = client.get(POLL)
    assert journey.patient.initials.encode() in again.content

    journey.arrive(by=nurse)  # a change moves the token: the next poll renders the new board
    assert b"Consent" in client.get(POLL).content


def test_an_unchanged_poll_is_answered_304_with_one_query_of_its_own(
    client, pathway, nurse, coordinator, morning, django_assert_num_queries
):
    make_journey(pathway, nurse)
    client.force_login(coordinator)
    first = client.get(POLL)

    # session, user, whether a demo account, the user's permissions (2), then the board's one aggregate.
    with django_assert_num_queries(6):
        again = client.get(POLL, headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert again.content == b""


def test_any_change_to_any_journey_of_the_day_makes_the_poll_render_again(client, pathway, nurse, coordinator, morning):
    journey = make_journey(pathway, nurse)
    client.force_login(coordinator)
    tag = client.get(POLL)["ETag"]

    journey.arrive(by=nurse)

    changed = client.get(POLL, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed["ETag"] != tag


def test_a_filtered_poll_has_its_own_etag(client, pathway, nurse, coordinator, morning):
    make_journey(pathway, nurse)
    client.force_login(coordinator)

    assert client.get(POLL)["ETag"] != client.get(POLL, {"stage": "prep"})["ETag"]


def test_the_wall_mode_has_no_navigation(client, db, coordinator):
    client.force_login(coordinator)

    html = client.get(WALL).content.decode()

    assert "navbar" not in html
    assert "board-wall" in html


@pytest.fixture
def demo_day(db, morning, settings):
    settings.DEBUG = True  # seed_demo runs in development only
    call_command("seed_demo", "--no-history", verbosity=0)
    settings.DEBUG = False
    return list(Patient.objects.all())


@pytest.mark.parametrize("url", [PUBLIC, PUBLIC_POLL])
def test_the_public_board_holds_no_patient_identifier(client, demo_day, display, url):
    client.force_login(display)

    html = client.get(url).content.decode()

    assert Journey.objects.filter(status="in_progress").first().public_code in html
    for patient in demo_day:
        for identifier in (
            patient.given_name,
            patient.family_name,
            patient.mrn,
            patient.mrn[-4:],
            f"{patient.initials} ",
            f">{patient.initials}<",
            patient.date_of_birth.isoformat(),
            patient.date_of_birth.strftime("%d %b %Y"),
        ):
            assert identifier not in html, identifier
    for detail in ("Vertebroplasty", "Kyphoplasty", "T12", "cement", "Red flag"):
        assert detail not in html


def test_the_display_account_is_refused_everywhere_else(client, demo_day, display):
    journey = Journey.objects.first()
    client.force_login(display)

    assert client.get(reverse("today")).url == reverse("board-public")  # its first page, not a refusal
    for url in (
        reverse("check-in"),
        BOARD,
        POLL,
        WALL,
        journey.get_absolute_url(),
        reverse("journey-discharge-sheet", args=[journey.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("journey-start", args=[journey.pk]), {"version": journey.version}).status_code == 403
    assert client.get(reverse("admin:index")).status_code == 302  # to the admin's own sign-in


def test_the_board_flags_two_patients_in_progress_in_one_bay(client, pathway, nurse, coordinator, morning):
    first = make_journey(pathway, nurse, bay="12")
    walk_to(first, "prep", nurse, now=morning)
    second = Journey.objects.book(
        patient=make_patient(given_name="Grace", family_name="Hopper"),
        pathway=pathway,
        day=morning.date(),
        scheduled_time=morning.time(),
        bay="12",
        planned_levels="L1",
        by=nurse,
        bay_handover=True,
    )
    second.arrive(by=nurse, now=morning)
    client.force_login(coordinator)

    html = client.get(BOARD).content.decode()

    assert "Bay 12 also holds GH (Consent)" in html
    assert f"Bay 12 also holds {first.patient.initials} (Prep)" in html
    assert html.count("alert-bay-clash") == 2


def test_a_planned_hand_over_not_yet_arrived_is_no_clash(client, pathway, nurse, coordinator, morning):
    first = make_journey(pathway, nurse, bay="12")
    walk_to(first, "prep", nurse, now=morning)
    Journey.objects.book(
        patient=make_patient(),
        pathway=pathway,
        day=morning.date(),
        scheduled_time=morning.time(),
        bay="12",
        planned_levels="L1",
        by=nurse,
        bay_handover=True,
    )
    client.force_login(coordinator)

    assert "bay-clash" not in client.get(BOARD).content.decode()


def test_the_board_s_own_read_gives_the_rows_the_list_s_prefetch_gives(pathway, nurse, lead, morning):
    """Journey.objects.on_board hangs by the day what for_list prefetches by ids: the same rows."""
    make_journey(pathway, nurse)  # booked
    walk_to(make_journey(pathway, nurse), "prep", nurse, now=morning)  # answers on the way
    recovering = make_journey(pathway, nurse)
    start = morning - timedelta(minutes=100)
    walk_to(recovering, "recovery", nurse, now=start)
    for minutes in (15, 30):
        recovering.record_round(settled_round(), by=nurse, now=start + timedelta(minutes=minutes))
    recovering.mark_round_missed(3, reason="Patient asleep, not woken", by=lead, now=start + timedelta(minutes=70))
    recovering.write_handover(
        occasion=Handover.Occasion.INTO_RECOVERY,
        situation="Back from theatre",
        background="T12 cement",
        assessment="Comfortable",
        recommendation="Flat two hours",
        by=nurse,
        now=start + timedelta(minutes=5),
    )
    flagged = make_journey(pathway, nurse)
    walk_to(flagged, "consent", nurse, now=morning)
    flagged.raise_red_flag(RedFlagKind.CHEST_PAIN, by=nurse, now=morning)
    # Raised later but recorded as earlier: the flags' order is their time, not their ids, however read.
    flagged.raise_red_flag(RedFlagKind.LOW_SPO2, by=nurse, now=morning - timedelta(minutes=5))
    cancel(make_journey(pathway, nurse), nurse)
    day = morning.date()

    own = displays(board_rows(Journey.objects.on_board(day), morning))
    prefetched = displays(board_rows(list(Journey.objects.on_day(day).for_list()), morning))

    assert own == prefetched
    assert any(row.alerts for row in own)
    assert any(row.timer for row in own)
    chosen = Journey.objects.on_board(day, only=[recovering.pk])
    assert [j.pk for j in chosen] == [recovering.pk]
    assert displays(board_rows(chosen, morning)) == [row for row in own if row.url.endswith(f"/{recovering.pk}/")]
    # With the unit's configuration kept by the caller (the board keeps it a minute), the same rows, the
    # few read one by one in the order the database would give.
    kept = Configuration.read()
    assert displays(board_rows(Journey.objects.on_board(day, configuration=kept), morning, kept)) == own
    few = Journey.objects.on_board(day, only=[j.pk for j in Journey.objects.on_day(day)], configuration=kept)
    assert [j.pk for j in few] == [j.pk for j in Journey.objects.on_board(day)]
    assert displays(board_rows(few, morning, kept)) == own
    flagged_row = next(row for row in own if row.url.endswith(f"/{flagged.pk}/"))
    assert [text for kind, text in flagged_row.alerts if kind == "red-flag"] == [
        "Red flag: Low oxygen saturation",
        "Red flag: Chest pain",
    ]
