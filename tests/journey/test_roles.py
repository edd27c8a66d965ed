from django.contrib.auth.models import Group

from journey import roles
from tests.makers import make_user


def test_every_role_exists_after_migrate(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLE_PERMISSIONS)


def test_only_the_clinical_lead_may_override_a_minimum(db):
    allowed = {role for role in roles.ROLE_PERMISSIONS if make_user(role).has_perm("journey.override_minimum")}
    assert allowed == {roles.CLINICAL_LEAD}


def test_nurses_and_leads_record_care_coordinators_and_displays_do_not(db):
    allowed = {role for role in roles.ROLE_PERMISSIONS if make_user(role).has_perm("journey.record_care")}
    assert allowed == {roles.NURSE, roles.CLINICAL_LEAD}


def test_the_display_account_sees_the_public_board_and_nothing_else(db):
    display = make_user(roles.DISPLAY)
    assert display.get_all_permissions() == {"journey.view_public_board"}


def test_the_unit_admin_edits_pathways_but_records_no_care(db):
    admin = make_user(roles.UNIT_ADMIN)
    assert admin.has_perms(["journey.change_pathway", "journey.add_itemdefinition", "journey.change_stagedefinition"])
    assert not admin.has_perm("journey.record_care")


def test_only_the_clinical_lead_sets_the_spo2_scale_and_marks_a_round_missed(db):
    for permission in ("journey.set_spo2_scale", "journey.mark_round_missed"):
        allowed = {role for role in roles.ROLE_PERMISSIONS if make_user(role).has_perm(permission)}
        assert allowed == {roles.CLINICAL_LEAD}, permission


def test_the_unit_admin_edits_each_pathways_round_rules(db):
    allowed = {role for role in roles.ROLE_PERMISSIONS if make_user(role).has_perm("journey.change_roundrules")}
    assert allowed == {roles.UNIT_ADMIN}


def test_coordinators_leads_and_the_units_admin_see_the_reports_nurses_do_not(db):
    allowed = {role for role in roles.ROLE_PERMISSIONS if make_user(role).has_perm("journey.view_reports")}
    assert allowed == {roles.COORDINATOR, roles.CLINICAL_LEAD, roles.UNIT_ADMIN}


def test_the_unit_admin_edits_the_coded_reasons_but_never_deletes_one(db):
    admin = make_user(roles.UNIT_ADMIN, is_staff=True)
    assert admin.has_perms(["journey.add_reason", "journey.change_reason", "journey.view_reason"])
    assert not admin.has_perm("journey.delete_reason")
