"""Small builders for test data with fixed values. Each adds, flushes and returns the row."""

from __future__ import annotations

import functools
import itertools
from datetime import date, time

from sqlalchemy.orm import Session

from data.models import (
    Attendance,
    AttendanceStatus,
    EmailAddress,
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    Family,
    Guardian,
    GuardianAccess,
    GymClass,
    LedgerEntry,
    LedgerKind,
    Level,
    Location,
    Program,
    Role,
    Student,
    User,
    staff_locations,
)
from data.password_hashing import hash_password
from services.accounts.auth import build_actor
from services.kernel import clock
from services.kernel.access import Actor

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


@functools.cache
def password_hash() -> str:
    """Hashed once per test run: argon2id is deliberately slow."""
    return hash_password(PASSWORD)


def _add(db: Session, row):  # type: ignore[no-untyped-def]
    db.add(row)
    db.flush()
    return row


def location(db: Session, name: str = "Northside", timezone: str = "America/Chicago") -> Location:
    n = next(_counter)
    return _add(db, Location(name=name, code=f"L{n}", timezone=timezone, city="Springfield"))


def program_level(db: Session, program: str = "Gymnastics", level: str = "Level 1") -> Level:
    n = next(_counter)
    prog = _add(db, Program(name=f"{program} {n}"))
    return _add(db, Level(program_id=prog.id, name=level, position=1))


def gym_class(
    db: Session,
    loc: Location,
    *,
    level: Level | None = None,
    weekday: int = 1,
    start: time = time(16, 0),
    end: time = time(17, 0),
    capacity: int = 8,
    name: str = "Tumblers",
) -> GymClass:
    level = level or program_level(db)
    return _add(
        db,
        GymClass(
            location_id=loc.id,
            program_id=level.program_id,
            level_id=level.id,
            name=name,
            weekday=weekday,
            start_time=start,
            end_time=end,
            term_start=date(2026, 9, 1),
            term_end=date(2026, 12, 20),
            capacity=capacity,
            instructor_name="Coach Dana",
            tuition_cents=8_500,
        ),
    )


def user(db: Session, email: str, role: Role = Role.GUARDIAN, *, name: str = "") -> User:
    return _add(
        db,
        User(
            email=email.lower(),
            password_hash=password_hash(),
            role=role,
            display_name=name,
            created_at=clock.now(),
        ),
    )


def family(
    db: Session,
    name: str = "Rivera",
    *,
    email: str | None = None,
    primary: bool = True,
    access: GuardianAccess = GuardianAccess.CAN_LOG_IN,
) -> tuple[Family, Guardian, User]:
    """A family with one guardian who can sign in."""
    n = next(_counter)
    fam = _add(db, Family(name=f"{name} family", created_at=clock.now()))
    email = email or f"{name.lower()}{n}@example.com"
    account = user(db, email)
    guardian = _add(
        db,
        Guardian(
            family_id=fam.id,
            first_name="Alex",
            last_name=name,
            is_primary=primary,
            may_pay=primary,
            access=access,
            user_id=account.id,
            created_at=clock.now(),
        ),
    )
    _add(
        db,
        EmailAddress(
            family_id=fam.id,
            guardian_id=guardian.id,
            email=email,
            is_login=True,
            created_at=clock.now(),
        ),
    )
    return fam, guardian, account


def guardian_actor(db: Session, account: User) -> Actor:
    return build_actor(db, account)


def staff(db: Session, email: str, locations: list[Location], role: Role = Role.STAFF) -> Actor:
    account = user(db, email, role, name=email.split("@")[0].title())
    for loc in locations:
        db.execute(staff_locations.insert().values(user_id=account.id, location_id=loc.id))
    db.flush()
    return build_actor(db, account)


def student(
    db: Session, fam: Family, first: str = "Maya", birth: date = date(2018, 5, 4)
) -> Student:
    return _add(
        db,
        Student(
            family_id=fam.id,
            first_name=first,
            last_name=fam.name.split()[0],
            birth_date=birth,
            created_at=clock.now(),
        ),
    )


def enroll(
    db: Session,
    stu: Student,
    cls: GymClass,
    *,
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
    type: EnrollmentType = EnrollmentType.REGULAR,
    start: date = date(2026, 9, 1),
    end: date | None = None,
    waitlist_position: int | None = None,
) -> Enrollment:
    return _add(
        db,
        Enrollment(
            student_id=stu.id,
            class_id=cls.id,
            type=type,
            status=status,
            start_date=start,
            end_date=end,
            waitlist_position=waitlist_position,
            created_at=clock.now(),
        ),
    )


def attend(
    db: Session,
    stu: Student,
    cls: GymClass,
    day: date,
    status: AttendanceStatus = AttendanceStatus.PRESENT,
) -> Attendance:
    return _add(
        db,
        Attendance(
            student_id=stu.id,
            class_id=cls.id,
            location_id=cls.location_id,
            class_date=day,
            status=status,
            marked_at=clock.now(),
        ),
    )


def entry(
    db: Session,
    fam: Family,
    loc: Location,
    kind: LedgerKind,
    amount_cents: int,
    *,
    is_debit: bool | None = None,
    description: str = "",
    student: Student | None = None,
) -> LedgerEntry:
    if is_debit is None:
        is_debit = kind in (LedgerKind.CHARGE, LedgerKind.REFUND)
    return _add(
        db,
        LedgerEntry(
            family_id=fam.id,
            location_id=loc.id,
            kind=kind,
            is_debit=is_debit,
            amount_cents=amount_cents,
            description=description or kind.value.title(),
            posted_at=clock.now(),
            student_id=student.id if student else None,
        ),
    )


# Builders for ledger allocations, makeup tokens and parent requests.
from datetime import datetime  # noqa: E402

from data.models import (  # noqa: E402
    LedgerAllocation,
    MakeupToken,
    ParentRequest,
    RequestKind,
    RequestStatus,
    TokenState,
)


def allocate(
    db: Session, source: LedgerEntry, target: LedgerEntry, amount_cents: int
) -> LedgerAllocation:
    """Apply part of a payment or credit (`source`) to a charge or refund (`target`)."""
    return _add(
        db,
        LedgerAllocation(
            family_id=target.family_id,
            from_entry_id=source.id,
            to_entry_id=target.id,
            amount_cents=amount_cents,
            created_at=clock.now(),
        ),
    )


def makeup_token(
    db: Session,
    stu: Student,
    loc: Location,
    *,
    state: TokenState = TokenState.AVAILABLE,
    issued_on: date = date(2026, 11, 1),
    expires_on: date = date(2026, 12, 31),
    makeup_enrollment: Enrollment | None = None,
) -> MakeupToken:
    return _add(
        db,
        MakeupToken(
            family_id=stu.family_id,
            student_id=stu.id,
            location_id=loc.id,
            state=state,
            issued_on=issued_on,
            expires_on=expires_on,
            makeup_enrollment_id=makeup_enrollment.id if makeup_enrollment else None,
        ),
    )


def parent_request(
    db: Session,
    stu: Student,
    loc: Location,
    *,
    kind: RequestKind = RequestKind.ABSENCE,
    status: RequestStatus = RequestStatus.PENDING,
    created_at: datetime | None = None,
) -> ParentRequest:
    return _add(
        db,
        ParentRequest(
            family_id=stu.family_id,
            student_id=stu.id,
            location_id=loc.id,
            kind=kind,
            status=status,
            parent_note="",
            staff_note="",
            details={},
            created_at=created_at or clock.now(),
        ),
    )


# Issue 3 (students, evaluations, attendance, passes, calendar): secondary guardians, levels
# and skills, evaluations, punch passes, future absences, a two-family gym, the test signing
# key and the student access check.
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import pytest  # noqa: E402

from data.models import Evaluation, FutureAbsence, PunchPass, Skill, SkillStatus  # noqa: E402
from services.kernel import signing  # noqa: E402
from services.kernel.errors import NotFound, ValidationError  # noqa: E402


def second_guardian(db: Session, fam: Family, email: str) -> Actor:
    """A secondary guardian of `fam` who can sign in, as an Actor."""
    account = user(db, email)
    _add(
        db,
        Guardian(
            family_id=fam.id,
            first_name="Sam",
            last_name=fam.name.split()[0],
            access=GuardianAccess.CAN_LOG_IN,
            user_id=account.id,
            created_at=clock.now(),
        ),
    )
    return build_actor(db, account)


def next_level(db: Session, level: Level, name: str = "Level 2") -> Level:
    """The level after `level` in the same program."""
    return _add(db, Level(program_id=level.program_id, name=name, position=level.position + 1))


def skill(db: Session, level: Level, name: str, position: int) -> Skill:
    return _add(db, Skill(level_id=level.id, name=name, position=position))


def evaluation(
    db: Session,
    stu: Student,
    sk: Skill,
    status: SkillStatus,
    on: date,
    *,
    instructor: str = "Coach Dana",
    note: str = "",
) -> Evaluation:
    return _add(
        db,
        Evaluation(
            student_id=stu.id,
            skill_id=sk.id,
            status=status,
            evaluated_on=on,
            instructor_name=instructor,
            note=note,
        ),
    )


def punch_pass(
    db: Session,
    fam: Family,
    loc: Location,
    *,
    student: Student | None = None,
    name: str = "10-class pass",
    total: int = 10,
    used: int = 0,
    purchased_on: date = date(2026, 10, 1),
    expires_on: date | None = date(2027, 3, 31),
    amount_paid_cents: int = 15_000,
    is_active: bool = True,
) -> PunchPass:
    return _add(
        db,
        PunchPass(
            family_id=fam.id,
            student_id=student.id if student else None,
            location_id=loc.id,
            name=name,
            punches_total=total,
            punches_used=used,
            purchased_on=purchased_on,
            expires_on=expires_on,
            amount_paid_cents=amount_paid_cents,
            is_active=is_active,
        ),
    )


def future_absence(
    db: Session,
    stu: Student,
    cls: GymClass,
    day: date,
    *,
    enrollment: Enrollment | None = None,
    cancelled: bool = False,
) -> FutureAbsence:
    return _add(
        db,
        FutureAbsence(
            student_id=stu.id,
            class_id=cls.id,
            enrollment_id=enrollment.id if enrollment else None,
            class_date=day,
            reason="",
            reported_at=clock.now(),
            cancelled_at=clock.now() if cancelled else None,
        ),
    )


@dataclass
class FamilyGym:
    """Two families at Northside, desks at Northside and Southside, and an admin."""

    north: Location
    south: Location
    cls: GymClass  # Northside, Tuesdays 16:00–17:00 (Chicago)
    family: Family
    guardian: Actor  # primary
    second: Actor  # secondary guardian of the same family
    maya: Student  # enrolled in `cls`
    other_family: Family
    other_guardian: Actor
    other_student: Student
    desk: Actor  # staff at Northside
    south_desk: Actor  # staff at Southside only
    admin: Actor


def family_gym(db: Session) -> FamilyGym:
    north, south = location(db, "Northside"), location(db, "Southside")
    cls = gym_class(db, north)
    fam, _, account = family(db, "Rivera")
    other, _, other_account = family(db, "Okafor")
    maya, other_student = student(db, fam, "Maya"), student(db, other, "Ada")
    enroll(db, maya, cls)
    enroll(db, other_student, cls)
    return FamilyGym(
        north=north,
        south=south,
        cls=cls,
        family=fam,
        guardian=guardian_actor(db, account),
        second=second_guardian(db, fam, "second@example.com"),
        maya=maya,
        other_family=other,
        other_guardian=guardian_actor(db, other_account),
        other_student=other_student,
        desk=staff(db, "desk@example.com", [north]),
        south_desk=staff(db, "south@example.com", [south]),
        admin=staff(db, "owner@example.com", [], Role.ADMIN),
    )


TEST_SECRET_KEY = "cartwheel-tests-signing-key-0123456789abcdef"


def use_test_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign check-in codes and calendar links with a fixed key, never data/secret_key."""
    monkeypatch.setenv(signing.SECRET_ENV, TEST_SECRET_KEY)
    signing.secret_key.cache_clear()


def check_student_scope(gym: FamilyGym, call: Callable[[Actor, object], object]) -> None:
    """`call(actor, student_id)` serves Maya's guardians, her desk and the admin; another
    family, a missing id and another location's desk get the same "not found"; an id that
    is not an int is refused."""
    for actor in (gym.guardian, gym.second, gym.desk, gym.admin):
        call(actor, gym.maya.id)
    for actor, student_id in [
        (gym.other_guardian, gym.maya.id),
        (gym.guardian, gym.other_student.id),
        (gym.guardian, 999_999),
        (gym.south_desk, gym.maya.id),
    ]:
        with pytest.raises(NotFound, match="That student was not found"):
            call(actor, student_id)
    for bad in ("1", None, 2.0, True):
        with pytest.raises(ValidationError, match="student"):
            call(gym.guardian, bad)


def kid_in_classes(db: Session, gym: FamilyGym, count: int) -> tuple[Student, list[GymClass]]:
    """A new student of the family in `count` Northside classes, one a weekday in turn."""
    kid = student(db, gym.family, f"Kid{count}")
    classes = [gym_class(db, gym.north, weekday=n % 7) for n in range(count)]
    for cls in classes:
        enroll(db, kid, cls)
    return kid, classes


# Enrollments and request decisions (issue 3): stored portal settings.
from data.models import PortalSetting  # noqa: E402


def portal_settings(db: Session, **values: object) -> None:
    """Store setting values as an admin would (names as in
    services.kernel.settings.PortalSettings)."""
    for key, value in values.items():
        db.merge(PortalSetting(key=key, value=value, updated_at=clock.now()))
    db.flush()


# Issue 5 (transactions history, statements, documents): ledger entries posted at a chosen
# moment, with a service date, a reference or the entry they reverse; a hand-built ledger.
from datetime import UTC  # noqa: E402


def posted(
    db: Session,
    fam: Family,
    loc: Location,
    kind: LedgerKind,
    amount_cents: int,
    at: datetime,
    *,
    is_debit: bool | None = None,
    description: str = "",
    student: Student | None = None,
    service_date: date | None = None,
    external_ref: str | None = None,
    reverses: LedgerEntry | None = None,
) -> LedgerEntry:
    """A ledger entry posted at `at` (timezone-aware)."""
    row = entry(
        db,
        fam,
        loc,
        kind,
        amount_cents,
        is_debit=is_debit,
        description=description,
        student=student,
    )
    row.posted_at = at
    row.service_date = service_date
    row.external_ref = external_ref
    row.reverses_entry_id = reverses.id if reverses else None
    db.flush()
    return row


@dataclass
class HandLedger:
    """The Rivera family's ledger at Northside (Chicago) and Southside (Los Angeles).

    Northside: an old unpaid charge (Sep 15, before the last 30 days), November tuition paid
    by P1, a registration fee posted at 21:00 Chicago on Nov 1 (03:00 UTC Nov 2) and part
    paid, an overpayment P2 of which a refund pays out 20.00, a weather credit, and a debit
    adjustment partly cancelled by a credit adjustment. Outstanding 46.00, credit 45.00,
    balance 1.00. Southside: Leo's tuition, paid in full (balance 0).
    """

    gym: FamilyGym
    leo: Student
    old_charge: LedgerEntry
    tuition: LedgerEntry
    registration: LedgerEntry
    p1: LedgerEntry
    p2: LedgerEntry
    refund: LedgerEntry
    credit: LedgerEntry
    late_fee: LedgerEntry
    fee_waiver: LedgerEntry
    south_tuition: LedgerEntry
    south_payment: LedgerEntry


def hand_ledger(db: Session) -> HandLedger:
    gym = family_gym(db)
    gym.south.timezone = "America/Los_Angeles"
    leo = student(db, gym.family, "Leo")
    fam, north, south = gym.family, gym.north, gym.south
    charge, payment = LedgerKind.CHARGE, LedgerKind.PAYMENT

    def at(month: int, day: int, hour: int = 15) -> datetime:
        return datetime(2026, month, day, hour, tzinfo=UTC)

    old = posted(db, fam, north, charge, 2_000, at(9, 15), description="Leotard")
    tuition = posted(
        db,
        fam,
        north,
        charge,
        10_000,
        at(11, 1, 12),
        description="Tuition November",
        student=gym.maya,
        service_date=date(2026, 11, 1),
    )
    registration = posted(
        db, fam, north, charge, 4_500, at(11, 2, 3), description="Registration fee 2026"
    )
    p1 = posted(db, fam, north, payment, 12_000, at(11, 5), external_ref="pi_demo_1")
    allocate(db, p1, tuition, 10_000)
    allocate(db, p1, registration, 2_000)
    p2 = posted(db, fam, north, payment, 5_000, at(11, 6), description="Payment at the desk")
    refund = posted(db, fam, north, LedgerKind.REFUND, 2_000, at(11, 10), description="Refund")
    allocate(db, p2, refund, 2_000)
    credit = posted(
        db, fam, north, LedgerKind.CREDIT, 1_500, at(11, 12), description="Closed for weather"
    )
    late_fee = posted(
        db,
        fam,
        north,
        LedgerKind.ADJUSTMENT,
        300,
        at(11, 14),
        is_debit=True,
        description="Late fee",
    )
    waiver = posted(
        db,
        fam,
        north,
        LedgerKind.ADJUSTMENT,
        200,
        at(11, 15),
        is_debit=False,
        description="Late fee partly waived",
    )
    allocate(db, waiver, late_fee, 200)
    south_tuition = posted(
        db, fam, south, charge, 8_000, at(11, 20), description="Swim tuition", student=leo
    )
    south_payment = posted(db, fam, south, payment, 8_000, at(11, 21))
    allocate(db, south_payment, south_tuition, 8_000)
    return HandLedger(
        gym,
        leo,
        old,
        tuition,
        registration,
        p1,
        p2,
        refund,
        credit,
        late_fee,
        waiver,
        south_tuition,
        south_payment,
    )


# Rosters and check-in (issue 7 check-in): a punch-pass drop-in.
from data.models import PassRedemption  # noqa: E402


def drop_in(db: Session, stu: Student, cls: GymClass, day: date) -> PassRedemption:
    """A punch of a new pass at the class's location, used for `cls` on `day`."""
    fam = db.get(Family, stu.family_id)
    loc = db.get(Location, cls.location_id)
    assert fam is not None and loc is not None
    used = punch_pass(db, fam, loc, student=stu, used=1)
    return _add(
        db,
        PassRedemption(
            pass_id=used.id,
            student_id=stu.id,
            class_id=cls.id,
            class_date=day,
            redeemed_at=clock.now(),
        ),
    )


# issue 7 analytics: a class with a chosen program level, weekday, time and instructor, and
# one meeting's attendance for several students at once.
def taught_class(
    db: Session,
    loc: Location,
    level: Level,
    *,
    weekday: int,
    start: time,
    instructor: str,
    name: str,
    capacity: int = 8,
) -> GymClass:
    cls = gym_class(
        db,
        loc,
        level=level,
        weekday=weekday,
        start=start,
        end=time(start.hour + 1, start.minute),
        capacity=capacity,
        name=name,
    )
    cls.instructor_name = instructor
    db.flush()
    return cls


def meeting(
    db: Session, cls: GymClass, day: date, marks: dict[Student, AttendanceStatus]
) -> list[Attendance]:
    """Attendance for one class meeting: each student with their status."""
    return [attend(db, stu, cls, day, status) for stu, status in marks.items()]


# Issue 6 (guardians, invitations, resets): an actor with a real sign-in session, as the
# re-authentication rule needs one.
def signed_in(db: Session, account: User) -> Actor:
    """Sign `account` in with the factory password and return the Actor of that session."""
    from services.accounts.auth import actor_for_session, sign_in

    db.commit()
    result = sign_in(db, account.email, PASSWORD)
    return actor_for_session(db, result.session_id)


# Issue 16 (property tests of the ledger and the money view): allocations a test picks.
def allocate_picks(
    db: Session, rows: list[LedgerEntry], picks: list[tuple[int, int, int]]
) -> dict[int, int]:
    """Allocate (credit pick, debit pick, wanted cents) among `rows`, each capped at what both
    entries have left; returns each entry's unallocated cents."""
    left = {row.id: row.amount_cents for row in rows}
    debits = [row for row in rows if row.is_debit]
    credits = [row for row in rows if not row.is_debit]
    for source_pick, target_pick, wanted in picks:
        if not debits or not credits:
            break
        source = credits[source_pick % len(credits)]
        target = debits[target_pick % len(debits)]
        if amount := min(wanted, left[source.id], left[target.id]):
            allocate(db, source, target, amount)
            left[source.id] -= amount
            left[target.id] -= amount
    return left
