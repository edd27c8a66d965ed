"""The unit's admin keeps the procedure-code table, reads the message log with its filters, and replays a
message that failed once its cause is fixed."""

import pytest
from django.urls import reverse

from journey import hl7_inbox, roles
from journey.models import InboundMessage, Journey, ServiceCode
from tests.hl7_messages import siu
from tests.makers import make_user


@pytest.fixture
def admin_client(client, db):
    client.force_login(make_user(roles.UNIT_ADMIN, is_staff=True))
    return client


@pytest.fixture
def failed(pathway, morning):
    return hl7_inbox.receive(siu(control_id="C-1", code="VP"))


def test_the_admin_adds_a_procedure_code(admin_client, pathway):
    response = admin_client.post(
        reverse("admin:journey_servicecode_add"), {"code": "vp", "pathway": pathway.pk, "description": "Short code"}
    )

    assert response.status_code == 302
    assert ServiceCode.objects.get().code == "VP"


def test_the_message_log_lists_and_filters_by_outcome(admin_client, failed, pathway):
    ServiceCode.objects.create(code="VERTEBROPLASTY", pathway=pathway)
    hl7_inbox.receive(siu(control_id="C-2", appointment_id="A-2"))
    url = reverse("admin:journey_inboundmessage_changelist")

    everything = admin_client.get(url).content.decode()
    failures = admin_client.get(url, {"outcome__exact": "AE"}).content.decode()

    assert "C-1" in everything
    assert "C-2" in everything
    assert "C-1" in failures
    assert "C-2" not in failures
    assert "Unknown procedure code VP" in failures


def test_a_message_shows_its_raw_text_and_the_ack_sent(admin_client, failed):
    page = admin_client.get(reverse("admin:journey_inboundmessage_change", args=[failed.pk])).content.decode()

    assert "SIU^S12^SIU_S12" in page
    assert "MSA|AE|C-1" in page


def test_the_admin_replays_a_failed_message_after_mapping_its_code(admin_client, failed, pathway):
    ServiceCode.objects.create(code="VP", pathway=pathway)

    response = admin_client.post(
        reverse("admin:journey_inboundmessage_changelist"),
        {"action": "replay", "_selected_action": [failed.pk]},
        follow=True,
    )

    assert "1 message applied." in response.content.decode()
    failed.refresh_from_db()
    assert failed.outcome == "AA"
    assert Journey.objects.count() == 1


def test_a_replay_that_fails_again_says_why(admin_client, failed):
    response = admin_client.post(
        reverse("admin:journey_inboundmessage_changelist"),
        {"action": "replay", "_selected_action": [failed.pk]},
        follow=True,
    )

    assert "Not applied: C-1: Unknown procedure code VP" in response.content.decode()
    assert InboundMessage.objects.get().outcome == "AE"


def test_the_message_log_cannot_be_edited_or_deleted(admin_client, failed):
    assert (
        admin_client.post(reverse("admin:journey_inboundmessage_delete", args=[failed.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert admin_client.get(reverse("admin:journey_inboundmessage_add")).status_code == 403


def test_a_nurse_cannot_open_the_message_log(client, failed):
    client.force_login(make_user(roles.NURSE, is_staff=True))

    assert client.get(reverse("admin:journey_inboundmessage_changelist")).status_code == 403
