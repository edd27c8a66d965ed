from journey.models.audit import AuditEntry
from journey.models.events import JourneyEvent
from journey.models.interfaces import InterfaceToken
from journey.models.journeys import Alert, Journey, RailStop
from journey.models.observations import ObservationRound, RoundSlot
from journey.models.pathways import ItemDefinition, Pathway, StageDefinition
from journey.models.patients import Patient, PatientDetails
from journey.models.red_flags import RedFlag, RedFlagKind
from journey.models.visits import Answer, Condition, StageTimer, StageVisit

__all__ = [
    "Alert",
    "Answer",
    "AuditEntry",
    "Condition",
    "InterfaceToken",
    "ItemDefinition",
    "Journey",
    "JourneyEvent",
    "ObservationRound",
    "Pathway",
    "Patient",
    "PatientDetails",
    "RailStop",
    "RedFlag",
    "RedFlagKind",
    "RoundSlot",
    "StageDefinition",
    "StageTimer",
    "StageVisit",
]
