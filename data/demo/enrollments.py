"""Seats, term by term: regular enrollments (moving up, transferring, dropping), trials and
waitlists. A class never gets more students than its capacity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from data.demo.plan import (
    DAY,
    WEEK,
    Chain,
    Context,
    EnrollmentPlan,
    Slot,
    StudentPlan,
    Term,
    utc,
)
from data.models import EnrollmentStatus, EnrollmentType

TRANSFER_CHANCE = 0.03
MOVE_UP_CHANCE = 0.3
SECOND_CLASS_CHANCE = 0.07
CANCELLED_WAITLIST_CHANCE = 0.015


def write_enrollment(
    ctx: Context,
    e: EnrollmentPlan,
    *,
    created_at: datetime,
    waitlist_position: int | None = None,
    transferred_to_id: int | None = None,
) -> None:
    ctx.writer.add(
        "enrollments",
        {
            "id": e.id,
            "student_id": e.student.id,
            "class_id": e.class_id,
            "type": e.type,
            "status": e.status,
            "start_date": e.start,
            "end_date": e.end,
            "waitlist_position": waitlist_position,
            "transferred_to_id": transferred_to_id,
            "created_at": created_at,
        },
    )


def new_enrollment(
    ctx: Context,
    student: StudentPlan,
    slot: Slot,
    term: Term,
    kind: EnrollmentType,
    status: EnrollmentStatus,
    start: date,
    end: date | None,
    *,
    attends: bool = True,
) -> EnrollmentPlan:
    """An enrollment with its id; the caller writes it (targets of transfers go first)."""
    student.slots_by_term.setdefault(term.index, []).append(slot.index)
    enrollment = EnrollmentPlan(
        id=ctx.writer.new_id("enrollments"),
        student=student,
        slot=slot,
        term=term,
        class_id=ctx.sched.class_ids[term.index][slot.index],
        type=kind,
        status=status,
        start=start,
        end=end,
        attends=attends,
    )
    student.enrollments.append(enrollment)
    return enrollment


def signed_up_at(ctx: Context, start: date) -> datetime:
    """When a place was booked: a few days to three weeks ahead, never in the future."""
    day = min(start - timedelta(days=ctx.rng.randint(3, 21)), ctx.yesterday)
    return utc(day, ctx.rng.randint(13, 23), ctx.rng.randrange(60))


class Placement:
    """Places every student's chains term by term."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.by_level: dict[tuple[int, int], list[Slot]] = {}
        for slot in ctx.sched.slots:
            self.by_level.setdefault((slot.location.index, slot.level.id), []).append(slot)
        self.taken: list[int] = []  # places given this term, including those left since
        self.active: list[int] = []  # current-term places still held (active enrollments)
        self.waitlist_length: dict[int, int] = {}

    def run(self) -> None:
        ctx, rng = self.ctx, self.rng
        students = [s for family in ctx.families for s in family.students]
        for student in students:
            if not student.chains:
                student.chains.append(Chain(student))
                if rng.random() < SECOND_CLASS_CHANCE:
                    student.chains.append(Chain(student))
        for term in ctx.sched.terms:
            self.taken = [0] * len(ctx.sched.slots)
            self.active = [0] * len(ctx.sched.slots)
            current = term is ctx.sched.current
            chains = [
                chain
                for s in students
                if not s.prospect
                and s.join_term
                <= term.index
                <= (s.leave_term if s.leave_term is not None else term.index)
                for chain in s.chains
            ]
            # The demo family first, then students who stay (they keep their seats).
            chains.sort(key=lambda c: (not c.student.family.is_showcase, c.slot is None))
            for chain in chains:
                self._place(term, chain, current)
            if current:
                self._prospect_trials(term, students)
                self._extra_waitlists(term, students)
                self._showcase_waitlist(term, students)

    # -- choosing a class ----------------------------------------------------------------

    def _fits(self, program: int, age: int) -> bool:
        spec = self.ctx.cat.programs[program].spec
        return spec.min_age <= age <= spec.max_age

    def _level_slots(self, location: int, program: int, position: int) -> list[Slot]:
        levels = self.ctx.cat.programs[program].levels
        if not 1 <= position <= len(levels):
            return []
        slots = list(self.by_level.get((location, levels[position - 1].id), ()))
        self.rng.shuffle(slots)
        return slots

    def _candidates(self, chain: Chain, term: Term) -> Iterator[Slot]:
        """Classes in order of preference: the same class or the next level up for a student
        who stays, then any class that fits the student's age (made only when needed)."""
        student, rng = chain.student, self.rng
        age, location = student.age_on(term.start), student.location.index
        previous = chain.slot
        if previous is not None and self._fits(previous.program, age):
            position = previous.level.position
            up = (
                self._level_slots(location, previous.program, position + 1)
                if rng.random() < MOVE_UP_CHANCE
                else []
            )
            same = [
                s
                for s in self._level_slots(location, previous.program, position)
                if s is not previous
            ]
            yield from self._preferred(chain, [*up, previous, *same])
        programs = [p for p in range(len(self.ctx.cat.programs)) if self._fits(p, age)]
        rng.shuffle(programs)
        if chain.want_program in programs:
            programs.remove(chain.want_program)
            programs.insert(0, chain.want_program)
        for program in programs:
            levels = len(self.ctx.cat.programs[program].levels)
            start = 2 if age >= self.ctx.cat.programs[program].spec.min_age + 3 else 1
            chunk = [
                s
                for position in (start, *[p for p in range(1, levels + 1) if p != start])
                for s in self._level_slots(location, program, position)
            ]
            yield from self._preferred(chain, chunk)

    def _preferred(self, chain: Chain, slots: list[Slot]) -> list[Slot]:
        """The demo family's choices: a class on the wanted weekday (so one meets today),
        then classes with a sister class of the same level (somewhere to book a makeup)."""
        if not chain.student.family.is_showcase:
            return slots

        def key(slot: Slot) -> tuple[bool, bool]:
            sisters = self.by_level[(slot.location.index, slot.level.id)]
            return chain.want_weekday not in (None, slot.weekday), len(sisters) < 2

        return sorted(slots, key=key)

    def _full_now(self, slot: Slot) -> bool:
        return self.active[slot.index] >= slot.capacity

    def _free(self, slot: Slot, student: StudentPlan, term: Term) -> bool:
        return self.taken[slot.index] < slot.capacity and not student.busy_in(term, slot)

    def _place(self, term: Term, chain: Chain, current: bool) -> None:
        student = chain.student
        slot = wanted = None
        for candidate in self._candidates(chain, term):
            if self._free(candidate, student, term):
                slot = candidate
                break
            # Wait for a class that is full now rather than one emptied by drops.
            if (
                wanted is None
                and self._full_now(candidate)
                and not student.busy_in(term, candidate)
            ):
                wanted = candidate
        if slot is None:
            if current and wanted is not None and student.is_active:
                self._waitlist(term, student, wanted)
            return
        self.taken[slot.index] += 1
        self._enroll_for_term(term, chain, slot, current)
        if not current and self.rng.random() < CANCELLED_WAITLIST_CHANCE:
            self._cancelled_waitlist(term, student)

    # -- the enrollments of one chain in one term ----------------------------------------

    def _enroll_for_term(self, term: Term, chain: Chain, slot: Slot, current: bool) -> None:
        ctx, rng, student = self.ctx, self.rng, chain.student
        joining = term.index == student.join_term
        start = term.start + student.join_week * WEEK if joining else term.start
        status, end = EnrollmentStatus.COMPLETED, term.end
        if term.index == student.leave_term and student.leave_week is not None:
            status, end = EnrollmentStatus.DROPPED, term.start + student.leave_week * WEEK + 2 * DAY
        elif current:
            status, end = EnrollmentStatus.ACTIVE, None
        if joining and student.join_week and chain is student.chains[0] and rng.random() < 0.5:
            self._trial(term, student, slot, start)
        booked = signed_up_at(ctx, start) if joining else utc(term.start - 2 * WEEK, 18)
        enrollment = new_enrollment(
            ctx, student, slot, term, EnrollmentType.REGULAR, status, start, end
        )
        chain.enrollments.append(enrollment)
        chain.slot = slot
        last = min(end or ctx.yesterday, ctx.yesterday)
        if (last - start).days >= 5 * 7 and rng.random() < TRANSFER_CHANCE:
            self._transfer(term, chain, enrollment, last, booked)
        held = enrollment.moved_to or enrollment
        if held.status is EnrollmentStatus.ACTIVE:
            self.active[held.slot.index] += 1
        if enrollment.status is EnrollmentStatus.TRANSFERRED:
            return  # written by _transfer, after its target
        write_enrollment(ctx, enrollment, created_at=booked)

    def _transfer(
        self, term: Term, chain: Chain, moving: EnrollmentPlan, last: date, booked: datetime
    ) -> None:
        """Move mid-term to another class of the same level (or program) that has room."""
        rng, slot, student = self.rng, moving.slot, chain.student
        location = slot.location.index
        options = [
            s
            for p in range(1, len(self.ctx.cat.programs[slot.program].levels) + 1)
            for s in self._level_slots(location, slot.program, p)
        ]
        options.sort(key=lambda s: s.level is not slot.level)
        target = next((s for s in options if self._free(s, student, term)), None)
        if target is None:
            return
        self.taken[target.index] += 1
        weeks = (last - moving.start).days // 7
        day = moving.start + rng.randint(2, weeks - 2) * WEEK + DAY
        moved = new_enrollment(
            self.ctx,
            student,
            target,
            term,
            EnrollmentType.REGULAR,
            moving.status,
            day + DAY,
            moving.end,
        )
        moving.status, moving.end, moving.moved_to = EnrollmentStatus.TRANSFERRED, day, moved
        chain.enrollments.append(moved)
        chain.slot = target
        at = utc(day - 2 * DAY, 19)
        write_enrollment(self.ctx, moved, created_at=at)
        write_enrollment(self.ctx, moving, created_at=booked, transferred_to_id=moved.id)

    def _trial(self, term: Term, student: StudentPlan, slot: Slot, start: date) -> None:
        days = self.ctx.sched.meetings(slot, start - WEEK, start - DAY)
        if days:
            trial = new_enrollment(
                self.ctx,
                student,
                slot,
                term,
                EnrollmentType.TRIAL,
                EnrollmentStatus.COMPLETED,
                days[0],
                days[0],
            )
            write_enrollment(self.ctx, trial, created_at=signed_up_at(self.ctx, days[0]))

    # -- waitlists -----------------------------------------------------------------------

    def _waitlist(
        self, term: Term, student: StudentPlan, slot: Slot, since: date | None = None
    ) -> None:
        ctx = self.ctx
        since = since or ctx.today - timedelta(days=self.rng.randint(1, 60))
        entry = new_enrollment(
            ctx,
            student,
            slot,
            term,
            EnrollmentType.REGULAR,
            EnrollmentStatus.WAITLISTED,
            since,
            None,
            attends=False,
        )
        position = self.waitlist_length.get(slot.index, 0) + 1
        self.waitlist_length[slot.index] = position
        write_enrollment(ctx, entry, created_at=utc(since, 20), waitlist_position=position)

    def _cancelled_waitlist(self, term: Term, student: StudentPlan) -> None:
        """A waitlist place taken and given up before it came up (with a past term's class)."""
        level = self.rng.choice([lv for p in self.ctx.cat.programs for lv in p.levels])
        options = self.by_level.get((student.location.index, level.id), [])
        slot = self.rng.choice(options) if options else None
        if slot is None or student.busy_in(term, slot):
            return
        start = term.start - timedelta(days=self.rng.randint(7, 30))
        entry = new_enrollment(
            self.ctx,
            student,
            slot,
            term,
            EnrollmentType.REGULAR,
            EnrollmentStatus.DROPPED,
            start,
            start + timedelta(days=self.rng.randint(2, 20)),
            attends=False,
        )
        write_enrollment(self.ctx, entry, created_at=utc(start, 21))

    def _extra_waitlists(self, term: Term, students: list[StudentPlan]) -> None:
        """Full classes collect a short waitlist of students who want that time instead."""
        rng = self.rng
        by_location: dict[int, list[StudentPlan]] = {}
        for s in students:
            if s.is_active and not s.prospect:
                by_location.setdefault(s.location.index, []).append(s)
        for slot in self.ctx.sched.slots:
            if not self._full_now(slot) or rng.random() < 0.5:
                continue
            pool = by_location.get(slot.location.index, [])
            for _ in range(rng.randint(1, 3)):
                student = rng.choice(pool) if pool else None
                if (
                    student
                    and self._fits(slot.program, student.age_on(term.start))
                    and not student.busy_in(term, slot)
                ):
                    self._waitlist(term, student, slot)

    def _showcase_waitlist(self, term: Term, students: list[StudentPlan]) -> None:
        """The demo family's oldest student waits for a place in another class of her
        program (her level and a full class where there is one), so "Show waitlist" and
        "Cancel waitlist" have something to show at first sign-in. Draws nothing from the
        random source, so the rest of the demo is the same as without it."""
        showcase = [s for s in students if s.family.is_showcase and s.chains]
        student = min(showcase, key=lambda s: s.birth_date)
        current = student.chains[0].slot
        assert current is not None
        options = [
            slot
            for slot in self.ctx.sched.slots
            if slot.location.index == student.location.index
            and slot.program == current.program
            and not student.busy_in(term, slot)
        ]
        if not options:
            raise RuntimeError("no class to put the demo family on a waitlist for")
        slot = min(
            options,
            key=lambda slot: (
                slot.level.id != current.level.id,
                not self._full_now(slot),
                slot.index,
            ),
        )
        self._waitlist(term, student, slot, since=self.ctx.today - timedelta(days=9))

    def _prospect_trials(self, term: Term, students: list[StudentPlan]) -> None:
        """New sign-ups whose trial class is still ahead."""
        ctx = self.ctx
        for student in students:
            if not student.prospect:
                continue
            chain = student.chains[0]
            for slot in self._candidates(chain, term):
                days = ctx.sched.meetings(slot, ctx.today + DAY, term.end)
                if days and self._free(slot, student, term):
                    self.taken[slot.index] += 1
                    trial = new_enrollment(
                        ctx,
                        student,
                        slot,
                        term,
                        EnrollmentType.TRIAL,
                        EnrollmentStatus.ACTIVE,
                        days[0],
                        days[0],
                    )
                    write_enrollment(ctx, trial, created_at=signed_up_at(ctx, ctx.today))
                    break


def place_students(ctx: Context) -> None:
    Placement(ctx).run()
