""" "Ready for discharge" means every condition that can be met before discharge is met, on every screen.

The bug this guards: a patient in flat recovery with an open "oxygen saturation under 92%" red flag and
rounds 4-6 not recorded was shown as "Ready to move on" / "Ready for discharge" once the two hours passed.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from journey.demo import answer_stage, settled_round
from journey.models import RedFlagKind
from tests.makers import make_journey, walk_to

READY = ("Ready for discharge", "Ready to move on")
SCREENS = ["today", "journey", "board", "board-wall"]


def _url(name, journey):
    return reverse(name, args=[journey.pk]) if name == "journey" else reverse(name)


def _in_recovery(pathway, nurse, morning, *, rounds):
    """A patient who went flat at 08:00, with the recovery checklist answered and ``rounds`` recorded."""
    journey = make_journey(pathway, nurse)
    visit = walk_to(journey, "recovery", nurse, now=morning)
    answer_stage(journey, by=nurse, now=morning + timedelta(minutes=1))
    for slot in visit.round_slots(morning)[:rounds]:
        journey.record_round(settled_round(), by=nurse, now=slot.due_at)
    return journey


def _page(client, lead, name, journey):
    client.force_login(lead)
    return client.get(_url(name, journey)).content.decode()


def _shown(html):
    """What a person reads: the page less the timer's words for states it is not in (data attributes that
    the browser switches to only at the moments the server sent)."""
    return re.sub(r'data-label-[a-z-]+="[^"]*"', "", html)


@pytest.mark.parametrize("screen", SCREENS)
def test_past_the_minimum_with_every_round_and_no_red_flag_every_screen_says_ready_for_discharge(
    client, pathway, nurse, lead, morning, time_machine, screen
):
    journey = _in_recovery(pathway, nurse, morning, rounds=6)
    time_machine.move_to(morning + timedelta(minutes=125), tick=False)

    assert journey.ready_for_discharge(morning + timedelta(minutes=125))
    assert "Ready for discharge" in _shown(_page(client, lead, screen, journey))


@pytest.mark.parametrize("screen", SCREENS)
def test_past_the_minimum_with_rounds_not_recorded_no_screen_says_ready(
    client, pathway, nurse, lead, morning, time_machine, screen
):
    journey = _in_recovery(pathway, nurse, morning, rounds=3)
    time_machine.move_to(morning + timedelta(minutes=125), tick=False)

    html = _page(client, lead, screen, journey)

    assert not journey.ready_for_discharge(morning + timedelta(minutes=125))
    assert not any(word in _shown(html) for word in READY)
    assert "Over target" in html or "over target" in html


@pytest.mark.parametrize("screen", SCREENS)
def test_past_the_minimum_with_an_open_red_flag_no_screen_says_ready(
    client, pathway, nurse, lead, morning, time_machine, screen
):
    journey = _in_recovery(pathway, nurse, morning, rounds=6)
    journey.raise_red_flag(RedFlagKind.LOW_SPO2, by=nurse, now=morning + timedelta(minutes=110))
    time_machine.move_to(morning + timedelta(minutes=125), tick=False)

    html = _page(client, lead, screen, journey)

    assert not journey.ready_for_discharge(morning + timedelta(minutes=125))
    assert not any(word in _shown(html) for word in READY)
    assert "Low oxygen saturation" in html


def test_the_same_journey_shows_the_same_timer_words_on_today_the_journey_page_and_the_board(
    client, pathway, nurse, lead, morning, time_machine
):
    journey = _in_recovery(pathway, nurse, morning, rounds=2)
    journey.override_minimum(reason="Transferred flat on a trolley", by=lead, now=morning + timedelta(minutes=40))
    # Leaving early: the rounds not yet due are marked missed by the lead, with the reason (rounds are timed).
    for slot in journey.current_visit.round_slots(morning)[2:]:
        journey.mark_round_missed(
            slot.number, reason="Transferred flat on a trolley", by=lead, now=morning + timedelta(minutes=41)
        )
    time_machine.move_to(morning + timedelta(minutes=42), tick=False)

    for screen in ("today", "journey", "board"):
        html = _page(client, lead, screen, journey)
        assert 'data-ready-at="2026-11-21T08:40:00+00:00"' in html, screen
        assert 'data-label-ready="Ready for discharge"' in html, screen
        assert '<span class="timer-word" data-state-label>Ready for discharge</span>' in html, screen
