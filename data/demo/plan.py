"""The in-memory plan the generator's steps share: scale, clock helpers, catalog, people, seats.

Rows go straight to the database through the BulkWriter; only what later steps need to
refer to (ids, dates, which class a student sat in) is kept here, in small slotted objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random

from data.demo.names import Place
from data.demo.programs import ProgramSpec
from data.demo.writer import BulkWriter
from data.models import AttendanceStatus, EnrollmentStatus, EnrollmentType

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
TERM_WEEKS = 16
TERM_GAP_WEEKS = 1  # a week off between terms
TERMS = 10  # the current term and nine before it: a little over three years of history
WEEKS_INTO_CURRENT_TERM = 10
TOKEN_EXPIRY_DAYS = 60  # the portal's default makeup_token_expiry_days


@dataclass(frozen=True)
class Scale:
    name: str
    locations: int
    families: int
    students: int
    active_students: int
    slots_per_location: int


SCALES: dict[str, Scale] = {
    "small": Scale("small", 2, 600, 900, 300, 25),
    "large": Scale("large", 2, 4_000, 6_000, 2_000, 150),
    "franchise": Scale("franchise", 50, 100_000, 150_000, 50_000, 150),
}


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Term:
    index: int
    start: date  # a Monday
    end: date  # a Sunday

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class LocationInfo:
    index: int
    id: int
    place: Place
    staff_user_id: int


@dataclass(frozen=True)
class LevelInfo:
    id: int
    program: int  # index into Catalog.programs
    position: int  # 1 = first level
    name: str
    skill_ids: tuple[int, ...]


@dataclass(frozen=True)
class ProgramInfo:
    id: int
    spec: ProgramSpec
    levels: tuple[LevelInfo, ...]


@dataclass(frozen=True)
class Catalog:
    locations: tuple[LocationInfo, ...]
    programs: tuple[ProgramInfo, ...]
    admin_user_id: int


@dataclass(frozen=True)
class Slot:
    """One weekly class slot at a location; each term has its own `classes` row for it."""

    index: int
    location: LocationInfo
    program: int
    level: LevelInfo
    weekday: int
    start: time
    end: time
    capacity: int
    tuition_cents: int
    name: str
    instructor: str


@dataclass
class Schedule:
    terms: tuple[Term, ...]
    slots: tuple[Slot, ...]
    class_ids: tuple[tuple[int, ...], ...]  # [term][slot]
    closed: frozenset[date]  # holidays: no class meets
    slots_by_day: dict[tuple[int, int], tuple[Slot, ...]] = field(default_factory=dict)
    slots_by_location: dict[int, tuple[Slot, ...]] = field(default_factory=dict)

    @property
    def current(self) -> Term:
        return self.terms[-1]

    def term_of(self, day: date) -> Term | None:
        span = (TERM_WEEKS + TERM_GAP_WEEKS) * 7
        index = (day - self.terms[0].start).days // span
        if 0 <= index < len(self.terms) and self.terms[index].covers(day):
            return self.terms[index]
        return None

    def meetings(self, slot: Slot, first: date, last: date) -> list[date]:
        """The dates the slot meets from `first` to `last` inclusive, holidays left out."""
        day = first + timedelta(days=(slot.weekday - first.weekday()) % 7)
        days = []
        while day <= last:
            if day not in self.closed:
                days.append(day)
            day += WEEK
        return days


@dataclass(eq=False, slots=True)
class EnrollmentPlan:
    id: int
    student: StudentPlan
    slot: Slot
    term: Term
    class_id: int
    type: EnrollmentType
    status: EnrollmentStatus
    start: date
    end: date | None
    attends: bool = True  # False for waitlist places that never started
    moved_to: EnrollmentPlan | None = None  # set when TRANSFERRED
    forced: dict[date, AttendanceStatus] | None = None  # the demo family's chosen history


@dataclass(eq=False)
class Chain:
    """A student's place in one class, term after term (moving up a level or transferring).

    Holds the regular enrollments that were attended; trials, makeups and waitlist places
    are only in `StudentPlan.enrollments`.
    """

    student: StudentPlan
    want_program: int | None = None
    want_weekday: int | None = None
    slot: Slot | None = None
    enrollments: list[EnrollmentPlan] = field(default_factory=list)


@dataclass(eq=False)
class StudentPlan:
    id: int
    family: FamilyPlan
    first_name: str
    birth_date: date
    location: LocationInfo
    is_active: bool
    join_term: int
    join_week: int
    leave_term: int | None = None  # None: still a student
    leave_week: int | None = None  # None: stayed to the end of the leave term
    prospect: bool = False  # signed up, trial class still ahead
    chains: list[Chain] = field(default_factory=list)
    enrollments: list[EnrollmentPlan] = field(default_factory=list)  # all kinds, in id order
    slots_by_term: dict[int, list[int]] = field(default_factory=dict)
    visits: set[tuple[int, date]] = field(default_factory=set)  # makeup and pass visits

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    def busy_in(self, term: Term, slot: Slot) -> bool:
        return slot.index in self.slots_by_term.get(term.index, ())


@dataclass
class Payer:
    """How a family pays: the ledger step follows this."""

    pay_day: int = 1  # day of the month; 1 = autopay right after the monthly charges
    stops_paying_on: date | None = None  # charges after this stay outstanding
    credit_cents: int = 0  # an account credit that is left unapplied


@dataclass(frozen=True)
class Purchase:
    """Something bought and paid for at the desk (a punch pass)."""

    day: date
    location: LocationInfo
    student_id: int | None
    amount_cents: int
    description: str


@dataclass(eq=False)
class FamilyPlan:
    id: int
    surname: str
    location: LocationInfo
    created_on: date
    payer: Payer
    students: list[StudentPlan] = field(default_factory=list)
    login_user_ids: list[int] = field(default_factory=list)  # guardians who can sign in
    purchases: list[Purchase] = field(default_factory=list)
    is_showcase: bool = False


@dataclass
class Context:
    """What every step needs: the seeded random source, the date, the writer and the plan."""

    rng: Random
    today: date
    scale: Scale
    writer: BulkWriter
    locked_password_hash: str
    catalog: Catalog | None = None
    schedule: Schedule | None = None
    families: list[FamilyPlan] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def cat(self) -> Catalog:
        assert self.catalog is not None
        return self.catalog

    @property
    def sched(self) -> Schedule:
        assert self.schedule is not None
        return self.schedule

    @property
    def yesterday(self) -> date:
        return self.today - DAY

    def serial(self, name: str) -> int:
        """A running number for references such as payment ids ("ch_demo_42")."""
        value = self.counters.get(name, 0) + 1
        self.counters[name] = value
        return value

    def hex_token(self) -> str:
        """A random 64-hex string standing in for a token hash nobody knows the token of."""
        return f"{self.rng.getrandbits(256):064x}"
