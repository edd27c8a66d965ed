from journey.models.audit import AuditEntry
from journey.models.events import JourneyEvent
from journey.models.handovers import Handover
from journey.models.interfaces import HospitalAppointment, InboundMessage, ServiceCode
from journey.models.journeys import Alert, Journey, RailStop
from journey.models.observations import (
    Consciousness,
    MissedRound,
    News2Risk,
    ObservationRound,
    RoundRules,
    RoundSlot,
    RoundTiming,
    Spo2Scale,
    Spo2ScaleOrder,
)
from journey.models.pathways import Configuration, ItemDefinition, Pathway, StageDefinition
from journey.models.patients import Patient, PatientDetails
from journey.models.reasons import Occasion, Reason, ReasonCategory, ReasonGiven
from journey.models.red_flags import RedFlag, RedFlagKind
from journey.models.tokens import InterfaceToken
from journey.models.visits import Answer, Condition, StageTimer, StageVisit

__all__ = [
    "Alert",
    "Answer",
    "AuditEntry",
    "Condition",
    "Configuration",
    "Consciousness",
    "Handover",
    "HospitalAppointment",
    "InboundMessage",
    "InterfaceToken",
    "ItemDefinition",
    "Journey",
    "JourneyEvent",
    "MissedRound",
    "News2Risk",
    "ObservationRound",
    "Occasion",
    "Pathway",
    "Patient",
    "PatientDetails",
    "RailStop",
    "Reason",
    "ReasonCategory",
    "ReasonGiven",
    "RedFlag",
    "RedFlagKind",
    "RoundRules",
    "RoundSlot",
    "RoundTiming",
    "ServiceCode",
    "Spo2Scale",
    "Spo2ScaleOrder",
    "StageDefinition",
    "StageTimer",
    "StageVisit",
]
