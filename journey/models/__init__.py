from journey.models.audit import AuditEntry
from journey.models.journeys import (
    Alert,
    Answer,
    Condition,
    Journey,
    JourneyEvent,
    Patient,
    RailStop,
    StageTimer,
    StageVisit,
)
from journey.models.observations import ObservationRound, RoundSlot
from journey.models.pathways import ItemDefinition, Pathway, StageDefinition
from journey.models.red_flags import RedFlag, RedFlagKind

__all__ = [
    "Alert",
    "Answer",
    "AuditEntry",
    "Condition",
    "ItemDefinition",
    "Journey",
    "JourneyEvent",
    "ObservationRound",
    "Pathway",
    "Patient",
    "RailStop",
    "RedFlag",
    "RedFlagKind",
    "RoundSlot",
    "StageDefinition",
    "StageTimer",
    "StageVisit",
]
