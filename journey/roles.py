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
    for model in ("pathway", "stagedefinition", "itemdefinition", "roundrules")
    for action in ("add", "change", "delete", "view")
]

# The hospital's interfaces: the admin keeps the procedure-code table and may replay a failed message.
_INTERFACES = [
    *(f"{action}_servicecode" for action in ("add", "change", "delete", "view")),
    "view_inboundmessage",
    "replay_inboundmessage",
    "view_hospitalappointment",
    # Interface tokens for the FHIR API: created and revoked (never deleted) for the integration engine.
    "add_interfacetoken",
    "change_interfacetoken",
    "view_interfacetoken",
]

# The coded reasons are the unit's list: added, reworded or retired (made inactive), never deleted,
# since the reasons already given point at them.
_REASON_EDITING = ["add_reason", "change_reason", "view_reason", "view_reasongiven"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    NURSE: _CARE,
    COORDINATOR: ["view_journey", "view_patient", "check_in_patient", "view_board", "view_reports"],
    CLINICAL_LEAD: [
        *_CARE,
        "override_minimum",
        "resolve_red_flag",
        "set_spo2_scale",
        "mark_round_missed",
        "admit_overnight",
        "view_reports",
    ],
    UNIT_ADMIN: [
        *_PATHWAY_EDITING,
        *_REASON_EDITING,
        *_INTERFACES,
        "view_journey",
        "view_patient",
        "view_board",
        "view_reports",
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


# A marker, not a role: accounts made by seed_demo (journey/demo.py) carry it, and tracker/auth.py refuses
# them a sign-in unless DEBUG is on. It holds no permission.
DEMO_ACCOUNT = "Demo account"
