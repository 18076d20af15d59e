"""Punch passes: what a family has left on each, and using a punch for a class meeting.

Settings (they govern parents; staff at the pass's location are not limited by them):
`punch_passes_enabled` shows passes at all; `punch_pass_redemption_enabled` also lets
parents use a punch themselves.

A punch is spent with one conditional UPDATE (`punches_used + 1` only while punches remain,
the pass is on and not expired by the class date), so two tabs can never spend the last
punch twice; the unique (pass, student, class, date) constraint stops one meeting using two
punches of the same pass. A punch is a drop-in visit, so it needs an open seat, counted
under the class lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    GymClass,
    Location,
    PassRedemption,
    PunchPass,
    Student,
)
from services.classes.capacity import ONGOING_TYPES, lock_class, open_seats_on, require_seat
from services.kernel import audit, clock
from services.kernel.access import Actor, require_family
from services.kernel.closure_days import is_closed, open_on
from services.kernel.errors import FeatureDisabled, NotFound, ValidationError
from services.kernel.lookups import class_with_slot, slot_of
from services.kernel.reach import reachable_family, seen_locations, student_in_reach
from services.kernel.schedule import WeeklySlot, meeting_start, meets_on
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

ACTIVE, USED_UP, EXPIRED, INACTIVE = "active", "used_up", "expired", "inactive"


@dataclass(frozen=True)
class PassView:
    id: int
    name: str
    student_id: int | None  # None: any student of the family may use it
    student_name: str | None
    location_id: int
    location_name: str
    punches_total: int
    punches_used: int
    punches_remaining: int
    purchased_on: date
    expires_on: date | None  # the last day a punch can be used for
    amount_paid_cents: int
    status: str  # active, used_up, expired or inactive (switched off by staff)

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE


def family_passes(
    db: Session, actor: Actor, student_id: int | None = None, *, family_id: int | None = None
) -> list[PassView]:
    """The family's passes, active ones first, then the newest. With `student_id`, only the
    passes that student can use (theirs and the family's shared ones). Staff name the
    family or the student and see the passes of their locations."""
    if actor.is_guardian and not get_settings(db).punch_passes_enabled:
        raise FeatureDisabled("Punch passes are not shown in the portal.")
    if student_id is not None:
        student = student_in_reach(db, actor, student_id)
        if family_id is not None and require_id(family_id, "family") != student.family_id:
            raise NotFound("student")
        condition = and_(
            PunchPass.family_id == student.family_id,
            or_(PunchPass.student_id == student.id, PunchPass.student_id.is_(None)),
        )
    else:
        condition = PunchPass.family_id == reachable_family(db, actor, family_id)
    views = _pass_views(db, and_(condition, seen_locations(actor, PunchPass.location_id)))
    return sorted(views, key=lambda v: (not v.is_active, _descending(v.purchased_on), -v.id))


def redeem_punch(
    db: Session,
    actor: Actor,
    pass_id: int,
    class_id: int,
    class_date: date,
    *,
    student_id: int | None = None,
) -> PassView:
    """Use one punch for a future meeting of a class at the pass's location. `student_id`
    is needed for a family pass and must match a student's own pass."""
    require_id(pass_id, "punch pass")
    require_id(class_id, "class")
    if student_id is not None:
        require_id(student_id, "student")
    if not isinstance(class_date, date) or isinstance(class_date, datetime):
        raise ValidationError("Choose the date of the class.")
    if actor.is_guardian:
        settings = get_settings(db)
        if not (settings.punch_passes_enabled and settings.punch_pass_redemption_enabled):
            raise FeatureDisabled("Punches cannot be used in the portal; ask at the front desk.")
    with write_transaction(db):
        view = _redeem(db, actor, pass_id, class_id, class_date, student_id)
    return view


@dataclass(frozen=True)
class PunchOption:
    """A class meeting a punch can be used for, or why not."""

    class_id: int
    class_name: str
    start_time: time  # wall-clock time at the location
    end_time: time
    instructor: str
    open_seats: int
    why_not: str | None


def punch_options(db: Session, actor: Actor, pass_id: int, day: date) -> list[PunchOption]:
    """The classes meeting on `day` at the pass's location, each with its open seats or the
    reason a punch cannot be used for it (started, full)."""
    require_id(pass_id, "punch pass")
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError("Choose the date of the class.")
    if actor.is_guardian:
        settings = get_settings(db)
        if not (settings.punch_passes_enabled and settings.punch_pass_redemption_enabled):
            raise FeatureDisabled("Punches cannot be used in the portal; ask at the front desk.")
    punch_pass = _pass_in_reach(db, actor, pass_id)
    rows = db.execute(
        select(GymClass, Location.timezone)
        .join(Location, Location.id == GymClass.location_id)
        .where(
            GymClass.location_id == punch_pass.location_id,
            GymClass.is_active.is_(True),
            GymClass.weekday == day.weekday(),
            open_on(GymClass.location_id, day),
            GymClass.term_start <= day,
            GymClass.term_end >= day,
        )
        .order_by(GymClass.start_time, GymClass.name)
    ).all()
    options = []
    for cls, timezone in rows:
        seats = open_seats_on(db, cls, day)
        started = meeting_start(slot_of(cls, timezone), day) <= clock.now()
        why_not = "already started" if started else ("class full" if seats <= 0 else None)
        options.append(
            PunchOption(
                cls.id, cls.name, cls.start_time, cls.end_time, cls.instructor_name, seats, why_not
            )
        )
    return options


def _redeem(
    db: Session,
    actor: Actor,
    pass_id: int,
    class_id: int,
    day: date,
    student_id: int | None,
) -> PassView:
    punch_pass = _pass_in_reach(db, actor, pass_id)
    student = _pass_student(db, actor, punch_pass, student_id)
    cls, slot = class_with_slot(db, class_id)
    _check_meeting(db, punch_pass, cls, slot, day)
    _check_pass_covers(punch_pass, day)
    lock_class(db, cls.id)
    _check_place(db, cls, student, day)
    spent = db.execute(
        update(PunchPass)
        .where(
            PunchPass.id == punch_pass.id,
            PunchPass.punches_used < PunchPass.punches_total,
            PunchPass.is_active.is_(True),
            or_(PunchPass.expires_on.is_(None), PunchPass.expires_on >= day),
        )
        .values(punches_used=PunchPass.punches_used + 1)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise ValidationError("The last punch on this pass has just been used.")
    db.add(
        PassRedemption(
            pass_id=punch_pass.id,
            student_id=student.id,
            class_id=cls.id,
            class_date=day,
            redeemed_at=clock.now(),
            redeemed_by_user_id=actor.user_id,
        )
    )
    try:
        db.flush()
    except IntegrityError:
        raise ValidationError("A punch of this pass is already used for that class.") from None
    audit.record(
        db,
        actor,
        "pass.punch_used",
        entity="punch_pass",
        entity_id=punch_pass.id,
        family_id=punch_pass.family_id,
        details={"student_id": student.id, "class_id": cls.id, "class_date": day.isoformat()},
    )
    (view,) = _pass_views(db, PunchPass.id == punch_pass.id)
    return view


def _pass_in_reach(db: Session, actor: Actor, pass_id: int) -> PunchPass:
    """Another family's pass, or a pass at a location a staff member does not see, answers
    like a missing one."""
    punch_pass = db.get(PunchPass, pass_id)
    if punch_pass is None:
        raise NotFound("punch pass")
    try:
        require_family(actor, punch_pass.family_id)
    except NotFound:
        raise NotFound("punch pass") from None
    if actor.is_staff and not actor.is_admin and punch_pass.location_id not in actor.location_ids:
        raise NotFound("punch pass")
    return punch_pass


def _pass_student(
    db: Session, actor: Actor, punch_pass: PunchPass, student_id: int | None
) -> Student:
    if punch_pass.student_id is not None:
        if student_id is not None and student_id != punch_pass.student_id:
            raise ValidationError("This pass belongs to another student.")
        student_id = punch_pass.student_id
    elif student_id is None:
        raise ValidationError("Choose the student who will use the punch.")
    student = student_in_reach(db, actor, student_id)
    if student.family_id != punch_pass.family_id:
        raise NotFound("student")
    if not student.is_active:
        raise ValidationError(f"{student.first_name} is not an active student.")
    return student


def _check_meeting(
    db: Session, punch_pass: PunchPass, cls: GymClass, slot: WeeklySlot, day: date
) -> None:
    if cls.location_id != punch_pass.location_id:
        where = db.scalar(select(Location.name).where(Location.id == punch_pass.location_id))
        raise ValidationError(f"This pass can only be used at {where}.")
    if not cls.is_active or not meets_on(slot, day):
        raise ValidationError(f"{cls.name} does not meet on {day:%A, %B} {day.day}.")
    if is_closed(db, cls.location_id, day):
        raise ValidationError(f"{cls.name} does not meet on {day:%A, %B} {day.day}: closed.")
    if meeting_start(slot, day) <= clock.now():
        raise ValidationError("That class has already started; choose a later one.")


def _check_pass_covers(punch_pass: PunchPass, day: date) -> None:
    """Say why a pass cannot be used (the UPDATE re-checks, for races)."""
    if not punch_pass.is_active:
        raise ValidationError("This pass is no longer active.")
    if punch_pass.punches_used >= punch_pass.punches_total:
        raise ValidationError("Every punch on this pass has been used.")
    if punch_pass.expires_on is not None and punch_pass.expires_on < day:
        raise ValidationError(
            f"This pass expires on {punch_pass.expires_on:%B} {punch_pass.expires_on.day}, "
            "before that class."
        )


def _check_place(db: Session, cls: GymClass, student: Student, day: date) -> None:
    """The student is not already in that meeting, and a seat is free (class lock held)."""
    in_class = db.scalar(
        select(func.count())
        .select_from(Enrollment)
        .where(
            Enrollment.student_id == student.id,
            Enrollment.class_id == cls.id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.start_date <= day,
            or_(
                and_(
                    Enrollment.type.in_(ONGOING_TYPES),
                    or_(Enrollment.end_date.is_(None), Enrollment.end_date >= day),
                ),
                and_(Enrollment.type == EnrollmentType.MAKEUP, Enrollment.start_date == day),
            ),
        )
    )
    dropped_in = db.scalar(
        select(func.count())
        .select_from(PassRedemption)
        .where(
            PassRedemption.class_id == cls.id,
            PassRedemption.class_date == day,
            PassRedemption.student_id == student.id,
        )
    )
    if in_class or dropped_in:
        raise ValidationError(f"{student.first_name} is already in that class on that day.")
    require_seat(
        db, cls.id, day, ongoing=False, full=f"{cls.name} is full on {day:%A, %B} {day.day}."
    )


def _pass_views(db: Session, condition: ColumnElement[bool]) -> list[PassView]:
    rows = db.execute(
        select(
            PunchPass,
            Location.name.label("location_name"),
            Location.timezone,
            Student.first_name,
            Student.last_name,
        )
        .join(Location, Location.id == PunchPass.location_id)
        .outerjoin(Student, Student.id == PunchPass.student_id)
        .where(condition)
        .execution_options(populate_existing=True)  # fresh counts after the punch UPDATE
    ).all()
    today_at: dict[str, date] = {}
    return [
        _view(row, today_at.setdefault(row.timezone, clock.today_in(row.timezone))) for row in rows
    ]


def _view(row: Row[Any], today: date) -> PassView:
    p: PunchPass = row.PunchPass
    # Why a pass cannot be used, most telling first: staff often switch off passes that
    # expired or were used up, and "Inactive" would hide that.
    if p.punches_used >= p.punches_total:
        status = USED_UP
    elif p.expires_on is not None and p.expires_on < today:
        status = EXPIRED
    elif not p.is_active:
        status = INACTIVE
    else:
        status = ACTIVE
    return PassView(
        id=p.id,
        name=p.name,
        student_id=p.student_id,
        student_name=f"{row.first_name} {row.last_name}" if p.student_id is not None else None,
        location_id=p.location_id,
        location_name=row.location_name,
        punches_total=p.punches_total,
        punches_used=p.punches_used,
        punches_remaining=p.punches_total - p.punches_used,
        purchased_on=p.purchased_on,
        expires_on=p.expires_on,
        amount_paid_cents=p.amount_paid_cents,
        status=status,
    )


def _descending(day: date) -> int:
    return -day.toordinal()
