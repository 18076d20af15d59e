"""The two risk lists of the analytics page, as SQL that reads only the period and locations
asked for: runs of absences (students likely to drop) and classes attending below a rate.

A run of absences is the absences of a (student, class) newer than its newest record that is
not an absence, within the range. Only pairs with at least `n` absences in the range can
have such a run, so those are found first (absent rows only, from the covering index on
location and date); each candidate's newest break and run are then read through the unique
(student, class, date) index: a handful of rows per candidate, never the whole range sorted
per student as a window function did (issue 17).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Subquery

from data.models import Attendance, AttendanceStatus, Enrollment, EnrollmentStatus, EnrollmentType
from services.classes.attendance_rate import ATTENDED, RECORDED, AttendanceRate
from services.desk.analytics_scope import _attendance_where, _count_of, _Scope
from services.kernel.errors import ValidationError

IN_CLASS_TYPES = (EnrollmentType.REGULAR, EnrollmentType.TRIAL)
ABSENT = AttendanceStatus.ABSENT
MAX_MISSED_IN_A_ROW = 52


def check_rate(below: object) -> None:
    if isinstance(below, bool) or not isinstance(below, int | float) or not 0 <= below <= 1:
        raise ValidationError("Choose an attendance rate between 0% and 100%.")


def check_missed(missed_in_a_row: object) -> None:
    if (
        isinstance(missed_in_a_row, bool)
        or not isinstance(missed_in_a_row, int)
        or not 1 <= missed_in_a_row <= MAX_MISSED_IN_A_ROW
    ):
        raise ValidationError(f"Choose between 1 and {MAX_MISSED_IN_A_ROW} missed classes.")


def absence_runs(scope: _Scope, missed_in_a_row: int) -> Subquery:
    """Columns student_id, class_id, missed, last_present: each actively enrolled (student,
    class) whose newest `missed_in_a_row` records in the range are all absences."""
    f = scope.filter
    candidates = (
        select(Attendance.student_id, Attendance.class_id)
        .where(*_attendance_where(scope), Attendance.status == ABSENT)
        .group_by(Attendance.student_id, Attendance.class_id)
        .having(func.count() >= missed_in_a_row)
        .subquery("candidates")
    )

    def of_candidate(statuses: Iterable[AttendanceStatus]) -> Any:
        row = aliased(Attendance)
        return row, and_(
            row.student_id == candidates.c.student_id,
            row.class_id == candidates.c.class_id,
            row.class_date >= f.start,
            row.class_date <= f.end,
            row.status.in_(sorted(statuses)),
        )

    breaker, breaks = of_candidate(set(AttendanceStatus) - {ABSENT})
    present, presents = of_candidate(ATTENDED)
    enrolled = (
        select(Enrollment.id)
        .where(
            Enrollment.student_id == candidates.c.student_id,
            Enrollment.class_id == candidates.c.class_id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.type.in_(IN_CLASS_TYPES),
        )
        .exists()
    )
    with_break = (
        select(
            candidates.c.student_id,
            candidates.c.class_id,
            select(func.max(breaker.class_date)).where(breaks).scalar_subquery().label("since"),
            select(func.max(present.class_date))
            .where(presents)
            .scalar_subquery()
            .label("last_present"),
        )
        .where(enrolled)
        # Materialised: each candidate's break is read once, not again in every reference
        # a flattened subquery would repeat (SQLite did, 3 times per candidate).
        .cte("with_break")
        .prefix_with("MATERIALIZED")
    )
    absence, absences = aliased(Attendance), with_break.c
    missed = (
        select(func.count())
        .where(
            absence.student_id == absences.student_id,
            absence.class_id == absences.class_id,
            absence.class_date >= f.start,
            absence.class_date <= f.end,
            absence.status == ABSENT,
            or_(absences.since.is_(None), absence.class_date > absences.since),
        )
        .scalar_subquery()
    )
    runs = select(
        absences.student_id, absences.class_id, missed.label("missed"), absences.last_present
    ).subquery("counted")
    return select(runs).where(runs.c.missed >= missed_in_a_row).subquery("runs")


def per_class_counts(scope: _Scope) -> Subquery:
    """class_id, attended, recorded, absent: one GROUP BY class over the range (a class has
    one location: grouping by location as well only lengthens the sort key, ~30 % slower)."""
    return (
        select(
            Attendance.class_id,
            _count_of(ATTENDED).label("attended"),
            _count_of(RECORDED).label("recorded"),
            _count_of([ABSENT]).label("absent"),
        )
        .where(*_attendance_where(scope))
        .group_by(Attendance.class_id)
        .subquery("per_class")
    )


def is_low(attended: int, recorded: int, below: float) -> bool:
    """Strictly below `below` on the displayed rate (7 of 10 is not below 70 %), which a
    float product in SQL would not keep exact; classes with no record are not low."""
    rate = AttendanceRate(attended=int(attended), recorded=int(recorded)).rate
    return rate is not None and rate < below
