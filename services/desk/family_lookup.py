"""Family look-up for the front desk: search, a read-only overview, staff-only notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from data.models import EmailAddress, Family, Guardian, PhoneNumber, StaffNote, Student, User
from services.billing.ledger import Balance, family_balance
from services.billing.transactions_history import RECENT_DAYS, family_ledger, with_running_balance
from services.families.students import StudentCard, family_students
from services.kernel import audit, clock
from services.kernel.access import Actor, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.reach import family_timezone, reachable_family
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_text

MAX_HITS = 25
_SCAN = 200  # candidates looked at before the location filter for staff


@dataclass(frozen=True)
class FamilyHit:
    family_id: int
    family_name: str
    guardians: str  # "Maria Garcia, Carlos Garcia"
    students: str


@dataclass(frozen=True)
class GuardianContacts:
    id: int
    first_name: str
    last_name: str
    name: str
    is_primary: bool
    access: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]


@dataclass(frozen=True)
class NoteView:
    body: str
    author: str
    at: datetime


@dataclass(frozen=True)
class FamilyOverview:
    family_id: int
    family_name: str
    guardians: tuple[GuardianContacts, ...]
    unassigned: tuple[str, ...]  # e-mails and phones linked to no guardian
    students: tuple[StudentCard, ...]
    balance: Balance
    notes: tuple[NoteView, ...]
    timezone: str  # where the family takes classes: note times are shown there


def _pattern(query: object) -> str:
    if not isinstance(query, str) or not 2 <= len(query.strip()) <= 100:
        raise ValidationError("Type at least 2 characters (at most 100) to search.")
    escaped = query.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_families(db: Session, actor: Actor, query: str) -> list[FamilyHit]:
    """Families whose name, guardian, student, e-mail or phone matches; staff see only the
    families of their locations."""
    require_staff(actor)
    require_text(query, "search")
    pattern = _pattern(query)
    digits = "".join(c for c in query if c.isdigit())

    def like(column):  # type: ignore[no-untyped-def]
        return func.lower(column).like(pattern, escape="\\")

    matches = [
        select(Family.id.label("family_id")).where(like(Family.name)),
        select(Guardian.family_id).where(like(Guardian.first_name + " " + Guardian.last_name)),
        select(Student.family_id).where(like(Student.first_name + " " + Student.last_name)),
        select(EmailAddress.family_id).where(like(EmailAddress.email)),
    ]
    if len(digits) >= 3:
        matches.append(select(PhoneNumber.family_id).where(PhoneNumber.e164.contains(digits)))
    ids = union(*matches).subquery()
    families = db.execute(
        select(Family.id, Family.name)
        .where(Family.id.in_(select(ids.c.family_id)))
        .order_by(Family.name, Family.id)
        .limit(_SCAN)
    ).all()
    reachable = [row for row in families if _reachable(db, actor, row.id)][:MAX_HITS]
    return _hits(db, reachable)


def _reachable(db: Session, actor: Actor, family_id: int) -> bool:
    try:
        reachable_family(db, actor, family_id)
    except NotFound:  # a family seen only at other locations
        return False
    return True


def _hits(db: Session, rows: list) -> list[FamilyHit]:  # type: ignore[type-arg]
    ids = [row.id for row in rows]
    guardians: dict[int, list[str]] = {i: [] for i in ids}
    students: dict[int, list[str]] = {i: [] for i in ids}
    for g in db.execute(
        select(Guardian.family_id, Guardian.first_name, Guardian.last_name)
        .where(Guardian.family_id.in_(ids))
        .order_by(Guardian.is_primary.desc(), Guardian.id)
    ):
        guardians[g.family_id].append(f"{g.first_name} {g.last_name}")
    for s in db.execute(
        select(Student.family_id, Student.first_name, Student.last_name)
        .where(Student.family_id.in_(ids), Student.is_active)
        .order_by(Student.first_name)
    ):
        students[s.family_id].append(f"{s.first_name} {s.last_name}")
    return [
        FamilyHit(row.id, row.name, ", ".join(guardians[row.id]), ", ".join(students[row.id]))
        for row in rows
    ]


def family_overview(db: Session, actor: Actor, family_id: int) -> FamilyOverview:
    """The family's account as the parent sees it, read-only, with staff-only notes."""
    require_staff(actor)
    family_id = reachable_family(db, actor, family_id)
    family = db.get(Family, family_id)
    assert family is not None  # reachable_family checked it
    emails = db.execute(
        select(EmailAddress.guardian_id, EmailAddress.email, EmailAddress.blasts_opt_in)
        .where(EmailAddress.family_id == family_id)
        .order_by(EmailAddress.id)
    ).all()
    phones = db.execute(
        select(PhoneNumber.guardian_id, PhoneNumber.e164, PhoneNumber.sms_opt_in)
        .where(PhoneNumber.family_id == family_id)
        .order_by(PhoneNumber.id)
    ).all()
    guardians = tuple(
        GuardianContacts(
            id=g.id,
            first_name=g.first_name,
            last_name=g.last_name,
            name=f"{g.first_name} {g.last_name}",
            is_primary=g.is_primary,
            access=g.access.value,
            emails=tuple(
                _contact(e.email, e.blasts_opt_in) for e in emails if e.guardian_id == g.id
            ),
            phones=tuple(_contact(p.e164, p.sms_opt_in) for p in phones if p.guardian_id == g.id),
        )
        for g in db.scalars(
            select(Guardian)
            .where(Guardian.family_id == family_id)
            .order_by(Guardian.is_primary.desc(), Guardian.id)
        )
    )
    unassigned = tuple(
        [_contact(e.email, e.blasts_opt_in) for e in emails if e.guardian_id is None]
        + [_contact(p.e164, p.sms_opt_in) for p in phones if p.guardian_id is None]
    )
    return FamilyOverview(
        family_id=family_id,
        family_name=family.name,
        guardians=guardians,
        unassigned=unassigned,
        students=tuple(family_students(db, actor, family_id=family_id)),
        balance=family_balance(db, actor, family_id),
        notes=_notes(db, family_id),
        timezone=family_timezone(db, family_id),
    )


def _contact(value: str, opted_in: bool) -> str:
    return value if opted_in else f"{value} (unsubscribed)"


def _notes(db: Session, family_id: int) -> tuple[NoteView, ...]:
    rows = db.execute(
        select(StaffNote.body, StaffNote.created_at, User.display_name, User.email)
        .outerjoin(User, User.id == StaffNote.author_user_id)
        .where(StaffNote.family_id == family_id)
        .order_by(StaffNote.created_at.desc(), StaffNote.id.desc())
    ).all()
    return tuple(
        NoteView(body=r.body, author=r.display_name or r.email or "staff", at=r.created_at)
        for r in rows
    )


def add_staff_note(db: Session, actor: Actor, family_id: int, body: str) -> None:
    """A note about the family that parents never see."""
    require_staff(actor)
    if not require_text(body, "note").strip():
        raise ValidationError("Write the note first.")
    if len(body) > 4000:
        raise ValidationError("Keep the note under 4,000 characters.")
    if any(ord(c) < 32 and c not in "\n\t" for c in body):
        raise ValidationError("The note contains characters that cannot be saved.")
    with write_transaction(db):
        family_id = reachable_family(db, actor, family_id)
        db.add(
            StaffNote(
                family_id=family_id,
                author_user_id=actor.user_id,
                body=body.strip(),
                created_at=clock.now(),
            )
        )
        audit.record(
            db,
            actor,
            "family.note_added",
            entity="family",
            entity_id=family_id,
            family_id=family_id,
        )


def staff_family_ledger(
    db: Session, actor: Actor, family_id: int, *, full_history: bool = False
) -> pd.DataFrame:
    """The family's ledger with running balances for the desk: the last 30 days ending today
    in the family's time zone, or everything when `full_history` (staff are never bound by
    the parents' 30-day rule). `ledger_meta(frame).period` says which days it covers."""
    require_staff(actor)
    family_id = reachable_family(db, actor, family_id)
    if not isinstance(full_history, bool):
        raise ValidationError("Choose whether to show the full history.")
    start = end = None
    if not full_history:
        end = clock.today_in(family_timezone(db, family_id))
        start = end - timedelta(days=RECENT_DAYS - 1)
    return with_running_balance(family_ledger(db, actor, family_id=family_id, start=start, end=end))
