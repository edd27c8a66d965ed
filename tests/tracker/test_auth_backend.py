from django.contrib.auth.backends import ModelBackend

from journey import roles
from tests.makers import make_user
from tracker.auth import WardBackend


def test_permissions_are_djangos_own(db):
    lead = make_user(roles.CLINICAL_LEAD)

    assert WardBackend().get_all_permissions(lead) == ModelBackend().get_all_permissions(lead)
    assert lead.has_perm("journey.override_minimum")
    assert not lead.has_perm("journey.view_public_board")


def test_an_inactive_user_holds_no_permission(db):
    nurse = make_user(roles.NURSE, is_active=False)

    assert nurse.get_all_permissions() == set()
