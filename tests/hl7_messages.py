"""HL7 v2 messages as the hospital's schedule sends them, for tests (built as text, read by python-hl7)."""

from __future__ import annotations

import itertools
from datetime import date, datetime

_control = itertools.count(1)


def siu(
    trigger: str = "S12",
    *,
    control_id: str | None = None,
    appointment_id: str = "APT-1",
    mrn: str = "H100001",
    family: str = "Quinn",
    given: str = "Margaret",
    born: date = date(1948, 3, 12),
    start: datetime | str = "20261121093000",
    code: str = "VERTEBROPLASTY",
    levels: tuple[str, ...] = ("T12", "L1"),
    bay: str = "4",
    reason: str = "",
    sender: tuple[str, str] = ("HOSPITAL-PAS", "GENERAL"),
    version: str = "2.5",
    extra_segments: tuple[str, ...] = (),
) -> bytes:
    control_id = control_id or f"MSG-{next(_control):05d}"
    when = start if isinstance(start, str) else start.strftime("%Y%m%d%H%M%S")
    segments = [
        f"MSH|^~\\&|{sender[0]}|{sender[1]}|SPINE-TRACKER|DAY-UNIT|20261120160000||SIU^{trigger}^SIU_{trigger}|"
        f"{control_id}|P|{version}",
        f"SCH||{appointment_id}^HOSPITAL-PAS||||{reason}|ROUTINE^Routine booking||||^^^{when}",
        f"PID|1||9434765919^^^NHS^NH~{mrn}^^^HOSP^MR||{family}^{given}||{born:%Y%m%d}|F",
        "RGS|1|A",
        f"AIS|1|A|{code}^Procedure^L|{when}|||||||{'~'.join(levels)}",
        f"AIL|1|A|SPINE^^{bay}",
        *extra_segments,
    ]
    return "\r".join(segments).encode() + b"\r"


def adt_a08(
    *,
    control_id: str | None = None,
    mrn: str = "H100001",
    family: str = "Quinn",
    given: str = "Margaret",
    born: date = date(1948, 3, 12),
) -> bytes:
    control_id = control_id or f"MSG-{next(_control):05d}"
    segments = [
        f"MSH|^~\\&|HOSPITAL-PAS|GENERAL|SPINE-TRACKER|DAY-UNIT|20261120160000||ADT^A08^ADT_A01|{control_id}|P|2.5",
        "EVN|A08|20261120160000",
        f"PID|1||{mrn}^^^HOSP^MR||{family}^{given}||{born:%Y%m%d}|F",
        "PV1|1|O",
    ]
    return "\r".join(segments).encode() + b"\r"


def ack_fields(ack: str) -> dict[str, str]:
    """MSA-1, MSA-2, MSA-3 and ERR-8 of an ACK, read with python-hl7."""
    import hl7

    message = hl7.parse(ack)
    found = {
        "code": str(message.extract_field("MSA", 1, 1)),
        "control_id": str(message.extract_field("MSA", 1, 2)),
        "text": "",
        "error": "",
    }
    try:
        found["text"] = str(message.extract_field("MSA", 1, 3))
        found["error"] = str(message.extract_field("ERR", 1, 8))
    except (KeyError, IndexError):
        pass
    return found
