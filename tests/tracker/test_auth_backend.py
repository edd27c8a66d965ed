from journey import roles
from tests.makers import make_user


def test_a_users_permissions_are_djangos_own_read_once_a_request(db, django_assert_num_queries):
    lead = make_user(roles.CLINICAL_LEAD)

    # the user's own permissions, then their groups' (Django's ModelBackend); kept on the user after.
    with django_assert_num_queries(2):
        assert lead.has_perm("journey.override_minimum")
        assert not lead.has_perm("journey.view_public_board")


def test_an_inactive_user_holds_no_permission(db):
    nurse = make_user(roles.NURSE, is_active=False)

    assert nurse.get_all_permissions() == set()
