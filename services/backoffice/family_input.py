"""What the desk types about a family's guardians, checked with the families domain's own rules
(contact_validation for e-mails, phones and addresses; students for names and students).
Pure functions apart from reading the portal's phone region."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from services.families.contact_validation import (
    AddressInput,
    clean_address,
    clean_email,
    clean_phone,
)
from services.families.students import StudentInput, clean_person_name, clean_student_input
from services.kernel.errors import ValidationError
from services.kernel.settings import get_settings
from services.kernel.validation import require_text

FAMILY_NAME_MAX = 120  # families.name
MAX_GUARDIANS = 4
MAX_STUDENTS = 10
MAX_CONTACTS = 3  # e-mails, and phones, per guardian on the form


@dataclass(frozen=True)
class GuardianSetup:
    """One guardian as the desk enters them."""

    first_name: str
    last_name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    address: AddressInput | None = None
    # Consent the parent gave (never assumed): e-mail blasts for every address given, SMS/voice
    # messages for every number given.
    email_opt_in: bool = False
    sms_opt_in: bool = False
    is_primary: bool = False


@dataclass(frozen=True)
class FamilySetup:
    """The "New family" form: the family's name (blank: "<primary's last name> family"), its
    guardians (exactly one primary) and its students."""

    family_name: str
    guardians: tuple[GuardianSetup, ...]
    students: tuple[StudentInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CleanGuardian:
    first_name: str
    last_name: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]  # E.164
    address: AddressInput | None
    email_opt_in: bool
    sms_opt_in: bool
    is_primary: bool

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class CleanFamily:
    name: str
    guardians: tuple[CleanGuardian, ...]
    students: tuple[StudentInput, ...]


def clean_family(db: Session, setup: object, today: date) -> CleanFamily:
    """The whole form checked, or a ValidationError naming the first thing to fix."""
    if not isinstance(setup, FamilySetup):
        raise ValidationError("The family's details are not valid.")
    if not isinstance(setup.guardians, tuple | list) or not setup.guardians:
        raise ValidationError("Add the family's primary guardian.")
    if len(setup.guardians) > MAX_GUARDIANS:
        raise ValidationError(f"Add at most {MAX_GUARDIANS} guardians here.")
    if not isinstance(setup.students, tuple | list):
        raise ValidationError("The students' details are not valid.")
    if len(setup.students) > MAX_STUDENTS:
        raise ValidationError(f"Add at most {MAX_STUDENTS} students here.")
    region = get_settings(db).default_phone_region
    guardians = tuple(
        clean_guardian(g, region, position) for position, g in enumerate(setup.guardians, 1)
    )
    if sum(g.is_primary for g in guardians) != 1:
        raise ValidationError("Choose exactly one primary guardian.")
    _refuse_repeats([e for g in guardians for e in g.emails], "e-mail address")
    _refuse_repeats([p for g in guardians for p in g.phones], "phone number")
    students = tuple(clean_student_input(s, today) for s in setup.students)
    primary = next(g for g in guardians if g.is_primary)
    return CleanFamily(_family_name(setup.family_name, primary), guardians, students)


def clean_guardian(raw: object, region: str, position: int = 1) -> CleanGuardian:
    """One guardian's details; `position` names them in messages when there are several."""
    if not isinstance(raw, GuardianSetup):
        raise ValidationError("The guardian's details are not valid.")
    who = "the primary guardian" if raw.is_primary is True else f"guardian {position}"
    if not isinstance(raw.is_primary, bool):
        raise ValidationError("Choose whether the guardian is the primary guardian.")
    for flag in (raw.email_opt_in, raw.sms_opt_in):
        if not isinstance(flag, bool):
            raise ValidationError(f"Choose the e-mail and SMS consent of {who}.")
    emails = _values(raw.emails, "e-mail address", who)
    phones = _values(raw.phones, "phone number", who)
    try:
        first = clean_person_name(raw.first_name, "first name")
        last = clean_person_name(raw.last_name, "last name")
        clean_emails = tuple(clean_email(e) for e in emails)
        clean_phones = tuple(clean_phone(p, region) for p in phones)
        address = None if raw.address is None else clean_address(raw.address)
    except ValidationError as error:
        raise ValidationError(f"{error.message} ({who})") from None
    if raw.is_primary and not clean_emails:
        raise ValidationError(
            "Enter the primary guardian's e-mail address: the portal invitation goes there."
        )
    return CleanGuardian(
        first, last, clean_emails, clean_phones, address, raw.email_opt_in, raw.sms_opt_in,
        raw.is_primary,
    )  # fmt: skip


def _values(raw: object, what: str, who: str) -> list[str]:
    """The non-blank entries of a list of e-mails or phones (`what` names one)."""
    if not isinstance(raw, tuple | list):
        raise ValidationError(f"The {what} list of {who} is not valid.")
    values = [require_text(v, what) for v in raw]
    kept = [v for v in values if v.strip()]
    if len(kept) > MAX_CONTACTS:
        raise ValidationError(f"Enter at most {MAX_CONTACTS} of each contact for {who}.")
    return kept


def _refuse_repeats(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValidationError(f"The {what} {value} is entered twice; a family keeps it once.")
        seen.add(value)


def _family_name(raw: object, primary: CleanGuardian) -> str:
    text = " ".join(require_text(raw, "family name").split())
    if not text:
        return f"{primary.last_name} family"[:FAMILY_NAME_MAX]
    if len(text) > FAMILY_NAME_MAX:
        raise ValidationError(f"The family name can be at most {FAMILY_NAME_MAX} characters.")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in text):
        raise ValidationError("The family name contains a character that is not allowed.")
    if not any(c.isalpha() for c in text):
        raise ValidationError("The family name needs at least one letter.")
    return text
