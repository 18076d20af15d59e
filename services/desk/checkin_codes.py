"""Check-in codes: what a student's QR code holds and a USB scanner types at the desk.

A code is `CW1.<student id>.<signature>`, or `CW2.<student id>.<code version>.<signature>`
once the student's code was reset (about 35 characters of digits, capitals and dots, which
QR alphanumeric mode stores compactly): no name, birth date or family in it, and it cannot
be made up without the app secret (services.kernel.signing, purpose "checkin"). A code never
expires. "Reset this code" (services.families.code_resets) adds one to the student's
`checkin_code_version`, so every older code of theirs is refused at once; codes handed out
before versions existed are version 1 and keep working until a reset. Changing the app
secret still replaces every code at once (and every calendar link). A scanned code is read
with `read_checkin_code`; check-in then accepts it only from `code_holder`.

The `qr_codes_enabled` setting governs parents: when it is off they get no code; staff may
still print one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy.orm import Session

from data.models import Student
from services.kernel import signing
from services.kernel.access import Actor
from services.kernel.errors import FeatureDisabled, ValidationError
from services.kernel.reach import student_in_reach
from services.kernel.settings import get_settings

FIRST_FORMAT, VERSIONED_FORMAT = "CW1", "CW2"
PURPOSE = "checkin"
MAX_CODE_LENGTH = 100
MAX_STUDENT_ID = 2**63 - 1


def student_checkin_code(db: Session, actor: Actor, student_id: int) -> str:
    """The signed check-in code of an active student the actor may reach."""
    if actor.is_guardian and not get_settings(db).qr_codes_enabled:
        raise FeatureDisabled("Check-in QR codes are not offered.")
    student = student_in_reach(db, actor, student_id)
    if not student.is_active:
        raise ValidationError(
            f"{student.first_name} is not an active student, so there is no check-in code."
        )
    return code_for(student)


@dataclass(frozen=True)
class CodeClaim:
    """What a genuinely signed code says: whose it is and which of their codes."""

    student_id: int
    version: int


def code_for(student: Student) -> str:
    """The student's current code (version 1 keeps the format handed out before resets)."""
    version = student.checkin_code_version
    if version == 1:
        return signing.sign(PURPOSE, f"{FIRST_FORMAT}.{student.id}")
    return signing.sign(PURPOSE, f"{VERSIONED_FORMAT}.{student.id}.{version}")


def checkin_qr_png(code: str) -> bytes:
    """A PNG of the QR code for a genuine check-in code (anything else is refused)."""
    if read_checkin_code(code) is None:
        raise ValidationError("That check-in code is not valid.")
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    qr.add_data(code.strip().upper())
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def read_checkin_code(code: str) -> CodeClaim | None:
    """The claim of a scanned code; None for a forged, altered or malformed one. Surrounding
    whitespace (the scanner's Enter) and letter case are ignored. Whether the claimed code is
    still the student's current one is `code_holder`'s question."""
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH:
        return None
    payload = signing.verify(PURPOSE, code.strip().upper())
    if payload is None:
        return None
    parts = payload.split(".")
    if not all(part.isascii() and part.isdecimal() for part in parts[1:]):
        return None
    if parts[0] == FIRST_FORMAT and len(parts) == 2:
        student_id, version = int(parts[1]), 1
    elif parts[0] == VERSIONED_FORMAT and len(parts) == 3:
        student_id, version = int(parts[1]), int(parts[2])
    else:
        return None
    if not (0 < student_id <= MAX_STUDENT_ID and 0 < version <= MAX_STUDENT_ID):
        return None
    return CodeClaim(student_id, version)


def code_holder(db: Session, claim: CodeClaim) -> Student | None:
    """The student a claim names, if the code is still theirs (not reset since)."""
    student = db.get(Student, claim.student_id)
    if student is None or student.checkin_code_version != claim.version:
        return None
    return student
