from journey import roles
from tests.makers import make_user


def test_a_users_permissions_are_read_in_one_query_and_match_djangos(db, django_assert_num_queries):
    from django.contrib.auth.backends import ModelBackend

    lead = make_user(roles.CLINICAL_LEAD)
    expected = ModelBackend().get_all_permissions(make_user(roles.CLINICAL_LEAD))

    with django_assert_num_queries(1):
        assert lead.has_perm("journey.override_minimum")
        assert not lead.has_perm("journey.view_public_board")
    assert lead.get_all_permissions() == expected


def test_an_inactive_user_holds_no_permission(db):
    nurse = make_user(roles.NURSE, is_active=False)

    assert nurse.get_all_permissions() == set()


def test_direct_user_permissions_and_superusers_match_djangos_too(db):
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Permission

    nurse = make_user(roles.NURSE)
    nurse.user_permissions.add(Permission.objects.get(codename="override_minimum"))
    admin = make_user(None, is_superuser=True)
    for user in (nurse, admin):
        fresh = type(user).objects.get(pk=user.pk)
        assert fresh.get_all_permissions() == ModelBackend().get_all_permissions(type(user).objects.get(pk=user.pk))
