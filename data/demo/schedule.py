"""Terms, holidays and the weekly class schedule (one `classes` row per slot per term)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from data.demo.names import COACHES
from data.demo.plan import (
    DAY,
    TERM_GAP_WEEKS,
    TERM_WEEKS,
    TERMS,
    WEEK,
    WEEKS_INTO_CURRENT_TERM,
    Context,
    LevelInfo,
    LocationInfo,
    Schedule,
    Slot,
    Term,
)
from data.demo.programs import LEVEL_STEP_CENTS

# Half-hour steps: 15:30 to 19:00 on weekdays, 9:00 to 13:30 at weekends.
WEEKDAY_STARTS = tuple(time(15 + (30 + 30 * i) // 60, (30 + 30 * i) % 60) for i in range(8))
WEEKEND_STARTS = tuple(time(9 + i // 2, 30 * (i % 2)) for i in range(10))
LONG_CLASS_EXTRA_CENTS = 2_000


def build_terms(today: date) -> tuple[Term, ...]:
    """The current term started ten weeks before this week; the others follow back in time."""
    current_start = today - timedelta(days=today.weekday()) - WEEKS_INTO_CURRENT_TERM * WEEK
    span = (TERM_WEEKS + TERM_GAP_WEEKS) * WEEK
    first_start = current_start - (TERMS - 1) * span
    return tuple(
        Term(
            index=k,
            start=first_start + k * span,
            end=first_start + k * span + TERM_WEEKS * WEEK - DAY,
        )
        for k in range(TERMS)
    )


def holidays(first: date, last: date) -> frozenset[date]:
    """Days the gym is closed: the US holidays a family gym usually closes for."""
    closed: set[date] = set()
    for year in range(first.year, last.year + 1):
        may = calendar.monthcalendar(year, 5)
        memorial_day = max(week[0] for week in may)
        september = calendar.monthcalendar(year, 9)
        labor_day = next(week[0] for week in september if week[0])
        november = calendar.monthcalendar(year, 11)
        thanksgiving = [week[3] for week in november if week[3]][3]
        closed.update(
            {
                date(year, 1, 1),
                date(year, 5, memorial_day),
                date(year, 7, 4),
                date(year, 9, labor_day),
                date(year, 11, thanksgiving),
                date(year, 11, thanksgiving + 1),
                date(year, 12, 24),
                date(year, 12, 25),
                date(year, 12, 31),
            }
        )
    return frozenset(closed)


def build_schedule(ctx: Context) -> Schedule:
    terms = build_terms(ctx.today)
    slots: list[Slot] = []
    for location in ctx.cat.locations:
        slots.extend(_location_slots(ctx, location, first_index=len(slots)))
    class_ids = tuple(tuple(_add_class(ctx, term, slot) for slot in slots) for term in terms)
    schedule = Schedule(
        terms=terms,
        slots=tuple(slots),
        class_ids=class_ids,
        closed=holidays(terms[0].start, terms[-1].end),
    )
    by_day: dict[tuple[int, int], list[Slot]] = {}
    for slot in slots:
        by_day.setdefault((slot.location.index, slot.weekday), []).append(slot)
    schedule.slots_by_day = {key: tuple(value) for key, value in by_day.items()}
    schedule.slots_by_location = {
        loc.index: tuple(s for s in slots if s.location is loc) for loc in ctx.cat.locations
    }
    return schedule


def _day_counts(slots: int) -> list[int]:
    """Classes per weekday: most on Monday to Friday, some on Saturday, a few on Sunday."""
    sunday = max(1, slots // 25)
    saturday = max(1, round(slots * 0.13))
    weekdays = slots - saturday - sunday
    return [weekdays // 5 + (1 if i < weekdays % 5 else 0) for i in range(5)] + [saturday, sunday]


def _levels_for(ctx: Context, slots: int) -> list[LevelInfo]:
    """Every level at least once, the rest by demand (first levels are the busiest)."""
    levels = [level for program in ctx.cat.programs for level in program.levels]
    weights = [
        ctx.cat.programs[level.program].spec.demand * max(1, 4 - level.position) for level in levels
    ]
    chosen = list(levels) + ctx.rng.choices(levels, weights, k=slots - len(levels))
    ctx.rng.shuffle(chosen)
    return chosen


def _location_slots(ctx: Context, location: LocationInfo, first_index: int) -> list[Slot]:
    rng = ctx.rng
    levels = iter(_levels_for(ctx, ctx.scale.slots_per_location))
    slots: list[Slot] = []
    for weekday, count in enumerate(_day_counts(ctx.scale.slots_per_location)):
        day_levels = [next(levels) for _ in range(count)]
        # Younger children get the earlier times.
        day_levels.sort(key=lambda lv: (ctx.cat.programs[lv.program].spec.min_age, lv.id))
        starts = WEEKDAY_STARTS if weekday < 5 else WEEKEND_STARTS
        for i, level in enumerate(day_levels):
            spec = ctx.cat.programs[level.program].spec
            long_class = level.position >= 3 and spec.minutes == 60
            minutes = spec.minutes + (30 if long_class else 0)
            start = starts[i * len(starts) // count]
            end = (datetime.combine(date.min, start) + timedelta(minutes=minutes)).time()
            tuition = (
                spec.tuition_cents
                + (level.position - 1) * LEVEL_STEP_CENTS
                + (LONG_CLASS_EXTRA_CENTS if long_class else 0)
            )
            slots.append(
                Slot(
                    index=first_index + len(slots),
                    location=location,
                    program=level.program,
                    level=level,
                    weekday=weekday,
                    start=start,
                    end=end,
                    capacity=rng.randint(*spec.capacity),
                    tuition_cents=tuition,
                    name=spec.class_name.format(level=level.name),
                    instructor=rng.choice(COACHES),
                )
            )
    return slots


def _add_class(ctx: Context, term: Term, slot: Slot) -> int:
    class_id = ctx.writer.new_id("classes")
    ctx.writer.add(
        "classes",
        {
            "id": class_id,
            "location_id": slot.location.id,
            "program_id": ctx.cat.programs[slot.program].id,
            "level_id": slot.level.id,
            "name": slot.name,
            "weekday": slot.weekday,
            "start_time": slot.start,
            "end_time": slot.end,
            "term_start": term.start,
            "term_end": term.end,
            "capacity": slot.capacity,
            "instructor_name": slot.instructor,
            "instructor_user_id": None,
            "tuition_cents": slot.tuition_cents,
            "is_active": term.index == TERMS - 1,
        },
    )
    return class_id
