"""Tuition maths as properties (issue 16): proration by meetings, discounts, a drop's credit."""

from __future__ import annotations

from datetime import date, time, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from services.billing.tuition_rules import (
    SECOND_CLASS,
    SECOND_STUDENT,
    Place,
    after_discount,
    drop_credit,
    family_discounts,
    month_meetings,
    place_meetings,
    prorated,
)
from services.kernel.schedule import WeeklySlot

monthly = st.integers(min_value=0, max_value=10_000_000)
percent = st.integers(min_value=0, max_value=100)
months = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 1)).map(
    lambda d: d.replace(day=1)
)


def exact_half_up(value: Fraction) -> int:
    whole = value.numerator // value.denominator
    return whole + (1 if value - whole >= Fraction(1, 2) else 0)


def slot(weekday: int, term_start: date, term_end: date) -> WeeklySlot:
    return WeeklySlot(weekday, time(16), time(17), term_start, term_end, "America/Chicago")


@given(monthly, st.integers(1, 5))
def test_a_full_month_charges_the_monthly_tuition(cents: int, meetings: int) -> None:
    assert prorated(cents, meetings, meetings) == cents


@given(monthly, st.integers(0, 6), st.integers(1, 5))
def test_a_partial_month_is_monthly_times_meetings_over_the_months_meetings(
    cents: int, inside: int, of: int
) -> None:
    share = prorated(cents, inside, of)
    expected = exact_half_up(Fraction(cents * min(inside, of), of)) if inside > 0 else 0
    assert share == expected
    assert 0 <= share <= cents


def test_half_a_cent_rounds_up() -> None:
    assert prorated(8_501, 1, 2) == 4_251  # 4,250.5 ¢
    assert prorated(8_500, 1, 3) == 2_833  # 2,833.33 ¢
    assert prorated(8_500, 2, 3) == 5_667  # 5,666.67 ¢


@given(months, st.integers(0, 6), st.integers(0, 40), st.integers(0, 40))
def test_meetings_inside_a_place_are_the_weekday_dates_in_both(
    first: date, weekday: int, start_offset: int, length: int
) -> None:
    term = slot(weekday, first - timedelta(days=20), first + timedelta(days=60))
    start = first - timedelta(days=5) + timedelta(days=start_offset)
    end = start + timedelta(days=length)
    inside = place_meetings(term, first, start, end)
    month_days = [
        first + timedelta(days=n) for n in range(31) if (first + timedelta(n)).month == first.month
    ]
    expected = sum(1 for d in month_days if d.weekday() == weekday and start <= d <= end)
    assert inside == expected
    assert month_meetings(term, first) == sum(1 for d in month_days if d.weekday() == weekday)
    assert place_meetings(term, first, first - timedelta(days=1), None) == month_meetings(
        term, first
    )


def test_a_term_that_ends_mid_month_counts_only_its_meetings() -> None:
    december = date(2026, 12, 1)
    tuesday = slot(1, date(2026, 9, 1), date(2026, 12, 20))
    assert month_meetings(tuesday, december) == 3  # 1, 8, 15; the 22nd and 29th are after it
    assert place_meetings(tuesday, december, date(2026, 12, 5), None) == 2


@given(st.integers(0, 10_000_000), percent)
def test_a_discounted_amount_is_never_negative_nor_more(cents: int, off: int) -> None:
    assert 0 <= after_discount(cents, off) <= cents
    assert after_discount(cents, 0) == cents
    assert after_discount(cents, 100) == 0


places = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 50_000), st.booleans()), min_size=1, max_size=8
)


@given(places, percent, percent)
def test_the_first_student_and_each_first_class_pay_in_full(
    rows: list[tuple[int, int, bool]], student_off: int, class_off: int
) -> None:
    family = [Place(i + 1, s, base, posted) for i, (s, base, posted) in enumerate(rows)]
    discounts = family_discounts(family, student_off, class_off)
    assert set(discounts) == {p.enrollment_id for p in family}
    full = [p for p in family if discounts[p.enrollment_id].percent == 0]
    assert full  # somebody always pays the full price
    for p in family:
        off = discounts[p.enrollment_id]
        assert off.percent in (0, student_off, class_off)
        assert off.percent == 0 or off.reason in (SECOND_STUDENT, SECOND_CLASS)
    students = {p.student_id for p in family}
    # With both discounts on, each student but one has every place discounted by at least the
    # second-student rate, and each student's places but one by the second-class rate.
    if student_off and class_off:
        fully_paid_students = {p.student_id for p in full}
        assert len(fully_paid_students) == 1
        for s in students:
            assert sum(1 for p in full if p.student_id == s) <= 1
    # Posted places rank first: a place posted in full keeps that position.
    posted_full = [p for p in family if p.posted]
    if posted_full:
        first_student = min(
            students,
            key=lambda s: (
                not any(p.posted for p in family if p.student_id == s),
                -sum(p.base_cents for p in family if p.student_id == s),
                s,
            ),
        )
        assert any(p.posted for p in family if p.student_id == first_student)


@given(places, percent, percent)
def test_the_sum_of_a_familys_lines_equals_the_sum_of_its_charges(
    rows: list[tuple[int, int, bool]], student_off: int, class_off: int
) -> None:
    family = [Place(i + 1, s, base, False) for i, (s, base, _) in enumerate(rows)]
    discounts = family_discounts(family, student_off, class_off)
    lines = [after_discount(p.base_cents, discounts[p.enrollment_id].percent) for p in family]
    discount_total = sum(p.base_cents for p in family) - sum(lines)
    assert all(line >= 0 for line in lines)
    assert sum(lines) + discount_total == sum(p.base_cents for p in family)


@given(monthly, st.integers(1, 5), st.data(), percent)
def test_a_drop_after_posting_credits_the_meetings_not_taken(
    cents: int, of: int, data: st.DataObject, off: int
) -> None:
    charged_meetings = data.draw(st.integers(1, of))
    kept = data.draw(st.integers(0, charged_meetings))
    charged = after_discount(prorated(cents, charged_meetings, of), off)
    credit = drop_credit(cents, charged_meetings, kept, of, off, charged)
    untaken = charged_meetings - kept
    assert credit == min(charged, after_discount(exact_half_up(Fraction(cents * untaken, of)), off))
    assert 0 <= credit <= charged
    if kept == 0:
        assert credit == charged  # a place dropped before its first class gives it all back
    if kept == charged_meetings:
        assert credit == 0
