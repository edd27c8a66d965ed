from journey.models.journeys import Answer, Journey, JourneyEvent, Patient, StageTimer, StageVisit
from journey.models.pathways import ItemDefinition, Pathway, StageDefinition

__all__ = [
    "Answer",
    "ItemDefinition",
    "Journey",
    "JourneyEvent",
    "Pathway",
    "Patient",
    "StageDefinition",
    "StageTimer",
    "StageVisit",
]
