"""The ward's roles as Django groups, and the permissions each one holds.

Kept in step after every ``migrate`` so a fresh database (and every test database) has them.
"""

from typing import Any

from django.contrib.auth.models import Group, Permission

NURSE = "Nurse"
COORDINATOR = "Coordinator"
CLINICAL_LEAD = "Clinical lead"
UNIT_ADMIN = "Unit admin"
DISPLAY = "Display"

_CARE = ["view_journey", "view_patient", "check_in_patient", "record_care", "view_board"]
_PATHWAY_EDITING = [
    f"{action}_{model}"
    for model in ("pathway", "stagedefinition", "itemdefinition")
    for action in ("add", "change", "delete", "view")
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    NURSE: _CARE,
    COORDINATOR: ["view_journey", "view_patient", "check_in_patient", "view_board"],
    CLINICAL_LEAD: [*_CARE, "override_minimum", "resolve_red_flag"],
    # Interface tokens: created and revoked (never deleted) for the hospital's integration engine.
    UNIT_ADMIN: [
        *_PATHWAY_EDITING,
        "view_journey",
        "view_patient",
        "view_board",
        "add_interfacetoken",
        "change_interfacetoken",
        "view_interfacetoken",
    ],
    # A waiting-room screen: the anonymised board and nothing else.
    DISPLAY: ["view_public_board"],
}


def sync_roles() -> None:
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        permissions = Permission.objects.filter(content_type__app_label="journey", codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise LookupError(f"Unknown permissions for {role}: {sorted(missing)}")
        group.permissions.set(permissions)


def sync_roles_after_migrate(**kwargs: Any) -> None:
    sync_roles()
