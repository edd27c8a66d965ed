from journey.models.journeys import Answer, Condition, Journey, JourneyEvent, Patient, StageTimer, StageVisit
from journey.models.observations import ObservationRound, RoundSlot
from journey.models.pathways import ItemDefinition, Pathway, StageDefinition
from journey.models.red_flags import RedFlag, RedFlagKind

__all__ = [
    "Answer",
    "Condition",
    "ItemDefinition",
    "Journey",
    "JourneyEvent",
    "ObservationRound",
    "Pathway",
    "Patient",
    "RedFlag",
    "RedFlagKind",
    "RoundSlot",
    "StageDefinition",
    "StageTimer",
    "StageVisit",
]
