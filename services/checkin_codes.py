"""Check-in codes: what a student's QR code holds and a USB scanner types at the desk.

A code is `CW1.<student id>.<signature>` (about 35 characters of digits, capitals and dots,
which QR alphanumeric mode stores compactly): no name, birth date or family in it, and it
cannot be made up without the app secret (services.signing, purpose "checkin"). A code
never expires; `CW1` is the format version. There is no per-student revocation: changing
the app secret replaces every code at once (and every calendar link). A scanned code is
checked with `verify_checkin_code`; staff check-in then looks the student up as usual.

The `qr_codes_enabled` setting governs parents: when it is off they get no code; staff may
still print one.
"""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy.orm import Session

from services import signing
from services.access import Actor
from services.errors import FeatureDisabled, ValidationError
from services.settings import get_settings
from services.students import student_in_reach

CODE_VERSION = "CW1"
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
    return signing.sign(PURPOSE, f"{CODE_VERSION}.{student.id}")


def checkin_qr_png(code: str) -> bytes:
    """A PNG of the QR code for a genuine check-in code (anything else is refused)."""
    if verify_checkin_code(code) is None:
        raise ValidationError("That check-in code is not valid.")
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    qr.add_data(code.strip().upper())
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def verify_checkin_code(code: str) -> int | None:
    """The student id in a scanned code; None for a forged, altered or malformed one.

    Surrounding whitespace (the scanner's Enter) and letter case are ignored.
    """
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH:
        return None
    payload = signing.verify(PURPOSE, code.strip().upper())
    if payload is None:
        return None
    version, _, number = payload.partition(".")
    if version != CODE_VERSION or not (number.isascii() and number.isdecimal()):
        return None
    student_id = int(number)
    return student_id if 0 < student_id <= MAX_STUDENT_ID else None
