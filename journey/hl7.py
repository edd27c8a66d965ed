"""HL7 v2 from the hospital's schedule: read a message (python-hl7), map it to the unit's words, answer it.

No database here: journey/hl7_inbox.py stores each message and applies it through the domain's verbs.

The mapping (README, "Receiving bookings (HL7 v2)"):
  PID-3   the MRN: the repetition whose assigning authority (CX-4) is TRACKER_HL7_ASSIGNING_AUTHORITY
  PID-5   family name (XPN-1), given name (XPN-2), first repetition
  PID-7   date of birth
  SCH-2   the appointment's stable id (the filler's, EI-1); SCH-1 (the placer's) when SCH-2 is empty
  AIS-4   the procedure's start; SCH-11 component 4 when AIS-4 is empty (older senders)
  AIS-3   the procedure code (CE-1), mapped to a pathway by the admin's table of procedure codes
  AIS-11  the planned vertebral levels, one per repetition (placer supplemental service information)
  AIL-3   the bay: the bed (PL-3), else the room (PL-2), else the point of care (PL-1)
  SCH-6   the reason of a cancellation or a did-not-arrive (CE-2 text, else CE-1 code)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import hl7
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from journey.levels import parse_levels
from journey.models.patients import PatientDetails

# MSH-9 (message code, trigger event) -> what the unit does with it.
SUPPORTED = {
    ("SIU", "S12"): "book",
    ("SIU", "S13"): "reschedule",
    ("SIU", "S14"): "modify",
    ("SIU", "S15"): "cancel",
    ("SIU", "S26"): "did_not_arrive",
    ("ADT", "A08"): "update_patient",
}
VERSIONS = ("2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2")
# MSH-18: UTF-8 (or plain ASCII, a subset) unless the sender declares ISO 8859-1.
LATIN_1 = ("8859/1",)
UTF_8 = ("", "UNICODE UTF-8", "ASCII")
DTM_TZ = hl7.datatypes.DTM_TZ_RE
# Stored lengths (InboundMessage): longer values are refused rather than cut.
MAX_CONTROL_ID, MAX_SENDER = 200, 200


class Refusal(Exception):
    """The message cannot be applied. ``ack_code`` says how the ACK answers; ``hl7_code`` is from HL7
    table 0357 and ``location`` names the field (ERR-2), so the sender's team can find the problem."""

    ack_code = "AE"

    def __init__(self, message: str, *, hl7_code: int = 207, location: str = ""):
        super().__init__(message)
        self.message = message
        self.hl7_code = hl7_code
        self.location = location

    def __str__(self) -> str:
        return self.message


class Rejected(Refusal):
    """AR: not HL7 we accept (unreadable, no MSH, unsupported type or version)."""

    ack_code = "AR"


class NotApplied(Refusal):
    """AE: understood, but the unit cannot apply it (unknown procedure code, invalid level, unknown appointment)."""

    ack_code = "AE"


HL7_ERROR_TEXT = {
    100: "Segment sequence error",
    101: "Required field missing",
    102: "Data type error",
    103: "Table value not found",
    200: "Unsupported message type",
    201: "Unsupported event code",
    203: "Unsupported version id",
    204: "Unknown key identifier",
    205: "Duplicate key identifier",
    207: "Application internal error",
}


@dataclass(frozen=True)
class Header:
    sender: str  # MSH-3^MSH-4
    control_id: str  # MSH-10
    message_type: str  # MSH-9.1^MSH-9.2, e.g. SIU^S12
    version: str  # MSH-12

    @property
    def action(self) -> str | None:
        code, _, trigger = self.message_type.partition("^")
        return SUPPORTED.get((code, trigger))


@dataclass(frozen=True)
class Appointment:
    appointment_id: str
    start: dt.datetime | None  # aware
    service_code: str
    bay: str
    levels: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def day(self) -> dt.date | None:
        return timezone.localtime(self.start).date() if self.start else None

    @property
    def time(self) -> dt.time | None:
        return timezone.localtime(self.start).time().replace(second=0, microsecond=0) if self.start else None


# --- reading ---


def decode(raw: bytes) -> tuple[str, str]:
    """The message's text and, if the bytes are not text we accept, why (the message is then rejected).

    The text is always returned, so even a rejected message is stored as it came: undecodable bytes are
    kept as \\xNN, and NUL (which PostgreSQL cannot store in text) as \\x00."""
    problem = ""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        latin = raw.decode("latin-1")
        if _declared_charset(latin) in LATIN_1:
            text = latin
        else:
            text = raw.decode("utf-8", "backslashreplace")
            problem = (
                f"The message is not valid UTF-8 (byte 0x{raw[exc.start]:02X} at position {exc.start}) "
                "and MSH-18 does not declare 8859/1. Send UTF-8, or declare the character set in MSH-18."
            )
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
        problem = problem or "The message contains NUL bytes, which HL7 text may not hold."
    # Segments end with a carriage return; files edited by hand often carry line feeds instead.
    text = text.replace("\r\n", "\r").replace("\n", "\r").strip()
    return text, problem


def _declared_charset(text: str) -> str:
    try:
        return _field(hl7.parse(text), "MSH", 18).upper()
    except Exception:  # an unreadable header declares nothing
        return ""


def parse(text: str) -> hl7.Message:
    """The parsed message, or Rejected (AR) when it is not one HL7 message we can read."""
    if not text.startswith("MSH"):
        raise Rejected("The message does not begin with an MSH segment.", hl7_code=100, location="MSH")
    field_separator, encoding = text[3:4], text[4:9].split(text[3:4] or "|")[0]
    separators = field_separator + encoding
    if (
        not field_separator
        or len(encoding) not in (4, 5)
        or len(set(separators)) != len(separators)
        or any(c.isalnum() or c.isspace() for c in separators)
    ):
        raise Rejected(
            "MSH-1 and MSH-2 do not hold valid separators (expected |^~\\& or five other distinct symbols).",
            hl7_code=102,
            location="MSH^1^1",
        )
    try:
        message = hl7.parse(text)
        segment_names = [str(segment[0]) for segment in message]
    except Exception as exc:  # python-hl7 raises several kinds on malformed text; all mean "cannot read"
        raise Rejected(f"The message could not be read as HL7 ({exc}).", hl7_code=102) from exc
    if segment_names.count("MSH") != 1:
        raise Rejected("Send one message per frame: this one holds several MSH segments.", hl7_code=100)
    return message


def header(message: hl7.Message) -> Header:
    """What identifies the message, read leniently: it is stored even when the rest is refused."""
    code, trigger = _field(message, "MSH", 9, comp=1), _field(message, "MSH", 9, comp=2)
    sender = "^".join(v for v in (_field(message, "MSH", 3), _field(message, "MSH", 4)) if v)
    return Header(
        sender=sender[:MAX_SENDER],
        control_id=_field(message, "MSH", 10)[:MAX_CONTROL_ID],
        message_type=f"{code}^{trigger}" if trigger else code,
        version=_field(message, "MSH", 12),
    )


def check_supported(message: hl7.Message, head: Header) -> None:
    """Rejected (AR) unless the unit takes this message type and version."""
    sender = len(_field(message, "MSH", 3)) + len(_field(message, "MSH", 4)) + 1
    if len(_field(message, "MSH", 10)) > MAX_CONTROL_ID or sender > MAX_SENDER:
        raise Rejected("MSH-10 (or MSH-3/MSH-4) is too long.", hl7_code=102, location="MSH^1^10")
    if not head.control_id:
        raise Rejected("MSH-10, the message control id, is empty.", hl7_code=101, location="MSH^1^10")
    if head.action is None:
        taken = ", ".join(f"{code}^{trigger}" for code, trigger in SUPPORTED)
        code = 200 if head.message_type.split("^")[0] not in {c for c, _ in SUPPORTED} else 201
        raise Rejected(
            f"Message type {head.message_type or '(empty)'} is not taken here; the unit takes {taken}.",
            hl7_code=code,
            location="MSH^1^9",
        )
    if head.version not in VERSIONS:
        raise Rejected(
            f"HL7 version {head.version or '(empty)'} is not supported; send 2.3 to 2.8.",
            hl7_code=203,
            location="MSH^1^12",
        )


def patient_details(message: hl7.Message) -> PatientDetails:
    """PID-3 (the MRN of the hospital's assigning authority), PID-5 names, PID-7 date of birth."""
    if not _has(message, "PID"):
        raise NotApplied("The message has no PID segment.", hl7_code=100, location="PID")
    authority = settings.TRACKER_HL7_ASSIGNING_AUTHORITY
    identifiers, mrn = [], ""
    for rep in range(1, 51):
        number = _field(message, "PID", 3, rep=rep)
        issuer = _field(message, "PID", 3, rep=rep, comp=4)
        if not number and not issuer:
            break
        identifiers.append(f"{number} ({issuer or 'no authority'})")
        if issuer.casefold() == authority.casefold():
            mrn = number.strip().upper()
            break
    if not mrn:
        found = "; found " + ", ".join(identifiers) if identifiers else ""
        raise NotApplied(
            f"PID-3 holds no MRN with assigning authority {authority}{found}.", hl7_code=204, location="PID^1^3"
        )
    if len(mrn) > 20:
        raise NotApplied(f"The MRN {mrn[:30]} is longer than 20 characters.", hl7_code=102, location="PID^1^3")
    family, given = _field(message, "PID", 5).strip(), _field(message, "PID", 5, comp=2).strip()
    if not family or not given:
        raise NotApplied("PID-5 needs the family name and the given name.", hl7_code=101, location="PID^1^5")
    if len(family) > 100 or len(given) > 100:
        raise NotApplied("A name in PID-5 is longer than 100 characters.", hl7_code=102, location="PID^1^5")
    born = _datetime(message, "PID", 7, what="date of birth", digits=8)
    if born is None:
        raise NotApplied("PID-7, the date of birth, is empty.", hl7_code=101, location="PID^1^7")
    if born.date() > timezone.localdate():
        raise NotApplied(f"PID-7, the date of birth {born:%d %b %Y}, is in the future.", location="PID^1^7")
    return PatientDetails(mrn=mrn, given_name=given, family_name=family, date_of_birth=born.date())


def appointment(message: hl7.Message) -> Appointment:
    """The booking's fields (see the module's mapping); each one may be empty except the appointment id."""
    if not _has(message, "SCH"):
        raise NotApplied("The message has no SCH segment.", hl7_code=100, location="SCH")
    appointment_id = (_field(message, "SCH", 2) or _field(message, "SCH", 1)).strip()
    if not appointment_id:
        raise NotApplied("SCH-2 and SCH-1 are empty: no appointment id.", hl7_code=101, location="SCH^1^2")
    if len(appointment_id) > 100:
        raise NotApplied("The appointment id in SCH-2 is longer than 100 characters.", hl7_code=102)
    start = _datetime(message, "AIS", 4, what="start") or _datetime(message, "SCH", 11, comp=4, what="start")
    bay = next((b for b in (_field(message, "AIL", 3, comp=c).strip() for c in (3, 2, 1)) if b), "")
    if len(bay) > 20:
        raise NotApplied(f"The bay {bay[:30]} in AIL-3 is longer than 20 characters.", location="AIL^1^3")
    named = [_field(message, "AIS", 11, rep=rep) for rep in range(1, 21)]
    named = [n for n in named if n.strip()]
    levels: list[str] = []
    if named:
        try:
            levels = parse_levels(" ".join(named))
        except ValidationError as exc:
            raise NotApplied(" ".join(exc.messages), hl7_code=103, location="AIS^1^11") from exc
    return Appointment(
        appointment_id=appointment_id,
        start=start,
        service_code=_field(message, "AIS", 3).strip().upper(),
        bay=bay,
        levels=levels,
        reason=(_field(message, "SCH", 6, comp=2) or _field(message, "SCH", 6)).strip(),
    )


def _has(message: hl7.Message, segment: str) -> bool:
    try:
        message.segment(segment)
    except KeyError:
        return False
    return True


def _field(message: hl7.Message, segment: str, number: int, *, rep: int = 1, comp: int = 1, sub: int = 1) -> str:
    """One value (unescaped by python-hl7), or "" when the segment, field or component is absent."""
    try:
        return str(message.extract_field(segment, 1, number, rep, comp, sub))
    except (KeyError, IndexError):
        return ""


def _datetime(
    message: hl7.Message, segment: str, number: int, *, comp: int = 1, what: str, digits: int = 12
) -> dt.datetime | None:
    """An aware datetime; a time without an offset is the unit's local time (TRACKER_TIME_ZONE)."""
    value = _field(message, segment, number, comp=comp).strip()
    if not value:
        return None
    where = f"{segment}^1^{number}"
    # python-hl7 reads the leading digits and ignores the rest; the whole value must be a DTM, precise
    # to the day (a date of birth) or to the minute (a start).
    shape = DTM_TZ.fullmatch(value)
    try:
        if shape is None or len(shape.group(1).split(".")[0]) < digits:
            raise ValueError(value)
        moment = hl7.parse_datetime(value)
    except (ValueError, OverflowError) as exc:
        raise NotApplied(
            f"{segment}-{number}, the {what}, is not an HL7 date and time: {value[:40]}", hl7_code=102, location=where
        ) from exc
    if moment.tzinfo is None:
        try:
            moment = timezone.make_aware(moment)
        except Exception as exc:  # a local time that does not exist or happens twice (clock change)
            raise NotApplied(
                f"{segment}-{number}, the {what} {value}, falls in a clock change: send it with its UTC offset.",
                hl7_code=102,
                location=where,
            ) from exc
    return moment


# --- answering ---


# python-hl7 escapes a character as \\Xhh\\ by its code point, which only reads back for Latin-1.
_BEYOND_LATIN_1 = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."})


def ack(message: hl7.Message | None, code: str, *, refusal: Refusal | None = None, now: dt.datetime) -> str:
    """The ACK for ``message``: MSA-1 the code, MSA-2 the message's MSH-10, and for a refusal MSA-3 and
    an ERR segment (ERR-2 where, ERR-3 the HL7 error code, ERR-4 severity, ERR-8 the reason in words)."""
    application, facility = settings.TRACKER_HL7_APPLICATION, settings.TRACKER_HL7_FACILITY
    if message is None:
        answer = hl7.parse(f"MSH|^~\\&|{application}|{facility}|||||ACK||P|2.5\rMSA|{code}|")
        answer.assign_field(hl7.generate_message_control_id(), "MSH", 1, 10)
    else:
        answer = message.create_ack(
            code, message_id=hl7.generate_message_control_id(), application=application, facility=facility
        )
    answer.assign_field(timezone.localtime(now).strftime("%Y%m%d%H%M%S%z"), "MSH", 1, 7)
    if refusal is None:
        return str(answer)
    readable = " ".join(refusal.message.split()).translate(_BEYOND_LATIN_1)
    text = answer.escape("".join(c if ord(c) <= 0xFF else "?" for c in readable))
    answer.segment("MSA").assign_field(text, 3)
    err = answer.create_segment([answer.create_field(["ERR"])])
    location = refusal.location.split("^")
    for component, value in enumerate(location, start=1):
        err.assign_field(answer.escape(value), 2, 1, component)
    err.assign_field(str(refusal.hl7_code), 3, 1, 1)
    err.assign_field(HL7_ERROR_TEXT.get(refusal.hl7_code, ""), 3, 1, 2)
    err.assign_field("HL70357", 3, 1, 3)
    err.assign_field("E", 4)
    err.assign_field(text, 8)
    answer.append(err)
    return str(answer)
