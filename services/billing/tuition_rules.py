"""Tuition maths, pure (no database): a month's meetings, proration, the discounts of a
family's class places, a drop's credit, and the words on each line.

Decisions (docs/decisions-16-tuition.md):
- A month's meetings are the class's weekday dates in the month within its term, closure
  days included (a closure gives its own remedy); a place pays for the meetings between its
  start and end dates: monthly × meetings inside ÷ month's meetings, rounded half up.
- A discount reduces the charge line (the line says so); a line that qualifies for both
  the second-student and the second-class discount gets the larger, never both.
- Lines already posted rank first, so a place charged later in the month never takes the
  full price away from one already charged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from services.kernel.schedule import WeeklySlot, meeting_dates

SECOND_STUDENT = "second-student"
SECOND_CLASS = "second-class"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def month_end(first: date) -> date:
    return (first.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def month_label(first: date) -> str:
    return f"{first:%B %Y}"


def month_meetings(slot: WeeklySlot, first: date) -> int:
    """The class's meetings in the month (within its term, closure days included)."""
    return sum(1 for _ in meeting_dates(slot, first, month_end(first)))


def place_meetings(slot: WeeklySlot, first: date, start: date, end: date | None) -> int:
    """The month's meetings inside a place that runs from `start` to `end` (inclusive)."""
    last = month_end(first)
    return sum(1 for _ in meeting_dates(slot, max(first, start), min(last, end or last)))


def half_up(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator rounded half up (both non-negative, denominator > 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def prorated(monthly_cents: int, meetings: int, of_meetings: int) -> int:
    """monthly × meetings ÷ the month's meetings, rounded half up; a full month is exact."""
    if of_meetings <= 0 or meetings <= 0 or monthly_cents <= 0:
        return 0
    return half_up(monthly_cents * min(meetings, of_meetings), of_meetings)


def discount_cents(amount_cents: int, percent: int) -> int:
    return half_up(amount_cents * percent, 100)


def after_discount(amount_cents: int, percent: int) -> int:
    return amount_cents - discount_cents(amount_cents, percent)


def drop_credit(
    monthly_cents: int,
    charged_meetings: int,
    meetings_now: int,
    of_meetings: int,
    percent: int,
    charged_cents: int,
) -> int:
    """What a drop gives back of a charged month: the meetings no longer taken at the rate
    charged (monthly ÷ month's meetings, less the line's discount), never more than charged."""
    untaken = max(0, charged_meetings - max(0, meetings_now))
    credit = after_discount(prorated(monthly_cents, untaken, of_meetings), percent)
    return min(credit, charged_cents)


@dataclass(frozen=True)
class Place:
    """One class place's facts for ranking discounts within a family's month."""

    enrollment_id: int
    student_id: int
    base_cents: int  # prorated, before any discount
    posted: bool


@dataclass(frozen=True)
class Discount:
    percent: int
    reason: str  # "", SECOND_STUDENT or SECOND_CLASS


def family_discounts(
    places: Sequence[Place], second_student_percent: int, second_class_percent: int
) -> dict[int, Discount]:
    """Each place's discount: the first student of the family (posted places first, then
    the most tuition, then the lowest id) and each student's first class pay in full."""
    by_student: dict[int, list[Place]] = defaultdict(list)
    for place in places:
        by_student[place.student_id].append(place)
    students = sorted(
        by_student,
        key=lambda s: (
            not any(p.posted for p in by_student[s]),
            -sum(p.base_cents for p in by_student[s]),
            s,
        ),
    )
    discounts: dict[int, Discount] = {}
    for student_rank, student_id in enumerate(students):
        ranked = sorted(
            by_student[student_id], key=lambda p: (not p.posted, -p.base_cents, p.enrollment_id)
        )
        for class_rank, place in enumerate(ranked):
            student_off = second_student_percent if student_rank else 0
            class_off = second_class_percent if class_rank else 0
            if max(student_off, class_off) == 0:
                discounts[place.enrollment_id] = Discount(0, "")
            elif student_off >= class_off:
                discounts[place.enrollment_id] = Discount(student_off, SECOND_STUDENT)
            else:
                discounts[place.enrollment_id] = Discount(class_off, SECOND_CLASS)
    return discounts


def _clock(t: time) -> str:
    return f"{t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


def class_words(class_name: str, weekday: int, start: time) -> str:
    return f"{class_name} ({_WEEKDAYS[weekday]} {_clock(start)})"


def charge_description(
    student: str, class_text: str, first: date, meetings: int, of_meetings: int, off: Discount
) -> str:
    text = f"Tuition for {student}: {class_text}, {month_label(first)}"
    if meetings < of_meetings:
        text += f", {meetings} of {of_meetings} classes"
    if off.percent:
        text += f", {off.percent}% {off.reason} discount"
    return text[:300]


def credit_description(student: str, class_text: str, first: date, untaken: int) -> str:
    classes = "1 class" if untaken == 1 else f"{untaken} classes"
    text = f"Tuition credit for {student}: {class_text}, {month_label(first)}, {classes} not taken"
    return text[:300]


def late_fee_description(student: str, class_text: str, first: date, days: int) -> str:
    month = month_label(first)
    return f"Late fee: tuition for {student}, {class_text}, {month}, unpaid after {days} days"[:300]
